"""Who is this: sign-in, sign-out, the user loader with its session, the sign-in throttle."""

from flask import Blueprint

from ..extensions import login_manager

bp = Blueprint("auth", __name__)


def init_auth(app):
    from flask_babel import lazy_gettext as _l

    from ..services.sessions import install_session_listener
    from . import recovery, second_step, views  # noqa: F401  (routes on bp)
    from .session import (
        load_user,
        rotate_changed_session,
        session_identifier,
        sign_out_ended_sessions,
    )

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = app.config.get("SESSION_PROTECTION", "strong")
    login_manager.user_loader(load_user)
    # Flask-Login 0.6 (pinned) has no public hook for this; its own trusts X-Forwarded-For.
    login_manager._session_identifier_generator = session_identifier
    app.before_request(sign_out_ended_sessions)
    app.after_request(rotate_changed_session)
    install_session_listener()
    app.register_blueprint(bp)
