"""What every admin page shows around its content, built once instead of on every request.

Flask-Admin renders the navbar menu, ~20 static links and each list's filter definitions on
every request, though they depend only on the language, the user's permissions and the
page. Those parts are kept here per app, keyed by exactly what they depend on.
"""
from flask import current_app, request, url_for
from flask_admin import babel as flask_admin_babel
from jinja2 import pass_context
from markupsafe import Markup

from .. import access
from ..i18n import current_locale

CACHE_SIZE = 2000  # entries per kind; a full cache starts again (languages x roles x pages)


def remembered(kind, key, build):
    """cache[key] of this app's cache of `kind`, built on first use (bounded)."""
    cache = current_app.extensions.setdefault(f"portal_{kind}", {})
    value = cache.get(key)
    if value is None:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        value = cache[key] = build()
    return value


def menu(macro):
    """Flask-Admin's navbar menu (the `layout.menu` macro): which entries it lists depends on
    the permissions, their names on the language, the active one on the page."""
    key = (current_locale(), access.user_permissions(), request.endpoint,
           request.script_root)
    return remembered("menus", key, lambda: Markup(macro()))


def assets(view, block, render):
    """A block of <link>/<script> tags of Flask-Admin's base template (`head_css`,
    `tail_js`): static URLs and the view's extra files, the same on every request."""
    if view.admin.csp_nonce_generator:  # a nonce per response: nothing to reuse
        return render()
    key = (block, view.endpoint, request.script_root)
    return remembered("assets", key, lambda: Markup(render()))


@pass_context
def list_fragment(context, name, render):
    """A list page block that shows no user or session data (the menu bar with its links,
    search box and row count; the table header; the pager; the filter and action scripts):
    rendered once per page address, language, permission set and row count, then reused.
    Never for a block with a CSRF token or the user's name in it."""
    if context.resolve("admin_csp_nonce_attribute"):  # a nonce per response: nothing to reuse
        return render()
    key = (name, request.endpoint, request.script_root, request.query_string,
           current_locale(), access.user_permissions(), str(context.resolve("count")))
    return remembered("list_fragments", key, lambda: Markup(render()))


def static_url(endpoint, **kwargs):
    """url_for(<admin>.static, filename=..., v=...), as Flask-Admin's `admin_static.url`."""
    key = (request.script_root, endpoint, tuple(sorted(kwargs.items())))
    return remembered("static_urls", key, lambda: url_for(f"{endpoint}.static", **kwargs))


def filter_groups(view, build):
    """A list's filter definitions (names, operations, options) in the reader's language:
    built from the view's filters when the view is set up, so fixed per language."""
    return remembered("filter_groups", (view.endpoint, current_locale()), build)


def admin_gettext(string, **variables):
    """Flask-Admin's own `_gettext` for its templates (~40 strings a list page), each
    translation looked up once per language: the catalogs do not change at run time."""
    if variables:
        return flask_admin_babel.gettext(string, **variables)
    return remembered("admin_texts", (current_locale(), string),
                      lambda: flask_admin_babel.gettext(string))


def init_chrome(app):
    app.jinja_env.globals.update(portal_menu=menu, portal_static_url=static_url,
                                 portal_assets=assets, portal_list_fragment=list_fragment)
