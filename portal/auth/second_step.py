"""The second sign-in step: a TOTP or recovery code after the right password.

Between the two steps the session holds only who is half-way (user id, the account's
username_key for the throttle, when, where to go next); the account is not signed in. The
per-account throttle of the first step also counts codes (each attempt counted before it is
checked, forgiven by a right one), so guessing codes costs sign-in attempts like guessing
passwords, and knowing the password does not reset the count. A platform admin who must use
a second factor and has none sets one up here before getting in.
"""

import time

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..models import User
from ..services import audit, two_factor
from . import bp, throttle
from .forms import SecondFactorForm

PENDING = "portal_second_step"
SETUP_SECRET = "portal_second_step_secret"
PENDING_SECONDS = 300


def start_second_step(user, key, next_url):
    session.pop(SETUP_SECRET, None)
    session[PENDING] = {
        "user_id": user.id,
        "key": key,
        "since": int(time.time()),
        "next": next_url or "",
    }
    if user.has_two_factor:
        return redirect(url_for("auth.second_factor"))
    return redirect(url_for("auth.second_factor_setup"))


def _pending_user():
    """The half-signed-in user and their pending state, or (None, None) when expired."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None, None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.is_active:
        session.pop(PENDING, None)
        return None, None
    return user, pending


def _start_again():
    flash(_("Sign in again: the sign-in took too long."), "info")
    return redirect(url_for("auth.login"))


def _refuse_if_throttled(user, pending, template, **context):
    """The page with a 429 while the account (or this address) used up its attempts; else
    count this attempt (committed) before the code is checked."""
    from .views import THROTTLED

    refused = throttle.refusal(db.session, pending["key"], request.remote_addr)
    if refused:
        audit.record(
            "login_failed",
            "user",
            object_id=user.id,
            changes={"username": user.username, "reason": f"throttled ({refused})"},
        )
        session.pop(PENDING, None)
        flash(str(THROTTLED[refused]), "danger")
        return render_template(template, **context), 429
    throttle.record_attempt(db.session, pending["key"], request.remote_addr)
    return None


def _refuse_code(user, reason):
    audit.record(
        "login_failed",
        "user",
        object_id=user.id,
        changes={"username": user.username, "reason": reason},
    )
    flash(_("That code is not right, or was already used. Try the current one."), "danger")


def _finish(user, pending, details):
    from .views import finish_sign_in

    session.pop(PENDING, None)
    session.pop(SETUP_SECRET, None)
    return finish_sign_in(user, pending["key"], pending["next"], details)


@bp.route("/login/two-factor", methods=["GET", "POST"])
def second_factor():
    user, pending = _pending_user()
    if user is None:
        return _start_again()
    if not user.has_two_factor:
        return redirect(url_for("auth.second_factor_setup"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        refused = _refuse_if_throttled(user, pending, "auth/second_factor.html", form=form)
        if refused:
            return refused
        used = two_factor.verify_second_factor(db.session, user, form.code.data)
        if used is None:
            db.session.rollback()
            _refuse_code(user, "second factor")
            return render_template("auth/second_factor.html", form=form)
        if used == "recovery":
            left = two_factor.remaining_recovery_codes(db.session, user)
            audit.record(
                "recovery_used",
                "user",
                object_id=user.id,
                user_id=user.id,
                changes={"left": left},
                commit=False,
            )
            flash(
                _(
                    "You signed in with a recovery code; %(n)d left. Set up new codes on your "
                    "profile when few are left.",
                    n=left,
                ),
                "warning",
            )
        return _finish(user, pending, {"second_factor": used})
    return render_template("auth/second_factor.html", form=form)


@bp.route("/login/two-factor/setup", methods=["GET", "POST"])
def second_factor_setup():
    """A platform admin without a second factor sets one up before signing in."""
    user, pending = _pending_user()
    if user is None:
        return _start_again()
    if user.has_two_factor:
        return redirect(url_for("auth.second_factor"))
    secret = session.get(SETUP_SECRET) or two_factor.new_secret()
    session[SETUP_SECRET] = secret
    form = SecondFactorForm()
    context = setup_context(user, secret, form)
    if form.validate_on_submit():
        refused = _refuse_if_throttled(user, pending, "auth/second_factor_setup.html", **context)
        if refused:
            return refused
        codes = two_factor.enable(db.session, user, secret, form.code.data)
        if codes is None:
            db.session.rollback()
            _refuse_code(user, "second factor setup")
            return not_stored(render_template("auth/second_factor_setup.html", **context))
        audit.record("2fa_enabled", "user", object_id=user.id, user_id=user.id, commit=False)
        continue_to = _finish(user, pending, {"second_factor": "set up"}).location
        return not_stored(
            render_template("auth/recovery_codes.html", codes=codes, continue_url=continue_to)
        )
    return not_stored(render_template("auth/second_factor_setup.html", **context))


def not_stored(body, status=200):
    """A page showing a secret (the TOTP key, recovery codes): never kept in a cache."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def setup_context(user, secret, form):
    uri = two_factor.provisioning_uri(user, secret)
    return {"form": form, "secret": secret, "qr_svg": two_factor.qr_svg(uri), "uri": uri}
