"""Cinemas and their halls: rows owned by a cinema, scoped by the base view."""

from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import undefer
from wtforms import SelectField
from wtforms.validators import NumberRange, Optional

from .. import access
from ..extensions import db
from ..i18n import enum_choices, enum_label, enum_select_choices
from ..models import City
from ..models.venues import HALL_TYPES
from ..services.seating import MAX_COLS, MAX_ROWS, delete_layouts
from .base import SecuredModelView


def _ignore(obj, name):
    """populate_obj of a field shown read-only."""


class CinemaView(SecuredModelView):
    resource = "cinema"
    column_list = ("name", "city", "address", "phone", "is_active", "created_at")
    column_labels = {
        "name": _l("Name"),
        "city": _l("City"),
        "city.name": _l("City"),
        "address": _l("Address"),
        "phone": _l("Phone"),
        "is_active": _l("Active"),
        "created_at": _l("Created at"),
    }
    column_searchable_list = ("name", "address")
    column_list_related = {"city": ("name",)}
    column_filters = ("city.name", "is_active")
    column_sortable_list = ("name", ("city", "city.pinyin"), "is_active", "created_at")
    column_default_sort = [("name", False)]
    form_columns = ("name", "city", "address", "phone", "is_active")
    form_args = {
        "city": {
            "query_factory": lambda: City.query.order_by(City.letter, City.pinyin),
            "allow_blank": False,
        }
    }

    @property
    def column_extra_row_actions(self):
        """Each cinema links to its day of schedules, for those who may see schedules."""
        if not access.has_permission("schedule.view"):
            return []
        return [
            EndpointLinkRowAction(
                "fa fa-calendar", "schedule.day_view", title=_l("Day view"), id_arg="cinema_id"
            )
        ]


class HallView(SecuredModelView):
    resource = "hall"
    column_list = ("cinema", "name", "hall_type", "seat_rows", "seat_cols", "capacity", "is_active")
    column_details_list = (
        "cinema",
        "name",
        "hall_type",
        "seat_rows",
        "seat_cols",
        "capacity",
        "is_active",
        "version",
    )
    column_labels = {
        "cinema": _l("Cinema"),
        "cinema.name": _l("Cinema"),
        "name": _l("Name"),
        "hall_type": _l("Hall type"),
        "seat_rows": _l("Seat rows"),
        "seat_cols": _l("Seats per row"),
        "capacity": _l("Capacity"),
        "is_active": _l("Active"),
    }
    column_descriptions = {"capacity": _l("Seats of the current layout that are not blocked")}
    column_searchable_list = ("name", "cinema.name")
    column_list_related = {"cinema": ("name",)}
    column_filters = ("cinema.name", "hall_type", "is_active")
    column_sortable_list = (("cinema", "cinema.name"), "name", "hall_type", "is_active")
    column_default_sort = [("cinema_id", False), ("name", False)]
    column_formatters = {"hall_type": lambda v, c, m, n: enum_label(m.hall_type)}
    column_choices = {"hall_type": enum_choices(HALL_TYPES)}  # translated filter options
    form_columns = ("cinema", "name", "hall_type", "seat_rows", "seat_cols", "is_active")
    form_overrides = {"hall_type": SelectField}
    form_args = {
        "hall_type": {"choices": enum_select_choices(HALL_TYPES), "default": "2D"},
        "seat_rows": {
            "validators": [NumberRange(min=1, max=MAX_ROWS)],
            "description": _l(
                "A new hall starts as rows x seats of standard seats; "
                "draw the real layout in its seat layout editor."
            ),
        },
        "seat_cols": {"validators": [NumberRange(min=1, max=MAX_COLS)]},
    }
    form_ajax_refs = {
        "cinema": {"fields": ("name",), "page_size": 20, "placeholder": _l("Type a cinema name")}
    }

    @property
    def column_extra_row_actions(self):
        """Each hall links to its seat layout (viewing it needs hall.view, like the list)."""
        return [
            EndpointLinkRowAction(
                "fa fa-th", "seatlayout.hall_view", title=_l("Seat layout"), id_arg="hall_id"
            )
        ]

    def get_query(self):
        return super().get_query().options(undefer(self.model.capacity))

    def edit_form(self, obj=None):
        """Rows and seats are shown, not changed: once the hall exists they follow its seat
        layout (the editor); whatever a form sends for them is ignored."""
        form = super().edit_form(obj)
        for field in (form.seat_rows, form.seat_cols):
            field.render_kw = {"readonly": True}
            field.description = _l("Follows the seat layout; change it in the layout editor.")
            field.validators = [Optional()]
            field.populate_obj = _ignore
        return form

    def on_model_delete(self, model):
        super().on_model_delete(model)  # refused while the hall has shows
        delete_layouts(db.session, model.id)
