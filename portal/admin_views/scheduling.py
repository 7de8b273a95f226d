"""Schedules (showtimes): scoped through their hall's cinema; rules in services.scheduling."""
from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..extensions import db
from ..i18n import enum_choices, enum_label, format_price, format_showtime
from ..models.scheduling import SCHEDULE_STATUSES
from ..services.rules import RuleViolation
from ..services.scheduling import MAX_PRICE, MIN_PRICE, prepare_schedule
from .base import SecuredModelView


class ReadOnlyField(StringField):
    """Shown in the form, never written back: the value is computed by the rules."""

    def populate_obj(self, obj, name):
        pass


class ScheduleView(SecuredModelView):
    resource = "schedule"
    action_permissions = {"delete": "delete", "cancel": "edit", "put_on_sale": "edit"}
    column_list = ("starts_at", "ends_at", "movie", "hall.cinema", "hall", "price",
                   "language_version", "status")
    column_labels = {
        "starts_at": _l("Starts at"), "ends_at": _l("Ends at"), "movie": _l("Movie"),
        "movie.title": _l("Movie"), "hall": _l("Hall"), "hall.name": _l("Hall"),
        "hall.cinema": _l("Cinema"), "hall.cinema.name": _l("Cinema"), "price": _l("Price"),
        "language_version": _l("Language version"), "status": _l("Status"),
    }
    column_searchable_list = ("movie.title",)
    column_filters = ("starts_at", "status", "movie.title", "hall.cinema.name")
    column_sortable_list = ("starts_at", ("movie", "movie.title"), "price", "status")
    column_default_sort = [("starts_at", True), ("id", True)]
    column_formatters = {
        "status": lambda v, c, m, n: enum_label(m.status),
        "price": lambda v, c, m, n: format_price(m.price),
        "starts_at": lambda v, c, m, n: format_showtime(m.starts_at, "short"),
        "ends_at": lambda v, c, m, n: format_showtime(m.ends_at, "short"),
        "hall": lambda v, c, m, n: m.hall.name,
        "hall.cinema": lambda v, c, m, n: m.hall.cinema.name,
    }
    column_formatters_export = {"status": lambda v, c, m, n: m.status,
                                "price": lambda v, c, m, n: str(m.price),
                                "hall": lambda v, c, m, n: m.hall.name,
                                "hall.cinema": lambda v, c, m, n: m.hall.cinema.name}
    form_columns = ("movie", "hall", "starts_at", "ends_at", "price", "language_version",
                    "status")
    form_overrides = {"status": SelectField, "ends_at": ReadOnlyField}
    form_args = {
        "status": {"choices": enum_choices(SCHEDULE_STATUSES), "default": "scheduled"},
        "price": {"validators": [InputRequired(),
                                 NumberRange(min=MIN_PRICE, max=MAX_PRICE)], "places": 2},
        "ends_at": {"description": _l("Computed: start + movie duration + clean-up time"),
                    "validators": [Optional()]},
    }
    form_widget_args = {"ends_at": {"readonly": True}}
    form_ajax_refs = {
        "movie": {"fields": ("title",), "page_size": 20, "placeholder": _l("Type a title")},
        "hall": {"fields": ("name",), "page_size": 20, "placeholder": _l("Type a hall name")},
    }

    def on_model_change(self, form, model, is_created):
        prepare_schedule(db.session, model)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and obj.ends_at is not None:
            form.ends_at.data = obj.ends_at.strftime("%Y-%m-%d %H:%M")
        return form

    def _set_status(self, ids, status, check_rules):
        changed, refused = 0, []
        for schedule in self.scoped_rows(ids):
            schedule.status = status
            try:
                if check_rules:
                    prepare_schedule(db.session, schedule)
                db.session.flush()
                changed += 1
            except RuleViolation as exc:
                db.session.rollback()
                refused.append(f"#{schedule.id}: {exc}")
                break
        if refused:
            flash(_("Nothing was changed. %(reasons)s", reasons="; ".join(refused)), "error")
            return
        db.session.commit()
        flash(_("%(count)s schedules updated.", count=changed), "success")

    @action("cancel", _l("Cancel"), _l("Cancel the selected schedules?"))
    def action_cancel(self, ids):
        self._set_status(ids, "cancelled", check_rules=False)

    @action("put_on_sale", _l("Put on sale"), _l("Put the selected schedules on sale?"))
    def action_put_on_sale(self, ids):
        self._set_status(ids, "on_sale", check_rules=True)
