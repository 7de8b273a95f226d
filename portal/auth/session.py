"""Loading the signed-in user and keeping inactive accounts out."""
from flask import flash, redirect, request, url_for
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
    """A user deactivated while signed in is signed out on their next request."""
    if request.endpoint in ("static", "auth.login") or not current_user.is_authenticated:
        return None
    if not current_user.is_active:
        logout_user()
        flash(_("Your account is inactive. Ask a platform admin."), "danger")
        return redirect(url_for("auth.login"))
    return None
