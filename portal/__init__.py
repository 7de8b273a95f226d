"""The portal: back office of a movie-ticketing platform."""

import logging
from pathlib import Path

from flask import Flask, redirect, url_for

from .config import instance_secret_key, load_config
from .extensions import csrf, db, enforce_sqlite_foreign_keys, limiter, migrate, posters


def create_app(env=None, **overrides):
    """Build the app for `env` (else PORTAL_ENV); `overrides` win over every other setting."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(env, overrides=overrides))
    app.config["UPLOADED_POSTERS_DEST"] = str(Path(app.config["UPLOADS_DEST"]) / "posters")
    _init_database_url(app)
    _init_secret_key(app)
    _init_proxies(app)
    logging.getLogger("portal").setLevel(logging.INFO)

    from .memo import init_memo

    init_memo(app)

    db.init_app(app)
    with app.app_context():
        enforce_sqlite_foreign_keys(db.engine)
    migrate.init_app(
        app, db, directory=str(_migrations_dir()), compare_type=True, render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)

    from .i18n import init_i18n

    init_i18n(app)

    from flask_uploads import configure_uploads

    configure_uploads(app, posters)

    from .auth import init_auth

    init_auth(app)

    from .services.audit import install_audit_listener

    install_audit_listener()

    from .services.seating import install_seating_listener

    install_seating_listener()

    from .services.boxoffice import install_box_office_listeners

    install_box_office_listeners()

    from .admin_views import init_admin

    init_admin(app)

    from .errors import init_errors

    init_errors(app)

    from .headers import init_security_headers

    init_security_headers(app)
    from .static_files import init_static_files

    init_static_files(app)

    from .uploads import bp as uploads_bp

    app.register_blueprint(uploads_bp)

    from .cli import init_cli

    init_cli(app)

    @app.route("/")
    def root():
        return redirect(url_for("admin.index"))

    @app.route("/favicon.ico")
    def favicon():
        """No icon: browsers ask on every page, and a 404 each time is noise in their logs."""
        return "", 204

    return app


def _migrations_dir():
    return Path(__file__).resolve().parent.parent / "migrations"


def _init_secret_key(app):
    """Development without SECRET_KEY: a random key of this instance, kept under instance/
    (staging and production refuse to start without one, see config.py)."""
    if not app.config.get("SECRET_KEY"):
        path = app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key"
        app.config["SECRET_KEY"] = instance_secret_key(path)


def _init_proxies(app):
    """Believe X-Forwarded-For/-Proto only from the PORTAL_PROXY_COUNT proxies configured in
    front of the portal; by default the client's address is the connection's."""
    hops = app.config["PORTAL_PROXY_COUNT"]
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _init_database_url(app):
    """utf8mb4 on MySQL whatever the URL says; an instance folder for the default SQLite."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("mysql") and "charset=" not in url:
        separator = "&" if "?" in url else "?"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"{url}{separator}charset=utf8mb4"
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
