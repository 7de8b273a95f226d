"""Sign-in and sign-out routes."""

from urllib.parse import urljoin, urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User
from ..models.accounts import USERNAME_KEY_LENGTH, username_key
from ..models.base import utcnow
from ..services import audit, two_factor
from . import bp, throttle
from .forms import LoginForm
from .second_step import start_second_step
from .session import begin_session, end_session


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
THROTTLED = {
    throttle.ACCOUNT: _l("Too many failed sign-ins. Try again in 15 minutes."),
    throttle.ADDRESS: _l("Too many failed sign-ins from your address. Try again in a minute."),
}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        typed = form.username.data
        key = username_key(typed)[:USERNAME_KEY_LENGTH]  # 64 characters may fold to more
        user = db.session.scalar(select(User).where(User.username_key == key)) if key else None
        # The account, whichever way its name was typed (unknown names: their key).
        account = {"username": user.username if user else key, "typed": typed}
        refused = throttle.refusal(db.session, key, request.remote_addr)
        if refused:
            audit.record(
                "login_failed",
                "user",
                object_id=user.id if user else None,
                changes={**account, "reason": f"throttled ({refused})"},
            )
            flash(str(THROTTLED[refused]), "danger")
            return render_template("auth/login.html", form=form), 429
        throttle.record_attempt(db.session, key, request.remote_addr)
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)  # same time as a real check
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            audit.record(
                "login_failed", "user", object_id=user.id if user else None, changes=account
            )
            flash(_("Invalid username or password."), "danger")
            return render_template("auth/login.html", form=form), 200
        if user.has_two_factor or two_factor.is_required(user):
            # The password was right, but the account is not signed in before the second
            # step, and this attempt keeps counting until a right code forgives it.
            return start_second_step(user, key, form.next.data)
        return finish_sign_in(user, key, form.next.data)
    return render_template("auth/login.html", form=form)


def finish_sign_in(user, key, next_url, details=None):
    """Sign `user` in (every factor checked), forgive the attempts counted against the
    account (`key`), and go where they were heading."""
    throttle.forgive(db.session, key)
    login_user(user)
    begin_session(user)
    user.last_login_at = utcnow()
    db.session.commit()
    audit.record("login", "user", object_id=user.id, user_id=user.id, changes=details)
    return redirect(safe_next(next_url))


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
