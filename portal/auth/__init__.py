"""Who is this: sign-in, sign-out, the user loader and the sign-in throttle."""
from flask import Blueprint

from ..extensions import login_manager

bp = Blueprint("auth", __name__)


def init_auth(app):
    from flask_babel import lazy_gettext as _l

    from . import recovery, second_step, views  # noqa: F401  (routes on bp)
    from .session import load_user, sign_out_inactive
    from .throttle import init_throttle

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = app.config.get("SESSION_PROTECTION", "strong")
    login_manager.user_loader(load_user)
    app.before_request(sign_out_inactive)
    init_throttle(app)
    app.register_blueprint(bp)
