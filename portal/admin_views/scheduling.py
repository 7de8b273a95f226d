"""Schedules (showtimes): scoped through their hall's cinema; rules in services.scheduling."""
from datetime import date, timedelta

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.fields import AjaxSelectField
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from wtforms import DateField, DecimalField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .. import access
from ..extensions import db
from ..i18n import (
    enum_choices,
    enum_label,
    enum_select_choices,
    format_price,
    format_showtime,
)
from ..models import Cinema, PriceCard
from ..models.scheduling import SCHEDULE_STATUSES
from ..services.pricing import MAX_PRICE, MIN_PRICE, reprice
from ..services.rules import RuleViolation
from ..services.scheduling import (
    ShowtimeConflicts,
    create_showtimes,
    day_plan,
    parse_start_times,
    plan_showtimes,
    prepare_schedule,
)
from ..services.seating import show_seat_map
from ..services.selling import cancel_show
from .base import PortalForm, SecuredModelView
from .selling import CounterSale


class ReadOnlyField(StringField):
    """Shown in the form, never written back: the value is computed by the rules."""

    def populate_obj(self, obj, name):
        pass


class StartTimesField(StringField):
    """'10:00, 13:30, 19:00': `data` keeps the text as typed, `times` the parsed times."""

    times = ()

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.times = parse_start_times(self.data)
        except ValueError as exc:
            raise ValueError(_("Not a time: %(value)s (use HH:MM, for example 19:30).",
                               value=str(exc))) from None


class PriceCardChoice(QuerySelectField):
    """The card a new show takes its prices from; blank: the cinema's active card, if any."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, allow_blank=True, blank_text=_l("The cinema's active card"),
                         query_factory=lambda: access.scoped(PriceCard).filter(
                             PriceCard.is_active.is_(True)).order_by(PriceCard.name),
                         description=_l("Without a price card, the price typed below is "
                                        "the show's one (adult standard) price."), **kwargs)

    def populate_obj(self, obj, name):
        pass


HAND_PRICE_HELP = _l("Only when no price card applies; a card's adult standard price "
                     "otherwise.")


def bulk_schedule_form(view):
    """The bulk form, with the view's scoped movie and hall look-ups."""

    class BulkScheduleForm(PortalForm):
        movie = AjaxSelectField(view._form_ajax_refs["movie"], _l("Movie"))
        hall = AjaxSelectField(view._form_ajax_refs["hall"], _l("Hall"))
        first_day = DateField(_l("First day"), validators=[InputRequired()])
        last_day = DateField(_l("Last day"), validators=[InputRequired()])
        start_times = StartTimesField(
            _l("Start times"), validators=[InputRequired()],
            description=_l("Every day, for example: 10:00, 13:30, 19:00"))
        price_card = PriceCardChoice(_l("Price card"))
        price = DecimalField(_l("Price"), places=2, description=HAND_PRICE_HELP, validators=[
            Optional(), NumberRange(min=MIN_PRICE, max=MAX_PRICE)])
        language_version = StringField(_l("Language version"), validators=[
            Optional(), Length(max=32)])
        status = SelectField(_l("Status"), default="scheduled",
                             choices=enum_select_choices(("scheduled", "on_sale")))

    return BulkScheduleForm()


class ScheduleView(CounterSale, SecuredModelView):
    resource = "schedule"
    action_permissions = {"delete": "delete", "cancel": "edit", "put_on_sale": "edit",
                          "reprice": "edit"}
    edit_template = "admin/schedule_edit.html"
    details_template = "admin/schedule_details.html"
    view_actions = {"bulk_view": "create", "day_view": "view", "seats_view": "view",
                    **CounterSale.sale_view_actions}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-th", "schedule.seats_view",
                                                      title=_l("Seat map"))]
    list_template = "admin/schedule_list.html"
    column_list_related = {"movie": ("title",), "hall": ("name",), "hall.cinema": ("name",)}
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
    column_choices = {"status": enum_choices(SCHEDULE_STATUSES)}  # translated filter options
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
    form_columns = ("movie", "hall", "starts_at", "ends_at", "price_card", "price",
                    "language_version", "status")
    form_overrides = {"status": SelectField}
    form_args = {
        "status": {"choices": enum_select_choices(SCHEDULE_STATUSES), "default": "scheduled"},
    }
    # An extra field, not a scaffolded one: the column is NOT NULL, but nobody types it.
    form_extra_fields = {"ends_at": ReadOnlyField(
        _l("Ends at"), validators=[Optional()],
        description=_l("Computed: start + movie duration + clean-up time")),
        "price_card": PriceCardChoice(_l("Price card")),
        # Not the scaffolded field, which would be required (the column is NOT NULL): with a
        # price card the price comes from the card.
        "price": DecimalField(_l("Price"), places=2, description=HAND_PRICE_HELP, validators=[
            Optional(), NumberRange(min=MIN_PRICE, max=MAX_PRICE)])}
    form_widget_args = {"ends_at": {"readonly": True}}
    form_ajax_refs = {
        "movie": {"fields": ("title",), "page_size": 20, "placeholder": _l("Type a title")},
        "hall": {"fields": ("name",), "page_size": 20, "placeholder": _l("Type a hall name")},
    }

    def on_model_change(self, form, model, is_created):
        card = form.price_card.data if is_created and hasattr(form, "price_card") else None
        prepare_schedule(db.session, model, card)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.price_card  # an existing show keeps its prices: re-price from the list
        if obj is not None and obj.ends_at is not None:
            form.ends_at.data = obj.ends_at.strftime("%Y-%m-%d %H:%M")
        return form

    def _set_status(self, ids, status, check_rules):
        """All or none: one refused schedule leaves every selected one as it was. Cancelling
        refunds the shows' sold tickets in the same transaction."""
        changed, refunded, refused = 0, 0, []
        for schedule in self.scoped_rows(ids):
            label = f"#{schedule.id}"
            schedule.status = status
            try:
                if status == "cancelled":
                    refunded += cancel_show(db.session, schedule.id)
                if check_rules:
                    prepare_schedule(db.session, schedule)
                db.session.flush()
                changed += 1
            except RuleViolation as exc:
                db.session.rollback()
                refused.append(f"{label}: {exc}")
                break
            except OperationalError:
                db.session.rollback()
                refused.append(_("The database was busy. Please try again."))
                break
        if refused:
            flash(_("Nothing was changed. %(reasons)s", reasons="; ".join(refused)), "error")
            return
        db.session.commit()
        flash(_("%(count)s schedules updated.", count=changed), "success")
        if refunded:
            flash(_("%(count)s sold tickets refunded.", count=refunded), "success")

    @action("cancel", _l("Cancel"), _l("Cancel the selected schedules?"))
    def action_cancel(self, ids):
        self._set_status(ids, "cancelled", check_rules=False)

    @action("put_on_sale", _l("Put on sale"), _l("Put the selected schedules on sale?"))
    def action_put_on_sale(self, ids):
        self._set_status(ids, "on_sale", check_rules=True)

    @action("reprice", _l("Re-price"), _l("Give the selected shows the prices of their "
                                          "cinema's active price card now? Shows with sold "
                                          "tickets keep theirs."))
    def action_reprice(self, ids):
        """All or none; cancelled shows and shows with sold tickets are left as they are."""
        try:
            repriced, left = reprice(db.session, self.scoped_rows(ids))
            db.session.flush()
        except RuleViolation as exc:
            db.session.rollback()
            flash(_("Nothing was re-priced. %(reasons)s", reasons=str(exc)), "error")
            return
        db.session.commit()
        flash(_("%(count)s shows re-priced; %(left)s left as they were (cancelled, or with "
                "sold tickets).", count=len(repriced), left=len(left)), "success")

    @expose("/bulk/", methods=("GET", "POST"))
    def bulk_view(self):
        """A movie's shows in one hall for a range of days and start times, all or none."""
        form, problems = bulk_schedule_form(self), []
        if form.validate_on_submit():
            try:
                starts = plan_showtimes(form.first_day.data, form.last_day.data,
                                        form.start_times.times)
                created = create_showtimes(
                    db.session, form.movie.data.id, form.hall.data.id, starts,
                    form.price.data, form.language_version.data, form.status.data,
                    price_card=form.price_card.data)
                db.session.commit()
            except ShowtimeConflicts as exc:
                problems = exc.problems
            except RuleViolation as exc:
                problems = [str(exc)]
            except OperationalError:
                problems = [_("The database was busy; nothing was saved. Please try again.")]
            else:
                flash(_("%(count)s schedules created.", count=len(created)), "success")
                return redirect(self.get_url(".index_view"))
            db.session.rollback()
            flash(_("Nothing was created: %(count)s problems, listed below.",
                    count=len(problems)), "error")
        return self.render("admin/schedule_bulk.html", form=form, problems=problems,
                           return_url=self.get_url(".index_view"))

    @expose("/seats/")
    def seats_view(self):
        """A show's seats and their states, front row first, the screen above them."""
        schedule = self.get_one(request.args.get("id"))
        return self.render("admin/schedule_seats.html", schedule=schedule,
                           seat_map=show_seat_map(db.session, schedule),
                           return_url=self.get_url(".index_view"),
                           **self.sale_context(schedule))

    @expose("/day/")
    def day_view(self):
        """A cinema's halls as rows and the day's shows as blocks on a time axis."""
        cinemas = access.scoped(Cinema).with_entities(Cinema.id, Cinema.name) \
            .order_by(Cinema.name).all()
        cinema = self._day_view_cinema(cinemas)
        day = self._day_view_date()
        plan = day_plan(db.session, cinema.id, day) if cinema is not None else None
        return self.render("admin/schedule_day.html", cinemas=cinemas, cinema=cinema, day=day,
                           plan=plan, previous_day=day - timedelta(days=1),
                           next_day=day + timedelta(days=1))

    def _day_view_cinema(self, cinemas):
        raw = request.args.get("cinema_id", "")
        if not raw:
            return db.session.get(Cinema, cinemas[0].id) if len(cinemas) == 1 else None
        try:
            cinema_id = int(raw)
        except ValueError:
            abort(404)
        cinema = access.scoped(Cinema).filter(Cinema.id == cinema_id).first()
        if cinema is None:
            abort(404)
        return cinema

    def _day_view_date(self):
        raw = request.args.get("date", "")
        try:
            day = date.fromisoformat(raw) if raw else date.today()
            if not date.min < day < date.max:
                raise ValueError(raw)
            return day
        except ValueError:
            flash(_("Not a date: %(value)s. Showing today.", value=raw), "warning")
            return date.today()
