"""One-time links sent by mail (password reset, invitation): issued, checked, spent.

The token is 32 random bytes in the link; the database keeps only its SHA-256, so a copy of
the table opens no account. A link works once, until it expires, and only for its purpose;
issuing a new link of a purpose revokes the user's earlier ones. Spending is one UPDATE that
only an unused, unrevoked, unexpired row matches, so two requests cannot both use a link.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..models import AccountToken
from ..models.base import utcnow
from .rules import RuleViolation

RESET = "reset"
INVITATION = "invite"
MAX_TOKEN_LENGTH = 128


class LinkRefused(RuleViolation):
    """A link that is unknown, altered, used, revoked, expired or for someone else."""


REFUSALS = {
    "unknown": _l("This link is not valid. Check that you copied all of it, or ask for a new one."),
    "used": _l("This link has already been used. Ask for a new one if you still need it."),
    "revoked": _l("This link was withdrawn. Ask for a new one if you still need it."),
    "expired": _l("This link has expired. Ask for a new one."),
    "other_user": _l("This link is for another account. Sign out first, then open it again."),
}


def refuse(reason):
    error = LinkRefused(str(REFUSALS[reason]))
    error.reason = reason
    return error


def hash_token(raw):
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def lifetime(purpose):
    config = current_app.config
    if purpose == RESET:
        return timedelta(minutes=config["PASSWORD_RESET_MINUTES"])
    return timedelta(hours=config["INVITATION_HOURS"])


def issue(session, user, purpose):
    """A new link token for `user` (returned once, never stored); earlier open links of the
    same purpose stop working."""
    revoke_open(session, user, purpose)
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + lifetime(purpose),
        )
    )
    session.flush()
    return raw


def revoke_open(session, user, purpose):
    """Withdraw the user's unused links of `purpose`; returns how many."""
    result = session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def pending(session, user, purpose):
    """The user's open, unexpired link of `purpose` (its row), or None."""
    return session.scalar(
        select(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
        .order_by(AccountToken.id.desc())
        .limit(1)
    )


def check(session, raw, purpose, signed_in_user=None):
    """The token row behind a link, or LinkRefused saying why not."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise refuse("unknown")
    token = session.scalar(select(AccountToken).where(AccountToken.token_hash == hash_token(raw)))
    if token is None or token.purpose != purpose:
        raise refuse("unknown")
    if signed_in_user is not None and token.user_id != signed_in_user.id:
        raise refuse("other_user")
    if token.used_at is not None:
        raise refuse("used")
    if token.revoked_at is not None or not token.user.is_active:
        raise refuse("revoked")
    if token.expires_at <= utcnow():
        raise refuse("expired")
    return token


def spend(session, token):
    """Mark the link used, unless another request did first (then LinkRefused)."""
    now = utcnow()
    result = session.execute(
        update(AccountToken)
        .where(
            AccountToken.id == token.id,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise refuse("used")


def external_url(endpoint, **values):
    """An absolute link for a mail: PORTAL_BASE_URL when set, else this request's address."""
    base = current_app.config.get("PORTAL_BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)  # starts with the script root, which `base` includes
    return base.rstrip("/") + path[len(request.script_root) :]
