"""Error pages in the portal's look, translated."""

import contextlib
import logging

from flask import flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.wsgi import get_input_stream

from .extensions import db, login_manager
from .services.posters import readable_size

log = logging.getLogger("portal.errors")

# Admin form pages a too-large POST is sent back to, with a message, instead of a 413 page.
RESUBMITTABLE = (".create_view", ".edit_view")
# An over-size body up to this many bytes is read and dropped before answering (see below).
DRAIN_LIMIT = 64 * 1024 * 1024
# Errors that mean the database cannot be reached or cannot answer now (down, restarting, a
# lost connection, a full pool, a lock wait): the request may succeed later, so 503.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def _page(code, title, message):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _drain_request_body():
    """Read and drop the unread body, so that a browser still sending it gets the answer:
    gunicorn closes a connection with unread input, and the browser shows a reset."""
    stream = get_input_stream(request.environ, max_content_length=None)
    remaining = DRAIN_LIMIT
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        remaining -= len(chunk)


def init_errors(app):
    @app.errorhandler(400)
    def bad_request(_exc):
        return _page(400, _("Bad request"), _("The portal could not understand this request."))

    @app.errorhandler(403)
    def forbidden(_exc):
        return _page(403, _("Forbidden"), _("You do not have permission to do this."))

    @app.errorhandler(404)
    def not_found(_exc):
        return _page(404, _("Not found"), _("There is nothing here, or it is not yours to see."))

    @app.errorhandler(405)
    def not_allowed(_exc):
        return _page(405, _("Method not allowed"), _("This address does not accept that request."))

    @app.errorhandler(413)
    def too_large(_exc):
        message = _(
            "The file is larger than the portal accepts (at most %(size)s). Nothing was saved.",
            size=readable_size(app.config.get("MAX_CONTENT_LENGTH") or 0),
        )
        _drain_request_body()
        if request.method == "POST" and (request.endpoint or "").endswith(RESUBMITTABLE):
            # The body was never read, so the form cannot be re-rendered with its values:
            # show it again, empty, with the reason.
            flash(message, "error")
            return redirect(request.full_path.rstrip("?"), code=303)
        return _page(413, _("Upload too large"), message)

    @app.errorhandler(429)
    def too_many(_exc):
        return _page(429, _("Too many requests"), _("Slow down and try again in a while."))

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        log.warning("CSRF refused %s %s: %s", request.method, request.path, exc.description)
        return _page(
            400,
            _("The form expired"),
            _(
                "The form was open too long or came from elsewhere. Go back, reload "
                "the page and submit it again."
            ),
        )

    def database_unavailable(exc):
        log.error(
            "database unavailable on %s %s: %s",
            request.method,
            request.path,
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        _forget_failed_session()
        response = app.make_response(
            _page(
                503,
                _("The portal is unavailable"),
                _(
                    "The database cannot be reached right now. Nothing was saved; please try again "
                    "in a minute."
                ),
            )
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)

    @app.errorhandler(500)
    def server_error(_exc):
        return _page(
            500,
            _("Something went wrong"),
            _("The error was logged. Nothing was saved; please try again."),
        )


def _forget_failed_session():
    """Drop the failed transaction, and render the page as nobody in particular: loading the
    signed-in user (for the menu and the language) would ask the database again."""
    with contextlib.suppress(DATABASE_UNAVAILABLE):
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()
