"""Passwords people manage themselves: changing one, and resetting a lost one by mail."""

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..auth import throttle
from ..extensions import db
from ..models import User
from ..models.accounts import MIN_PASSWORD_LENGTH
from . import account_tokens, audit
from .mail import MailError, send_templated
from .rules import RuleViolation

RESET_SUBJECT = _l("Choose a new password for the Cinema Portal")


class PasswordRefused(RuleViolation):
    """A password change the rules refuse; the message says why."""


def set_new_password(user, password):
    """The one strength rule (User.set_password), with a translated refusal."""
    try:
        user.set_password(password)
    except ValueError:
        raise PasswordRefused(
            _("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        ) from None


def _client_address():
    return request.remote_addr if has_request_context() else None


def refuse_if_throttled(user):
    """PasswordRefused while the account's failed attempts (sign-in, password checks,
    second-factor codes) are over the limit."""
    if throttle.refusal(db.session, user.username_key, _client_address()):
        raise PasswordRefused(_("Too many failed attempts. Try again in 15 minutes."))


def count_failure(user, reason):
    """A wrong password or code from a signed-in user counts like a failed sign-in
    (recorded and committed at once, whatever the caller rolls back)."""
    throttle.record_attempt(db.session, user.username_key, _client_address())
    audit.record(
        "login_failed",
        "user",
        object_id=user.id,
        changes={"username": user.username, "reason": reason},
    )


def confirm_password(user, password, reason):
    """The signed-in user proves it is them before a sensitive change; a wrong password
    counts against the account's sign-in throttle, a right one forgives its attempts."""
    refuse_if_throttled(user)
    if not user.check_password(password or ""):
        count_failure(user, reason)
        raise PasswordRefused(_("Your current password is not right. Nothing was changed."))
    throttle.forgive(db.session, user.username_key)


def change_password(session, user, current, new):
    """Change the signed-in user's own password; the current one must be right."""
    confirm_password(user, current, "password change")
    set_new_password(user, new)
    audit.record("password_changed", "user", object_id=user.id, commit=False)
    # The session listener (services/sessions.py) ends the others when this is flushed;
    # this browser goes on under a new token.
    audit.record(
        "sessions_ended",
        "user",
        object_id=user.id,
        commit=False,
        changes={"reason": "password change", "this_browser": "kept"},
    )


def accounts_for_email(session, email):
    """Active accounts with a password that use `email` (case-insensitively)."""
    email = (email or "").strip().lower()
    if not email:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                func.lower(User.email) == email,
                User.is_active.is_(True),
                User.password_hash.is_not(None),
                User.password_hash != "",
            )
            .order_by(User.id)
        )
    )


def request_reset(session, email):
    """Mail a reset link to every account that uses `email`; records the request either way.
    Each account is committed only once its mail was handed over; returns how many were."""
    sent = 0
    users = accounts_for_email(session, email)
    if not users:
        audit.record("reset_requested", "user", changes={"email": email, "known": False})
        return 0
    for user in users:
        raw = account_tokens.issue(session, user, account_tokens.RESET)
        link = account_tokens.external_url("auth.reset_password", token=raw)
        try:
            send_templated(
                user,
                "password_reset",
                RESET_SUBJECT,
                link=link,
                minutes=account_tokens.lifetime(account_tokens.RESET).seconds // 60,
            )
        except MailError as exc:
            session.rollback()
            audit.record(
                "reset_requested",
                "user",
                object_id=user.id,
                changes={"email": email, "mail_error": str(exc)[:200]},
            )
            continue
        audit.record("reset_requested", "user", object_id=user.id, changes={"email": email})
        sent += 1
    return sent


def reset_password(session, raw, new, signed_in_user=None):
    """Choose a new password through a reset link; returns the user. The link is spent."""
    token = account_tokens.check(session, raw, account_tokens.RESET, signed_in_user)
    user = token.user
    set_new_password(user, new)
    account_tokens.spend(session, token)
    audit.record("reset_used", "user", object_id=user.id, user_id=user.id, commit=False)
    return user
