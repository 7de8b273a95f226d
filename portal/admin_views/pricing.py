"""Ticket types and price cards (rules as inline rows); rules live in services.pricing."""

from datetime import date

from flask import request
from flask_admin.form import BaseForm
from flask_admin.model.form import InlineFormAdmin
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange

from .. import access
from ..i18n import enum_select_choices
from ..models import Hall
from ..models.pricing import SELLABLE_SEAT_KINDS
from ..models.venues import HALL_TYPES
from ..services.pricing import MAX_PRICE, card_preview, check_card, hall_seat_kinds
from .base import SecuredModelView, parse_row_id

ANY = _l("Any")


class TicketTypeView(SecuredModelView):
    resource = "tickettype"
    column_list = ("code", "name")
    column_labels = {"code": _l("Code"), "name": _l("Name")}
    column_default_sort = [("id", False)]
    form_columns = ("code", "name")
    form_args = {"code": {"validators": [InputRequired()]}}


class PriceRuleInline(InlineFormAdmin):
    """One rule row of a card; checked with the whole card in services.pricing.check_card."""

    form_base_class = BaseForm  # the card's form carries the one CSRF token
    form_columns = (
        "id",
        "ticket_type",
        "seat_kind",
        "weekdays",
        "starts_from",
        "starts_before",
        "hall_type",
        "price",
    )
    form_label = _l("Rules")
    column_labels = {
        "ticket_type": _l("Ticket type"),
        "seat_kind": _l("Seat kind"),
        "weekdays": _l("Weekdays"),
        "starts_from": _l("Starts from"),
        "starts_before": _l("Starts before"),
        "hall_type": _l("Hall type"),
        "price": _l("Price"),
    }
    form_overrides = {"seat_kind": SelectField, "hall_type": SelectField}
    form_args = {
        "ticket_type": {"validators": [InputRequired()], "allow_blank": False},
        "seat_kind": {
            "choices": [SelectChoice("", ANY)] + enum_select_choices(SELLABLE_SEAT_KINDS),
            "default": "",
        },
        "hall_type": {
            "choices": [SelectChoice("", ANY)] + enum_select_choices(HALL_TYPES),
            "default": "",
        },
        "weekdays": {
            "default": "1234567",
            "description": _l("Digits 1 (Monday) to 7 (Sunday), e.g. 12345"),
        },
        "starts_from": {"description": _l("HH:MM; empty: from the start of the day")},
        "starts_before": {"description": _l("HH:MM; empty: to the end of the day")},
        "price": {"validators": [InputRequired(), NumberRange(min=0, max=MAX_PRICE)], "places": 2},
    }

    def __init__(self):
        from ..models import PriceCardRule

        super().__init__(PriceCardRule)


class PriceCardView(SecuredModelView):
    resource = "pricecard"
    details_template = "admin/pricecard_details.html"
    column_list = ("cinema", "name", "is_active")
    column_labels = {
        "cinema": _l("Cinema"),
        "cinema.name": _l("Cinema"),
        "name": _l("Name"),
        "is_active": _l("Active"),
        "rules": _l("Rules"),
    }
    column_list_related = {"cinema": ("name",)}
    column_details_list = ("cinema", "name", "is_active", "version")
    column_searchable_list = ("name", "cinema.name")
    column_filters = ("cinema.name", "is_active")
    column_sortable_list = (("cinema", "cinema.name"), "name", "is_active")
    column_default_sort = [("cinema_id", False), ("name", False)]
    form_columns = ("cinema", "name", "is_active", "rules")
    form_ajax_refs = {
        "cinema": {"fields": ("name",), "page_size": 20, "placeholder": _l("Type a cinema name")}
    }
    inline_models = (PriceRuleInline(),)

    def on_model_change(self, form, model, is_created):
        check_card(model)
        if not is_created:
            flag_modified(model, "name")  # a change of rules alone bumps the card's version

    def card_preview_for(self, card):
        """The preview on the card's page: the hall and day asked for (a hall of the card's
        cinema), the price columns, and what the card leaves unpriced or tied."""
        halls = (
            access.scoped(Hall).filter(Hall.cinema_id == card.cinema_id).order_by(Hall.name).all()
        )
        chosen = parse_row_id(request.args.get("hall_id", ""))
        hall = next((h for h in halls if h.id == chosen), halls[0] if halls else None)
        problems = []
        if request.args.get("hall_id") and (chosen is None or hall.id != chosen):
            problems.append(
                _(
                    "Not a hall of this card's cinema; showing %(hall)s.",
                    hall=hall.name if hall else "",
                )
            )
        try:
            day = (
                date.fromisoformat(request.args.get("date", ""))
                if request.args.get("date")
                else date.today()
            )
        except ValueError:
            problems.append(
                _("Not a date: %(value)s. Showing today.", value=request.args.get("date"))
            )
            day = date.today()
        columns = card_preview(card, hall, day) if hall is not None else []
        rules = list(card.rules)
        rows = [(t, k) for t in _offered(columns) for k in hall_seat_kinds(hall)] if hall else []
        return {
            "halls": halls,
            "hall": hall,
            "day": day,
            "columns": columns,
            "rows": [(t, k, [_cell(c.table, t, k, rules) for c in columns]) for t, k in rows],
            "problems": problems,
        }


def _cell(table, ticket_type, kind, rules):
    """('price', ¥) | ('tie', 'rule numbers') | ('unpriced', None) for one preview cell."""
    price = table.prices.get((ticket_type, kind))
    if price is not None:
        return "price", price
    for combination, tied in table.ties:
        if combination == (ticket_type, kind):
            return "tie", ", ".join(str(rules.index(r) + 1) for r in tied)
    return "unpriced", None


def _offered(columns):
    types = {}
    for column in columns:
        for ticket_type, _kind in (
            list(column.table.prices)
            + column.table.unpriced
            + [c for c, _rules in column.table.ties]
        ):
            types[ticket_type.id] = ticket_type
    return [types[k] for k in sorted(types)]
