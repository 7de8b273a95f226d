"""Seat layouts: the list of versions, a hall's layout page and its editor (rules in
services.seating). Gated as halls are: `hall.view` to look, `hall.edit` to change."""

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.model.fields import AjaxSelectField
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from .. import access
from ..extensions import db
from ..i18n import enum_label, enum_select_choices
from ..models import Hall, Schedule, SeatLayout
from ..models.seating import NUMBERINGS
from ..records import record_name
from ..services.rules import RuleViolation
from ..services.seating import (
    LayoutError,
    change_layout,
    current_layout,
    plan_layout,
    plan_of,
    seat_grid,
    shows_on_layouts,
)
from .base import PortalForm, SecuredModelView, parse_row_id


def layout_form(view, formdata=None):
    """The editor's form: the text form, numbering, row labels, and a hall to copy from."""

    class SeatLayoutForm(PortalForm):
        layout = TextAreaField(
            _l("Layout (text form)"),
            validators=[Length(max=10000)],
            description=_l(
                "One line per row, front row first: S standard, "
                "V VIP, C couple (in pairs), W wheelchair, "
                "X blocked, . aisle or no seat. Cells pasted "
                "from a spreadsheet work too."
            ),
        )
        numbering = RadioField(
            _l("Seat numbering"), choices=enum_select_choices(NUMBERINGS), default=NUMBERINGS[0]
        )
        row_labels = StringField(
            _l("Row labels"),
            validators=[Optional(), Length(max=500)],
            description=_l(
                "Optional: one label per row with seats, front "
                "first, for example 1 2 3 5 6. Empty: 1, 2, "
                "3..."
            ),
        )
        based_on = HiddenField()
        copy_from = AjaxSelectField(
            view._form_ajax_refs["hall"], _l("Copy the layout of"), allow_blank=True
        )

    return SeatLayoutForm(formdata=formdata)


class SeatLayoutView(SecuredModelView):
    resource = "hall"
    action_permissions = {}
    view_actions = {"hall_view": "view", "save_view": "edit"}
    can_create = can_edit = can_delete = False  # layouts change only as new versions
    details_template = "admin/seat_layout_details.html"
    column_list = (
        "hall.cinema",
        "hall",
        "version",
        "capacity",
        "row_count",
        "col_count",
        "numbering",
        "created_at",
    )
    column_details_list = column_list
    column_list_related = {"hall": ("name",), "hall.cinema": ("name",)}
    column_labels = {
        "hall": _l("Hall"),
        "hall.name": _l("Hall"),
        "hall.cinema": _l("Cinema"),
        "hall.cinema.name": _l("Cinema"),
        "version": _l("Layout version"),
        "capacity": _l("Capacity"),
        "row_count": _l("Grid rows"),
        "col_count": _l("Grid columns"),
        "numbering": _l("Seat numbering"),
        "created_at": _l("Created at"),
    }
    column_filters = ("hall.cinema.name", "hall.name")
    column_sortable_list = ("version", "capacity", "created_at")
    column_default_sort = [("id", True)]
    column_formatters = {
        "hall": lambda v, c, m, n: m.hall.name,
        "hall.cinema": lambda v, c, m, n: m.hall.cinema.name,
        "numbering": lambda v, c, m, n: enum_label(m.numbering),
    }
    column_formatters_export = {
        "hall": column_formatters["hall"],
        "hall.cinema": column_formatters["hall.cinema"],
    }
    column_extra_row_actions = [
        EndpointLinkRowAction(
            "fa fa-th",
            "seatlayout.hall_view",
            title=_l("Seat layout of the hall"),
            id_arg="hall_id",
        )
    ]
    form_ajax_refs = {
        "hall": {"fields": ("name",), "page_size": 20, "placeholder": _l("Type a hall name")}
    }

    def get_one(self, id):
        layout = super().get_one(id)
        self._template_args["grid"] = seat_grid(layout.seats, layout.row_count, layout.col_count)
        return layout

    # -- a hall's layout and its editor ----------------------------------------------------
    def scoped_hall(self, raw_id):
        """The hall named by a URL or form value, only inside the scope; else 404."""
        pk = parse_row_id(raw_id)
        hall = access.scoped(Hall).filter(Hall.id == pk).first() if pk else None
        if hall is None:
            abort(404)
        return hall

    @expose("/hall/")
    def hall_view(self):
        """The hall's current layout; with `hall.edit`, the editor around it."""
        hall = self.scoped_hall(request.args.get("hall_id"))
        layout = current_layout(db.session, hall.id)
        plan = plan_of(layout)
        form = layout_form(self) if self.may("edit") else None
        if form is not None:
            self._fill(form, plan, layout.version)
        return self._render(hall, layout, form, plan)

    @expose("/hall/save/", methods=("POST",))
    def save_view(self):
        """Preview, copy or save: nothing is stored unless the layout is whole and valid."""
        hall = self.scoped_hall(request.args.get("hall_id"))
        layout = current_layout(db.session, hall.id)
        form = layout_form(self, request.form)
        if not form.validate():
            return self._render(hall, layout, form, None)
        if request.form.get("do") == "copy":
            return self._copy(hall, layout, form)
        try:
            plan = plan_layout(form.layout.data, form.numbering.data, form.row_labels.data)
        except LayoutError as exc:
            return self._render(hall, layout, form, None, problems=exc.problems)
        if request.form.get("do") != "save":
            return self._render(hall, layout, form, plan, preview=True)
        try:
            change = change_layout(db.session, hall.id, plan, parse_row_id(form.based_on.data) or 0)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            return self._render(
                hall,
                current_layout(db.session, hall.id),
                form,
                plan,
                preview=True,
                problems=[str(exc)],
            )
        except OperationalError:
            db.session.rollback()
            return self._render(
                hall,
                layout,
                form,
                plan,
                preview=True,
                problems=[_("The database was busy; nothing was saved. Please try again.")],
            )
        flash(
            _(
                "Seat layout of %(hall)s: version %(version)s saved: %(seats)s seats in "
                "%(rows)s rows. Shows not yet on sale moved to it: %(moved)s. Shows on sale "
                "keeping their earlier version: %(kept)s.",
                hall=f"“{record_name(hall)}”",
                version=change.layout.version,
                seats=change.layout.capacity,
                rows=plan.stats["rows"],
                moved=change.moved,
                kept=change.kept,
            ),
            "success",
        )
        return redirect(self.get_url(".hall_view", hall_id=hall.id))

    def _copy(self, hall, layout, form):
        source = self.scoped_hall(request.form.get("copy_from"))
        plan = plan_of(current_layout(db.session, source.id))
        self._fill(form, plan, form.based_on.data)
        flash(
            _(
                "The layout of %(hall)s is in the editor. Check the preview, then save.",
                hall=str(source),
            ),
            "info",
        )
        return self._render(hall, layout, form, plan, preview=True)

    @staticmethod
    def _fill(form, plan, version):
        form.layout.data = plan.text
        form.numbering.data = plan.numbering
        form.row_labels.data = plan.row_labels_text
        form.based_on.data = str(version)

    def _render(self, hall, layout, form, plan, preview=False, problems=()):
        if form is not None and plan is not None:
            form.layout.data = plan.text  # the grid's cells and the text's characters agree
        to_move, to_keep = shows_on_layouts(db.session, hall.id)
        return self.render(
            "admin/seat_layout.html",
            hall=hall,
            stored=layout,
            form=form,
            plan=plan,
            preview=preview,
            problems=problems,
            to_move=to_move,
            to_keep=to_keep,
            grid=seat_grid(plan.seats, plan.row_count, plan.col_count) if plan else None,
            stats=plan.stats if plan else None,
            current=plan_of(layout).stats,
            versions=self._versions(hall.id),
        )

    @staticmethod
    def _versions(hall_id):
        """Each version of the hall's layout with the number of shows using it."""
        shows = (
            select(func.count())
            .where(Schedule.seat_layout_id == SeatLayout.id)
            .correlate(SeatLayout)
            .scalar_subquery()
        )
        return db.session.execute(
            select(
                SeatLayout.id,
                SeatLayout.version,
                SeatLayout.capacity,
                SeatLayout.created_at,
                shows.label("shows"),
            )
            .where(SeatLayout.hall_id == hall_id)
            .order_by(SeatLayout.version.desc())
        ).all()
