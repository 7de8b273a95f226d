"""Sign-in and sign-out routes."""
from urllib.parse import urljoin, urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, limiter
from ..models import User
from ..models.base import utcnow
from ..services import audit, two_factor
from . import bp
from .forms import LoginForm
from .second_step import start_second_step
from .throttle import login_throttle


def safe_next(target):
    """`target` if it stays on this site, else the dashboard."""
    fallback = url_for("admin.index")
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    resolved = urlsplit(urljoin(request.host_url, target))
    if resolved.netloc != urlsplit(request.host_url).netloc:
        return fallback
    return target


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _ip_limit():
    return current_app.config["LOGIN_IP_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        username = form.username.data.strip()
        throttle = login_throttle()
        if throttle.is_blocked(username):
            audit.record("login_failed", "user", changes={"username": username,
                                                          "reason": "throttled"})
            flash(_("Too many failed sign-ins. Try again in 15 minutes."), "danger")
            return render_template("auth/login.html", form=form), 429
        user = db.session.query(User).filter_by(username=username).first()
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)  # same time as a real check
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            throttle.record_failure(username)
            audit.record("login_failed", "user", object_id=user.id if user else None,
                         changes={"username": username})
            flash(_("Invalid username or password."), "danger")
            return render_template("auth/login.html", form=form), 200
        if user.has_two_factor or two_factor.is_required(user):
            # The password was right; the account is not signed in before the second step.
            return start_second_step(user, username, form.next.data)
        throttle.clear(username)
        return finish_sign_in(user, form.next.data)
    return render_template("auth/login.html", form=form)


def finish_sign_in(user, next_url, details=None):
    """Sign `user` in (both factors checked) and go where they were heading."""
    login_user(user)
    user.last_login_at = utcnow()
    db.session.commit()
    audit.record("login", "user", object_id=user.id, user_id=user.id, changes=details)
    return redirect(safe_next(next_url))


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
