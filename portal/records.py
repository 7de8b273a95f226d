"""How a record is named to people: in flashes, the audit log and history pages.

A movie by its title, a hall with its cinema, a show by film, hall and start; each in the
reader's language. Names come from the row itself, never from its id alone.
"""

from flask import g
from flask_babel import gettext as _

from . import access
from .i18n import format_day, format_showtime, model_label, punctuation, role_name
from .models import (
    Cinema,
    City,
    Customer,
    Hall,
    Movie,
    Order,
    Permission,
    PriceCard,
    Role,
    Schedule,
    ScreeningRight,
    SeatLayout,
    Ticket,
    TicketType,
    User,
)
from .services.selling import mask_phone


def record_name(obj):
    """The name people know `obj` by: "流浪地球2", "万达影城 · 1号厅", "流浪地球2，1号厅，..."."""
    if isinstance(obj, Schedule):
        return punctuation("comma").join(
            (
                obj.movie.title if obj.movie else "",
                obj.hall.name if obj.hall else "",
                format_showtime(obj.starts_at),
            )
        )
    if isinstance(obj, Hall):
        return f"{obj.cinema.name} · {obj.name}" if obj.cinema else obj.name
    if isinstance(obj, Role):
        return str(role_name(obj))
    if isinstance(obj, Movie):
        return obj.title
    if isinstance(obj, (Cinema, City)):
        return obj.name
    if isinstance(obj, User):
        return obj.username
    if isinstance(obj, Permission):
        return obj.code
    if isinstance(obj, ScreeningRight):
        return punctuation("comma").join(
            (
                f"{obj.movie.title if obj.movie else ''} · {obj.cinema.name if obj.cinema else ''}",
                f"{format_day(obj.starts_on)}–{format_day(obj.ends_on)}",
            )
        )
    if isinstance(obj, PriceCard):
        return f"{obj.cinema.name} · {obj.name}" if obj.cinema else obj.name
    if isinstance(obj, SeatLayout):
        return _(
            "%(hall)s, version %(version)s",
            hall=record_name(obj.hall) if obj.hall else "",
            version=obj.version,
        )
    if isinstance(obj, TicketType):
        return obj.name
    if isinstance(obj, Order):
        return obj.order_no
    if isinstance(obj, Ticket):
        return obj.code
    if isinstance(obj, Customer):
        return shown_phone(obj.phone)
    return str(obj)


def shown_phone(phone):
    """A phone number as the signed-in user may read it (masked unless admin or auditor)."""
    if not phone:
        return ""
    whole = g.get("portal_phone_whole")
    if whole is None:
        whole = access.sees_full_phone()
    return phone if whole else mask_phone(phone)


def record_phrase(obj):
    """“流浪地球2” with its kind: 电影“流浪地球2” / movie “流浪地球2”."""
    return f"{model_label(obj.__tablename__)}{punctuation('space')}“{record_name(obj)}”"
