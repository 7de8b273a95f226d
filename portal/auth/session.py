"""Loading the signed-in user with their session, and ending sessions that no longer hold.

Flask-Login keeps the user's id in the (signed) session cookie; next to it the portal keeps a
random session token (SESSION_TOKEN_KEY) whose row in `user_session` says whether that sign-in
still holds. A cookie whose session was signed out or revoked, or whose user was deactivated
or deleted, signs nobody in: the next request ends it and says why.
"""

import hashlib

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..extensions import db
from ..services import sessions

SESSION_TOKEN_KEY = "_portal_session"
_ENDED = "portal.session_ended"  # why this request's cookie signs nobody in


def load_user(user_id):
    """Flask-Login's user loader: the user, if their session from this cookie still holds."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    found = sessions.signed_in(db.session, user_id, session.get(SESSION_TOKEN_KEY))
    if found is None:
        return None
    user, row = found
    if row.is_revoked or not user.is_active:
        request.environ[_ENDED] = "inactive" if not user.is_active else "revoked"
        return None
    sessions.remember_current(row)
    sessions.touch(row)
    return user


def begin_session(user):
    """Start a server-side session for `user`, who has just signed in (caller commits)."""
    row, token = sessions.start(
        db.session, user, ip=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    session[SESSION_TOKEN_KEY] = token
    sessions.remember_current(row)
    return row


def rotate_changed_session(response):
    """After users changed their own password, roles or cinemas: this browser goes on under a
    new session token, so a copy of the old cookie is ended with their other sessions."""
    token = sessions.rotate(db.session)
    if token is not None:
        session[SESSION_TOKEN_KEY] = token
        db.session.commit()
    return response


def end_session():
    """Sign out: revoke this request's session for good, then forget the cookie's user."""
    row = sessions.current()
    if row is not None:
        sessions.revoke(db.session, row.id, row.user_id)
        db.session.commit()
    logout_user()
    session.pop(SESSION_TOKEN_KEY, None)


def sign_out_ended_sessions():
    """A cookie that names a user who is not signed in any more (session revoked, account
    deactivated or deleted) is cleared on its next request, with a message saying why."""
    if "_user_id" not in session or (request.endpoint or "").rpartition(".")[2] == "static":
        return None
    if getattr(current_user, "is_authenticated", False):
        return None
    why = request.environ.get(_ENDED)
    logout_user()
    session.pop(SESSION_TOKEN_KEY, None)
    if why == "inactive":
        flash(_("Your account is inactive. Ask a platform admin."), "danger")
    else:
        flash(_("Your session has ended. Please sign in again."), "info")
    return redirect(url_for("auth.login"))


def session_identifier():
    """What Flask-Login's "strong" session protection binds a session to: the client address
    as this server sees it (X-Forwarded-For only through PORTAL_PROXY_COUNT trusted proxies,
    see create_app) and the browser. Flask-Login's own reads X-Forwarded-For from anyone."""
    agent = request.headers.get("User-Agent", "")
    return hashlib.sha512(f"{request.remote_addr}|{agent}".encode()).hexdigest()
