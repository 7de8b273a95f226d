"""Loading the signed-in user and keeping inactive accounts out."""
from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..extensions import db
from ..models import User


def load_user(user_id):
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def sign_out_inactive():
    """A user deactivated (or deleted) while signed in is signed out on their next request.

    Flask-Login reports an inactive user as not authenticated but keeps them in the session,
    so reactivating the account would silently sign them back in: end the session instead.
    """
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    if getattr(current_user, "is_active", False):
        return None
    logout_user()
    flash(_("Your account is inactive. Ask a platform admin."), "danger")
    return redirect(url_for("auth.login"))
