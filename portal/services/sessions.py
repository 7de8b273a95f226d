"""Signed-in sessions: started at sign-in, checked on every request, revocable for good.

The session cookie carries a random token; `user_session` keeps its SHA-256 only, so the
table alone cannot sign anyone in. A request loads its user and its session in one query
(`signed_in`); `last_seen_at` is written at most every SESSION_TOUCH_SECONDS.

Signing out revokes that session. A password change, a deactivation or a change of a user's
roles or cinemas revokes the user's sessions, whatever path made it (admin form, CLI,
code): an ORM flush listener, as for the audit log. When users change their own account,
the browser they did it from stays signed in, under a new token (`rotate`): a copy of its
old cookie is ended with the others.
"""

import datetime as dt
import hashlib
import secrets

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import User, UserSession
from ..models.base import utcnow

# Changes to these User attributes end the user's other sessions.
REVOKING_ATTRIBUTES = ("password_hash", "roles", "cinemas")
USER_AGENT_LENGTH = UserSession.user_agent.type.length
_CURRENT = "portal.user_session"
_ROTATE = "portal.rotate_session"


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(session, user, ip=None, user_agent=None):
    """A new session for `user`: (the UserSession row, the token for the cookie)."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        token_hash=_digest(token),
        ip=(ip or "")[: UserSession.ip.type.length] or None,
        user_agent=(user_agent or "")[:USER_AGENT_LENGTH] or None,
    )
    session.add(row)
    session.flush()
    return row, token


def signed_in(session, user_id, token):
    """(user, session row) for a cookie's user id and token, revoked or not, else None: one
    query, so that a signed-in request still costs two (this, then the user's access)."""
    if not token or not isinstance(token, str):
        return None
    found = session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == _digest(token))
    ).first()
    return tuple(found) if found else None


def touch(row, now=None):
    """Note that `row` was used now, at most every SESSION_TOUCH_SECONDS; True if written.

    Written in a transaction of its own, so the request's session has nothing pending."""
    now = now or utcnow()
    every = dt.timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"])
    if row.last_seen_at and now - row.last_seen_at < every:
        return False
    with db.engine.begin() as conn:
        conn.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    set_committed_value(row, "last_seen_at", now)
    return True


def revoke(session, session_id, user_id):
    """Sign out one session of `user_id` (the others are untouched); True if it was live."""
    result = session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def revoke_all(session_or_connection, user_id, keep=None):
    """Sign out every session of `user_id` except the one with id `keep`; returns how many."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    if isinstance(session_or_connection, Session):
        statement = statement.execution_options(synchronize_session=False)
    return session_or_connection.execute(statement).rowcount


def live_sessions(session, user_id):
    """The user's sessions that are still signed in, most recently used first."""
    return list(
        session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def remember_current(row):
    """The session this request is signed in with (see `current`)."""
    request.environ[_CURRENT] = row


def current():
    """This request's UserSession row, or None."""
    return request.environ.get(_CURRENT) if has_request_context() else None


def _kept_session(user):
    """The session to keep when `user` is changed: the one making the change, if theirs."""
    row = current()
    try:
        acting = (
            current_user.id if has_request_context() and current_user.is_authenticated else None
        )
    except Exception:  # no user loader in this request (e.g. during sign-in)
        acting = None
    return row.id if row is not None and acting == user.id == row.user_id else None


def _ends_sessions(user):
    state = db.inspect(user)
    if any(state.attrs[name].history.has_changes() for name in REVOKING_ATTRIBUTES):
        return True
    return bool(state.attrs.is_active.history.has_changes() and not user.is_active)


def _after_flush(session, _flush_context):
    for obj in session.dirty:
        if isinstance(obj, User) and _ends_sessions(obj):
            keep = _kept_session(obj)
            revoke_all(session.connection(), obj.id, keep=keep)
            if keep is not None:
                request.environ[_ROTATE] = True


def rotate(session):
    """A new token for this request's session if its user's password, roles or cinemas
    changed in it (caller puts the token in the cookie and commits); None otherwise."""
    row = current()
    if row is None or not request.environ.pop(_ROTATE, False):
        return None
    revoke(session, row.id, row.user_id)
    user = session.get(User, row.user_id)
    new_row, token = start(session, user, ip=row.ip, user_agent=row.user_agent)
    remember_current(new_row)
    return token


def install_session_listener():
    """Revoke a user's sessions on a password, activity, role or cinema change (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
