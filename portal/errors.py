"""Error pages in the portal's look, translated."""
import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

log = logging.getLogger("portal.errors")


def _page(code, title, message):
    return render_template("errors/error.html", code=code, title=title, message=message), code


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
        return _page(413, _("Upload too large"), _("The file is larger than the portal accepts."))

    @app.errorhandler(429)
    def too_many(_exc):
        return _page(429, _("Too many requests"), _("Slow down and try again in a while."))

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        log.warning("CSRF refused %s %s: %s", request.method, request.path, exc.description)
        return _page(400, _("The form expired"),
                     _("The form was open too long or came from elsewhere. Go back, reload "
                       "the page and submit it again."))

    @app.errorhandler(500)
    def server_error(_exc):
        return _page(500, _("Something went wrong"),
                     _("The error was logged. Nothing was saved; please try again."))
