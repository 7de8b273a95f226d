"""What every admin page shows around its content, built once instead of on every request.

Flask-Admin renders the navbar menu, ~20 static links and Flask-Admin's own template texts on
every request, though they depend only on the language, the user's permissions and the
page. They are kept in the portal's one cache (portal/memo.py), keyed by exactly that.
Rendered HTML is kept only where every input is in the key; never a block that shows the
user's name, a CSRF token or a per-response CSP nonce.
"""

from flask import request
from flask_admin import babel as flask_admin_babel
from markupsafe import Markup

from .. import access
from ..i18n import current_locale
from ..memo import remember


def menu(macro):
    """Flask-Admin's navbar menu (the `layout.menu` macro): which entries it lists depends on
    the permissions, their names on the language, the active one on the page."""
    key = (
        "menu",
        current_locale(),
        access.user_permissions(),
        request.endpoint,
        request.script_root,
    )
    return remember(key, lambda: Markup(macro()))


def assets(view, block, render):
    """A block of <link>/<script> tags of Flask-Admin's base template (`head_css`,
    `tail_js`): static URLs and the view's extra files, the same on every request."""
    if view.admin.csp_nonce_generator:  # a nonce per response: nothing to reuse
        return render()
    return remember(("assets", block, view.endpoint, request.script_root), lambda: Markup(render()))


def admin_gettext(string, **variables):
    """Flask-Admin's own `_gettext` for its templates (~40 strings a list page), each
    translation looked up once per language: the catalogs do not change at run time."""
    if variables:
        return flask_admin_babel.gettext(string, **variables)
    return remember(
        ("admin_text", current_locale(), string), lambda: flask_admin_babel.gettext(string)
    )


def init_chrome(app):
    app.jinja_env.globals.update(portal_menu=menu, portal_assets=assets)
