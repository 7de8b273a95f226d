"""Pages reached from a mail: asking for a password reset, and the links themselves (reset
and invitation). Nobody needs to be signed in.

The request page answers the same whether an account uses the address or not, and is
throttled per address asked for (RESET_REQUEST_LIMIT) and per client address; refused
links count against TOKEN_FAILURE_LIMIT per client address, so that guessing links is cut
short. Link pages send no Referer, so the token never leaves in a header.
"""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from ..services import account_tokens, audit, invitations, passwords, sessions
from ..services.rules import RuleViolation
from . import bp
from .forms import ForgotPasswordForm, NewPasswordForm
from .session import end_session

LINK_REFUSED = 400


def _asked_address():
    return "reset:" + (request.form.get("email") or "").strip().lower()


def _reset_request_limit():
    return current_app.config["RESET_REQUEST_LIMIT"]


def _ip_limit():
    return current_app.config["LOGIN_IP_LIMIT"]


def _token_failure_limit():
    return current_app.config["TOKEN_FAILURE_LIMIT"]


def _refused_link(response):
    return response.status_code == LINK_REFUSED


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_reset_request_limit, methods=["POST"], key_func=_asked_address)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(db.session, form.email.data.strip())
        flash(
            _(
                "If an account uses this address, a link to choose a new password is on its "
                "way. It works for %(minutes)d minutes.",
                minutes=current_app.config["PASSWORD_RESET_MINUTES"],
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _signed_in_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _link_page(purpose, raw, complete, done_message, title):
    """GET shows the new-password form of a valid link; POST spends the link."""
    try:
        account_tokens.check(db.session, raw, purpose, _signed_in_user())
    except account_tokens.LinkRefused as exc:
        return _refuse(exc, title)
    form = NewPasswordForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            end_session()  # this browser signs in afresh with the new password, like all
        try:
            user = complete(db.session, raw, form.password.data)
        except account_tokens.LinkRefused as exc:
            db.session.rollback()
            return _refuse(exc, title)
        except RuleViolation as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
            return _form(form, title)
        end_every_session(user)
        db.session.commit()
        flash(done_message, "success")
        return redirect(url_for("auth.login"))
    return _form(form, title)


def _form(form, title):
    response = current_app.make_response(
        render_template("auth/new_password.html", form=form, title=title)
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _refuse(exc, title):
    response = current_app.make_response(
        (render_template("auth/link_refused.html", message=str(exc), title=title), LINK_REFUSED)
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def end_every_session(user):
    """A password chosen through a link ends every session of the account."""
    ended = sessions.revoke_all(db.session, user.id)
    audit.record(
        "sessions_ended",
        "user",
        object_id=user.id,
        user_id=user.id,
        changes={"reason": "password set through a link", "count": ended},
        commit=False,
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(
    _token_failure_limit,
    deduct_when=_refused_link,
    key_func=lambda: "link:" + (request.remote_addr or ""),
)
def reset_password(token):
    return _link_page(
        account_tokens.RESET,
        token,
        passwords.reset_password,
        _(
            "Your password was changed and your account signed out everywhere. "
            "Sign in with the new password."
        ),
        _("Choose a new password"),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(
    _token_failure_limit,
    deduct_when=_refused_link,
    key_func=lambda: "link:" + (request.remote_addr or ""),
)
def accept_invitation(token):
    return _link_page(
        account_tokens.INVITATION,
        token,
        invitations.accept,
        _("Your password is set. Sign in with it."),
        _("Choose your password"),
    )
