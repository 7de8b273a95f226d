"""Locale choice and locale-aware formatting."""
from pathlib import Path

from flask import current_app, request, session
from babel.dates import format_datetime as babel_format_datetime
from flask_babel import format_currency, format_datetime, get_locale, lazy_gettext as _l
from flask_login import current_user

from .extensions import babel

LANGUAGE_NAMES = {"zh_Hans_CN": "简体中文", "en": "English"}

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
}


ROLE_LABELS = {
    "platform_admin": _l("Platform admin"),
    "cinema_manager": _l("Cinema manager"),
    "content_editor": _l("Content editor"),
    "auditor": _l("Auditor"),
}


def role_label(code):
    """A default role's translated name; other roles show their code."""
    return ROLE_LABELS.get(code, code)


def enum_label(code):
    """The translated label of a stored enum code."""
    return ENUM_LABELS.get(code, code)


def enum_choices(codes):
    return [(code, ENUM_LABELS.get(code, code)) for code in codes]


def select_locale():
    """?lang= (remembered), else the user's saved choice, else Accept-Language, else default."""
    supported = current_app.config["PORTAL_LOCALES"]
    asked = request.args.get("lang")
    if asked in supported:
        session["lang"] = asked
        return asked
    if session.get("lang") in supported:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    matched = request.accept_languages.best_match(["zh", "zh_CN", "zh-CN", "en"])
    if matched:
        return "en" if matched.startswith("en") else "zh_Hans_CN"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_price(value):
    return "" if value is None else format_currency(value, "CNY")


def format_showtime(value, style="medium"):
    """A cinema wall-clock time (stored naive, not UTC), formatted without conversion."""
    return "" if value is None else babel_format_datetime(value, style, locale=get_locale())


def format_utc(value, style="medium"):
    """A stored UTC time, shown in the portal's time zone."""
    return "" if value is None else format_datetime(value, style)


def init_i18n(app):
    translations = Path(__file__).resolve().parent / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(translations))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["price"] = format_price
    app.jinja_env.filters["showtime"] = format_showtime
    app.jinja_env.filters["utc_time"] = format_utc
    app.jinja_env.filters["enum_label"] = enum_label

    @app.context_processor
    def languages():
        return {"portal_languages": LANGUAGE_NAMES, "current_locale_tag": str(get_locale()),
                "role_label": role_label}
