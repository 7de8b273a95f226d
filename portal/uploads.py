"""Serving poster files to signed-in users who may view movies."""

from flask import Blueprint, abort, current_app, send_from_directory
from flask_login import current_user

from . import access

bp = Blueprint("uploads", __name__)


@bp.route("/uploads/posters/<name>")
def poster(name):
    """A poster or its thumbnail; posters are unpublished catalogue data until a film is on."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not access.has_permission("movie.view"):
        abort(403)
    response = send_from_directory(current_app.config["UPLOADED_POSTERS_DEST"], name, max_age=3600)
    response.cache_control.public = False
    response.cache_control.private = True  # behind a sign-in: no shared caches
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Only re-encoded images are stored; this keeps even a planted file from running script.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
