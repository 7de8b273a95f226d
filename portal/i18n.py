"""Languages: which locale a request uses, how a user keeps a choice, locale-aware formatting.

The choice, first that applies: `?lang=` (remembered in the session), the session, the
signed-in user's saved `locale`, the browser's Accept-Language, PORTAL_DEFAULT_LOCALE.
A choice reaches `user.locale` only through a POST with a CSRF token (the navbar switcher) or
when a user signs in after choosing a language on the sign-in page; a GET never writes to
the database.
"""

from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton, get_datetime_format
from babel.dates import format_time as babel_format_time
from babel.numbers import format_currency as babel_format_currency
from babel.support import Translations
from flask import Blueprint, abort, current_app, g, has_request_context, redirect, request, session
from flask_admin.model import typefmt
from flask_babel import get_locale, to_user_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in
from jinja2 import pass_context
from markupsafe import Markup, escape
from wtforms import SelectChoice
from wtforms.i18n import messages_path as wtforms_messages_path

from .extensions import babel, db
from .memo import remember

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

LANGUAGE_NAMES = {"zh_Hans_CN": "简体中文", "en": "English"}
# Our locale -> the BCP 47 tag for <html lang> and lang="" attributes.
LANGUAGE_TAGS = {"zh_Hans_CN": "zh-Hans-CN", "en": "en"}

# Accept-Language tags we understand -> our locale.
_BROWSER_LANGUAGES = {"zh-CN": "zh_Hans_CN", "zh": "zh_Hans_CN", "en": "en"}

# Enum codes stored as PRODUCT.md names them, shown translated.
ENUM_LABELS = {
    "coming_soon": _l("Coming soon"),
    "showing": _l("Showing"),
    "offline": _l("Offline"),
    "scheduled": _l("Scheduled"),
    "on_sale": _l("On sale"),
    "cancelled": _l("Cancelled"),
    "2D": _l("2D"),
    "3D": _l("3D"),
    "IMAX": _l("IMAX"),
    "4DX": _l("4DX"),
    "DOLBY": _l("Dolby Cinema"),
    # seat.kind (models/seating.py) and seat_layout.numbering
    "standard": _l("Standard"),
    "vip": _l("VIP"),
    "couple": _l("Couple seat"),
    "wheelchair": _l("Wheelchair place"),
    "blocked": _l("Blocked"),
    "ltr": _l("Left to right"),
    "rtl": _l("Right to left"),
    # order.channel, order.status and ticket.status (models/selling.py)
    "online": _l("Online"),
    "counter": _l("Counter"),
    "pending": _l("Pending"),
    "awaiting_confirmation": _l("Paid, awaiting confirmation"),
    "paid": _l("Paid"),
    "refunded": _l("Refunded"),
    "partially_refunded": _l("Partially refunded"),
    "sold": _l("Sold"),
}

# audit_log.action codes, shown translated.
AUDIT_ACTION_LABELS = {
    "create": _l("Created"),
    "edit": _l("Edited"),
    "delete": _l("Deleted"),
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in"),
    "denied": _l("Denied"),
    "password_changed": _l("Password changed"),
    "reset_requested": _l("Password reset requested"),
    "reset_used": _l("Password reset used"),
    "invited": _l("Invited"),
    "invite_resent": _l("Invitation sent again"),
    "invite_revoked": _l("Invitation withdrawn"),
    "invite_accepted": _l("Invitation accepted"),
    "2fa_enabled": _l("Two-factor sign-in turned on"),
    "2fa_disabled": _l("Two-factor sign-in turned off"),
    "2fa_reset": _l("Two-factor sign-in reset"),
    "recovery_used": _l("Recovery code used"),
    "recovery_renewed": _l("New recovery codes"),
    "session_ended": _l("Session signed out"),
    "sessions_ended": _l("Sessions ended"),
}

# audit_log.model (a table name), shown translated.
MODEL_LABELS = {
    "movie": _l("Movie"),
    "cinema": _l("Cinema"),
    "hall": _l("Hall"),
    "schedule": _l("Schedule"),
    "city": _l("City"),
    "user": _l("User"),
    "role": _l("Role"),
    "permission": _l("Permission"),
    "audit": _l("Audit log"),
    "seat_layout": _l("Seat layout"),
    "screening_right": _l("Screening right"),
    "ticket_type": _l("Ticket type"),
    "price_card": _l("Price card"),
    "price_card_rule": _l("Price card rule"),
    "schedule_price": _l("Show price"),
    "customer": _l("Customer"),
    "ticket_order": _l("Order"),
    "ticket": _l("Ticket"),
}

ROLE_LABELS = {
    "platform_admin": _l("Platform admin"),
    "cinema_manager": _l("Cinema manager"),
    "content_editor": _l("Content editor"),
    "auditor": _l("Auditor"),
    "box_office": _l("Box office"),
}

ROLE_DESCRIPTIONS = {
    "platform_admin": _l("Platform staff: everything"),
    "cinema_manager": _l("A cinema's manager: their cinemas, halls and schedules"),
    "content_editor": _l("Catalogue editor: movies and posters"),
    "auditor": _l("Compliance: view and export everything, read the audit log"),
    "box_office": _l(
        "A cinema's ticket seller: its schedules and seat maps, counter sales, its orders"
    ),
}

# The permission matrix: resources as rows, actions as columns.
RESOURCE_LABELS = {
    "movie": _l("Movies"),
    "cinema": _l("Cinemas"),
    "hall": _l("Halls"),
    "schedule": _l("Schedules"),
    "city": _l("Cities"),
    "user": _l("Users"),
    "role": _l("Roles and permissions"),
    "audit": _l("Audit log"),
    "seat_layout": _l("Seat layout"),
    "right": _l("Screening rights"),
    "pricecard": _l("Price cards"),
    "tickettype": _l("Ticket types"),
    "order": _l("Orders and tickets"),
    "customer": _l("Customers"),
    "boxoffice": _l("Box office figures"),
}

ACTION_LABELS = {
    "view": _l("View"),
    "create": _l("Create"),
    "edit": _l("Edit"),
    "delete": _l("Delete"),
    "export": _l("Export"),
    "sell": _l("Sell at the counter"),
    "refund": _l("Refund"),
    "block": _l("Block and unblock"),
}

SCOPE_ALL_CINEMAS_LABEL = _l("Rows of every cinema")


def current_locale():
    """flask_babel.get_locale(), read straight from where Flask-Babel keeps it for the
    request once chosen (list pages ask ~100 times a page; the full lookup goes through
    Flask's `g` proxy three times)."""
    try:
        return g._get_current_object()._flask_babel.babel_locale
    except (AttributeError, RuntimeError):
        return get_locale()


def translated(name, lazy):
    """str(lazy) in the request's locale, kept per (name, locale) in the portal's cache:
    lists show the same few labels (statuses, yes/no) on every row of every page."""
    return remember(("label", name, current_locale()), lambda: str(lazy))


def enum_label(code):
    """The translated label of a stored enum code."""
    label = ENUM_LABELS.get(code)
    return code if label is None else translated(("enum", code), label)


def enum_choices(codes):
    """(code, label) pairs for enum codes, as Flask-Admin's `column_choices` (list filters)
    take them: the code is stored, the label shown."""
    return [(code, ENUM_LABELS.get(code, code)) for code in codes]


def enum_select_choices(codes):
    """A form's SelectField choices for enum codes: the code is stored, the label shown."""
    return [SelectChoice(code, ENUM_LABELS.get(code, code)) for code in codes]


def audit_action_label(code):
    return AUDIT_ACTION_LABELS.get(code, code)


def model_label(name):
    return MODEL_LABELS.get(name, name)


def role_label(code):
    """A default role's translated name; other roles show their code."""
    return ROLE_LABELS.get(code, code)


def _is_seeded(role, field, index):
    from .access import DEFAULT_ROLES

    seeded = DEFAULT_ROLES.get(role.code)
    return seeded is not None and getattr(role, field) == seeded[index]


def role_name(role):
    """A role's name in the reader's language while it is the seeded one, else as stored."""
    return str(role_label(role.code)) if _is_seeded(role, "name", 0) else role.name


def role_description(role):
    return (
        str(ROLE_DESCRIPTIONS[role.code])
        if _is_seeded(role, "description", 1)
        else role.description
    )


def permission_label(code):
    """'Movies: Edit' for movie.edit, in the reader's language."""
    from .access import SCOPE_ALL_CINEMAS

    if code == SCOPE_ALL_CINEMAS:
        return str(SCOPE_ALL_CINEMAS_LABEL)
    resource, _dot, action = code.partition(".")
    return f"{RESOURCE_LABELS.get(resource, resource)}: {ACTION_LABELS.get(action, action)}"


def language_name(tag):
    return LANGUAGE_NAMES.get(tag, tag or "")


def supported_locale(tag):
    return tag if tag in current_app.config["PORTAL_LOCALES"] else None


def select_locale():
    """?lang= (remembered), the session, the user's saved choice, Accept-Language, default
    (outside a request too: a CLI command or a service called from a test)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = supported_locale(request.args.get("lang"))
    if asked:
        session["lang"] = asked
        return asked
    if supported_locale(session.get("lang")):
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and supported_locale(current_user.locale):
        return current_user.locale
    matched = request.accept_languages.best_match(list(_BROWSER_LANGUAGES))
    if matched:
        return _BROWSER_LANGUAGES[matched]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_price(value):
    """A CNY price for the locale: ¥59.90 in Chinese, CN¥59.90 in English."""
    if value is None:
        return ""
    locale = current_locale()
    return remember(
        ("price", value, locale), lambda: babel_format_currency(value, "CNY", locale=locale)
    )


def format_showtime(value, style="medium"):
    """A cinema wall-clock time (stored naive, not UTC), formatted without conversion, in the
    portal's one style per language: "2026年12月8日 20:00", "Dec 8, 2026, 8:00 PM".
    `style` is kept for callers; every style reads the same."""
    if value is None:
        return ""
    locale = current_locale()
    return remember(
        ("showtime", value, locale),
        lambda: (
            get_datetime_format("medium", locale=locale)
            .replace("{1}", babel_format_date(value, "medium", locale=locale))
            .replace("{0}", babel_format_time(value, "short", locale=locale))
        ),
    )


def _date(value, locale):
    return remember(
        ("date", value, locale), lambda: babel_format_date(value, "medium", locale=locale)
    )


def format_day(value):
    """A date in the one style: "2026年12月8日", "Dec 8, 2026"."""
    return "" if value is None else _date(value, current_locale())


def format_short_day(value):
    """A date within the year, for ranges in messages: "12月8日", "Dec 8"."""
    return "" if value is None else format_skeleton("MMMd", value, locale=current_locale())


def format_clock(value):
    """A time of day in the locale: "20:00", "8:00 PM"."""
    return "" if value is None else babel_format_time(value, "short", locale=current_locale())


# Punctuation inside composed texts ("影片“流浪地球2”", "状态：即将上映"): full-width in
# Chinese, ASCII with spaces in English. Not catalog entries: a msgid of placeholders and
# punctuation alone would say nothing to a translator.
_PUNCTUATION = {
    "zh": {"comma": "，", "colon": "：", "space": ""},
    "en": {"comma": ", ", "colon": ": ", "space": " "},
}


def punctuation(mark):
    """A punctuation mark as the reader's language writes it: comma, colon, space."""
    language = getattr(current_locale(), "language", "en")
    return _PUNCTUATION.get(language, _PUNCTUATION["en"])[mark]


def to_portal_time(value):
    """A stored naive UTC time as naive Asia/Shanghai wall-clock time (BABEL_DEFAULT_TIMEZONE)."""
    return to_user_timezone(value.replace(tzinfo=UTC)).replace(tzinfo=None)


def format_utc(value, style="medium"):
    """A stored UTC time, shown in the portal's time zone in the one style."""
    return "" if value is None else format_showtime(to_portal_time(value))


def export_time(value):
    """A stored UTC time as Shanghai wall-clock time, to the second (CSV exports)."""
    return "" if value is None else to_portal_time(value).strftime("%Y-%m-%d %H:%M:%S")


def wall_clock_now():
    """Now, as the cinemas' wall clock reads it (naive, like schedule times)."""
    return to_portal_time(datetime.now(UTC).replace(tzinfo=None))


def _utc_type_formatter(view, value, name):
    return format_utc(value)


def _date_type_formatter(view, value, name):
    return _date(value, current_locale())


YES, NO = _l("Yes"), _l("No")


def yes_no(value):
    """Yes or No in the reader's language."""
    return translated(("yes_no", bool(value)), YES if value else NO)


def _bool_icon_formatter(view, value, name):
    icon = "fa-check-circle" if value else "fa-minus-circle"
    return Markup(f'<span class="fa {icon}" title="{escape(yes_no(value))}"></span>')


def _bool_text_formatter(view, value, name):
    return yes_no(value)


def type_formatters(base=typefmt.BASE_FORMATTERS):
    """Flask-Admin type formatters: yes/no and dates per locale; datetimes are UTC unless a
    view's column formatter says otherwise (schedule times are cinema wall-clock)."""
    formatters = dict(base)
    # bool keeps its place ahead of int: Flask-Admin takes the first isinstance() match.
    formatters[bool] = (
        _bool_icon_formatter if base is typefmt.BASE_FORMATTERS else _bool_text_formatter
    )
    # datetime before date: Flask-Admin takes the first isinstance() match.
    formatters[datetime] = _utc_type_formatter
    formatters[date] = _date_type_formatter
    return formatters


class WTFormsTranslations:
    """WTForms' own messages ("This field is required.") in the request's locale.

    Flask-WTF reads the catalog from disk on every request that builds a form; this keeps
    one per locale. Forms use it through `PortalForm.Meta.get_translations`.
    """

    def gettext(self, string):
        return _wtforms_catalog().ugettext(string)

    def ngettext(self, singular, plural, n):
        return _wtforms_catalog().ungettext(singular, plural, n)


def _wtforms_catalog():
    locale = get_locale()
    return remember(
        ("wtforms_catalog", str(locale)),
        lambda: Translations.load(wtforms_messages_path(), [locale], domain="wtforms"),
    )


wtforms_translations = WTFormsTranslations()


bp = Blueprint("i18n", __name__)


@bp.route("/language", methods=["POST"])
def choose_language():
    """The navbar switcher: remember the choice, and save it for a signed-in user."""
    chosen = supported_locale(request.form.get("lang"))
    if chosen is None:
        abort(400)
    session["lang"] = chosen
    if current_user.is_authenticated and current_user.locale != chosen:
        current_user.locale = chosen
        db.session.commit()
    from .auth.views import safe_next

    return redirect(safe_next(request.form.get("next")))


def _keep_choice_on_sign_in(_app, user, **_extra):
    """A language chosen before signing in becomes the user's saved one (committed by the
    sign-in view together with last_login_at)."""
    chosen = supported_locale(session.get("lang"))
    if chosen and user.locale != chosen:
        user.locale = chosen


def switcher_next():
    """Where the switcher returns to: this page, without its ?lang=."""
    if request.method != "GET":
        return request.path
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
    return request.path + ("?" + query if query else "")


def admin_translations_path():
    """Our 'admin' domain catalog, filling gaps in Flask-Admin's compiled zh_Hans_CN one."""
    return str(TRANSLATIONS_DIR)


def _per_request_filter(function):
    """A Jinja filter Jinja may not fold into a constant when the template compiles:
    `{{ 'on_sale'|enum_label }}` would otherwise keep the first request's language."""

    @pass_context
    def locale_filter(_context, value, *args):
        return function(value, *args)

    return locale_filter


def init_i18n(app):
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    user_logged_in.connect(_keep_choice_on_sign_in, app)
    for name, function in (
        ("price", format_price),
        ("showtime", format_showtime),
        ("utc_time", format_utc),
        ("enum_label", enum_label),
        ("audit_action", audit_action_label),
        ("day", format_day),
        ("clock", format_clock),
    ):
        app.jinja_env.filters[name] = _per_request_filter(function)

    @app.context_processor
    def languages():
        locale = str(get_locale())
        return {
            "portal_languages": LANGUAGE_NAMES,
            "current_locale_tag": locale,
            "html_lang": LANGUAGE_TAGS.get(locale, locale.replace("_", "-")),
            "language_tags": LANGUAGE_TAGS,
            "wall_clock_offset_minutes": int(
                (wall_clock_now() - datetime.now(UTC).replace(tzinfo=None)).total_seconds() // 60
                + 0.5
            ),
            "role_label": role_label,
            "language_switcher_next": switcher_next,
        }
