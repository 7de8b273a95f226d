"""Security headers on every response: a Content-Security-Policy, no framing, no sniffing, no
referrer to other sites, and HSTS in staging and production (PORTAL_HSTS).

The policy allows scripts and styles from the portal itself only. Flask-Admin's pages run no
inline <script>; the only inline JavaScript they carry are a few fixed event handlers
(`onclick="return modelActions.execute('cancel');"`, the delete button's confirmation, ...),
allowed one by one by their SHA-256 ('unsafe-hashes'): an injected handler or script still
cannot run. No nonce is needed, so the menu and asset tags Flask-Admin renders stay
cacheable (portal/memo.py). The handler texts are listed in `inline_handlers`;
tests/test_security_headers.py fails if a page carries one the policy does not allow.
"""

import base64
import hashlib

from babel import support
from flask import current_app
from flask_admin import translations as flask_admin_translations
from flask_admin.model.fields import InlineFieldList
from wtforms.fields.core import UnboundField

from .i18n import admin_translations_path, current_locale
from .memo import remember

FIXED_HANDLERS = (
    "return false;",  # a filter's entry in the "Add Filter" menu
    "javascript:void(0)",  # links whose click a script handles
)
DELETE_CONFIRMATION = "Are you sure you want to delete this record?"

POLICY = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-hashes' {hashes}",
    # Inline styles stay allowed: Flask-Admin, select2 and the day plan write style
    # attributes; a style cannot run code, and scripts are what the policy keeps out.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
# Anything but a page (static files, JSON, CSV, images) runs nothing and embeds nothing.
NOT_A_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def _action_names(app):
    """Every bulk action of every admin view (Flask-Admin writes one handler per action)."""
    names = set()
    for admin in app.extensions.get("admin", ()):
        for view in admin._views:
            names.update(name for name, _text in getattr(view, "_actions", ()))
    return sorted(names)


def _inline_list_ids(app):
    """Every inline list of every admin form (Flask-Admin writes an "Add" handler per list,
    e.g. a price card's rules)."""
    ids = set()
    for admin in app.extensions.get("admin", ()):
        for view in admin._views:
            for form_class in (
                getattr(view, "_create_form_class", None),
                getattr(view, "_edit_form_class", None),
            ):
                for name in dir(form_class) if form_class is not None else ():
                    unbound = getattr(form_class, name, None)
                    if isinstance(unbound, UnboundField) and issubclass(
                        unbound.field_class, InlineFieldList
                    ):
                        ids.add(name)
    return sorted(ids)


def _admin_text(text, locale):
    """Flask-Admin's translation of `text`, from the catalogs its views read, in their order.

    Read here rather than through Flask-Admin's gettext: outside one of its views that would
    load (and keep, per language) its catalog without the portal's additions."""
    catalog = support.Translations()
    for directory in (admin_translations_path(), flask_admin_translations.__path__[0]):
        catalog.merge(support.Translations.load(directory, [locale], "admin"))
    return catalog.gettext(text)


def inline_handlers(locale):
    """The inline event handlers Flask-Admin's pages carry in `locale`."""
    confirm = _admin_text(DELETE_CONFIRMATION, locale)
    return (
        *FIXED_HANDLERS,
        f"return faHelpers.safeConfirm('{confirm}');",
        *(f"return modelActions.execute('{name}');" for name in _action_names(current_app)),
        *(
            f"faForm.addInlineField(this, '{field_id}');"
            for field_id in _inline_list_ids(current_app)
        ),
    )


def source_hash(text):
    """A CSP hash-source for the inline script `text`."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def content_security_policy():
    """The policy for a page in the reader's language (built once per language)."""
    locale = current_locale()

    def build():
        hashes = " ".join(source_hash(text) for text in inline_handlers(locale))
        return "; ".join(POLICY).format(hashes=hashes)

    return remember(("csp", str(locale)), build)


def add_security_headers(response):
    headers = response.headers
    # A response that set its own (a poster: "default-src 'none'; sandbox") keeps it.
    headers.setdefault(
        "Content-Security-Policy",
        content_security_policy() if response.mimetype == "text/html" else NOT_A_PAGE_POLICY,
    )
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["PORTAL_HSTS"]:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_security_headers(app):
    app.after_request(add_security_headers)
