"""Schedules (showtimes): scoped through their hall's cinema; rules in services.scheduling."""

import contextlib
from datetime import datetime, timedelta

from flask import flash, has_request_context, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.fields import AjaxSelectField
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.exc import OperationalError
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from .. import access
from ..extensions import db
from ..i18n import (
    enum_choices,
    enum_label,
    enum_select_choices,
    format_clock,
    format_price,
    format_showtime,
    punctuation,
    wall_clock_now,
)
from ..models import Hall, Movie, PriceCard, Schedule
from ..models.scheduling import SCHEDULE_STATUSES
from ..records import record_name
from ..services.pricing import MAX_PRICE, MIN_PRICE, reprice
from ..services.rules import RuleViolation
from ..services.scheduling import (
    ShowtimeConflicts,
    compute_ends_at,
    create_showtimes,
    parse_start_times,
    plan_showtimes,
    prepare_schedule,
)
from ..services.seating import show_seat_map
from ..services.selling import cancel_show
from .base import PortalForm, SecuredModelView, parse_row_id
from .day_filters import day_filters
from .schedule_day import DayViewMixin, day_span
from .selling import CounterSale

# The schedule list's quick filters: name -> (label, first day, day after the last) from today.
LIST_WINDOWS = {
    "upcoming": _l("Upcoming"),
    "today": _l("Today"),
    "tomorrow": _l("Tomorrow"),
    "week": _l("This week"),
    "past": _l("Past"),
    "all": _l("All"),
}
MINUTE_FORMAT = "%Y-%m-%d %H:%M"
NAMED_IN_FLASH = 5  # a bulk action's flash names this many shows, then "…"


def window_bounds(name, today):
    """(from, before) datetimes of a quick filter, either side None when open."""
    midnight = datetime.combine(today, datetime.min.time())
    day = timedelta(days=1)
    return {
        "upcoming": (midnight, None),
        "today": (midnight, midnight + day),
        "tomorrow": (midnight + day, midnight + 2 * day),
        "week": (midnight, midnight + (7 - today.weekday()) * day),
        "past": (None, midnight),
    }.get(name, (None, None))


def starts_in_the_past(form):
    """A start before now that the form sets (new, or moved): it needs a confirmation."""
    starts_at = form.starts_at.data
    if starts_at is None or starts_at >= wall_clock_now():
        return False
    obj = getattr(form, "_obj", None)
    return obj is None or obj.starts_at != starts_at


def _movie_link(view, context, model, name):
    if not access.has_permission("movie.view"):
        return model.movie.title
    return Markup('<a href="{}">{}</a>').format(
        url_for("movie.details_view", id=model.movie_id), model.movie.title
    )


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
            raise ValueError(
                _("Not a time: %(value)s (use HH:MM, for example 19:30).", value=str(exc))
            ) from None


class PriceCardChoice(QuerySelectField):
    """The card a new show takes its prices from; blank: the cinema's active card, if any."""

    def __init__(self, label=None, **kwargs):
        super().__init__(
            label,
            allow_blank=True,
            blank_text=_l("The cinema's active card"),
            query_factory=lambda: (
                access.scoped(PriceCard)
                .filter(PriceCard.is_active.is_(True))
                .order_by(PriceCard.name)
            ),
            description=_l(
                "Without a price card, the price typed below is "
                "the show's one (adult standard) price."
            ),
            **kwargs,
        )

    def populate_obj(self, obj, name):
        pass


HAND_PRICE_HELP = _l("Only when no price card applies; a card's adult standard price otherwise.")


def bulk_schedule_form(view):
    """The bulk form, with the view's scoped movie and hall look-ups."""

    class BulkScheduleForm(PortalForm):
        movie = AjaxSelectField(
            view._form_ajax_refs["movie"], _l("Movie"), validators=[InputRequired()]
        )
        hall = AjaxSelectField(
            view._form_ajax_refs["hall"], _l("Hall"), validators=[InputRequired()]
        )
        first_day = DateField(_l("First day"), validators=[InputRequired()])
        last_day = DateField(_l("Last day"), validators=[InputRequired()])
        start_times = StartTimesField(
            _l("Start times"),
            validators=[InputRequired()],
            description=_l("Every day, for example: 10:00, 13:30, 19:00"),
        )
        price_card = PriceCardChoice(_l("Price card"))
        price = DecimalField(
            _l("Price"),
            places=2,
            description=HAND_PRICE_HELP,
            validators=[Optional(), NumberRange(min=MIN_PRICE, max=MAX_PRICE)],
        )
        language_version = StringField(
            _l("Language version"), validators=[Optional(), Length(max=32)]
        )
        status = SelectField(
            _l("Status"), default="scheduled", choices=enum_select_choices(("scheduled", "on_sale"))
        )
        confirm_past = BooleanField(
            _l("Starts in the past"),
            description=_l("Tick only to create shows on days that have already passed."),
        )

        def validate_confirm_past(self, field):
            first = self.first_day.data
            if first is not None and first < wall_clock_now().date() and not field.data:
                raise ValidationError(
                    _("The first day is in the past. Tick the box to create these shows anyway.")
                )

    return BulkScheduleForm()


def created_message(shows, movie, hall):
    """已创建 9 个场次：流浪地球2，1号厅，12月5日–12月7日。"""
    span = day_span({show.starts_at.date() for show in shows})
    if len(shows) == 1:
        span = f"{span} {format_clock(shows[0].starts_at)}"
    comma = punctuation("comma")
    return _(
        "Created %(count)s shows: %(what)s.",
        count=len(shows),
        what=comma.join((movie.title, hall.name, span)),
    )


class ScheduleView(CounterSale, DayViewMixin, SecuredModelView):
    resource = "schedule"
    action_permissions = {
        "delete": "delete",
        "cancel": "edit",
        "put_on_sale": "edit",
        "reprice": "edit",
    }
    edit_template = "admin/schedule_edit.html"
    details_template = "admin/schedule_details.html"
    view_actions = {
        "bulk_view": "create",
        "day_view": "view",
        "ends_at_view": "view",
        "copy_day_view": "create",
        "seats_view": "view",
        **CounterSale.sale_view_actions,
    }
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-th", "schedule.seats_view", title=_l("Seat map"))
    ]
    list_template = "admin/schedule_list.html"
    column_list_related = {"movie": ("title",), "hall": ("name",), "hall.cinema": ("name",)}
    column_list = (
        "starts_at",
        "ends_at",
        "movie",
        "hall.cinema",
        "hall",
        "price",
        "language_version",
        "status",
    )
    column_labels = {
        "starts_at": _l("Starts at"),
        "ends_at": _l("Ends at"),
        "movie": _l("Movie"),
        "movie.title": _l("Movie"),
        "hall": _l("Hall"),
        "hall.name": _l("Hall"),
        "hall.cinema": _l("Cinema"),
        "hall.cinema.name": _l("Cinema"),
        "price": _l("Price"),
        "language_version": _l("Language version"),
        "status": _l("Status"),
    }
    column_details_list = (
        "movie",
        "hall.cinema",
        "hall",
        "starts_at",
        "ends_at",
        "price",
        "language_version",
        "status",
    )
    column_searchable_list = ("movie.title", "hall.name", "hall.cinema.name")
    column_filters = (
        *day_filters(Schedule.starts_at, _l("Starts at")),
        "status",
        "movie.title",
        "hall.name",
        "hall.cinema.name",
    )
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
        "movie": _movie_link,
    }
    column_formatters_export = {
        "movie": lambda v, c, m, n: m.movie.title,
        "status": lambda v, c, m, n: m.status,
        "price": lambda v, c, m, n: str(m.price),
        "hall": lambda v, c, m, n: m.hall.name,
        "hall.cinema": lambda v, c, m, n: m.hall.cinema.name,
    }
    form_columns = (
        "movie",
        "hall",
        "starts_at",
        "confirm_past",
        "ends_at",
        "price_card",
        "price",
        "language_version",
        "status",
    )
    form_overrides = {"status": SelectField}
    form_args = {
        "status": {"choices": enum_select_choices(SCHEDULE_STATUSES), "default": "scheduled"},
        # Minutes, as people type them; seconds still accepted from older forms and scripts.
        "starts_at": {"format": [MINUTE_FORMAT, "%Y-%m-%d %H:%M:%S"]},
    }
    # An extra field, not a scaffolded one: the column is NOT NULL, but nobody types it.
    form_extra_fields = {
        "ends_at": ReadOnlyField(
            _l("Ends at"),
            validators=[Optional()],
            description=_l("Computed: start + movie duration + clean-up time"),
        ),
        "confirm_past": BooleanField(
            _l("Starts in the past"),
            description=_l("Tick only to save a show whose start has already passed."),
        ),
        "price_card": PriceCardChoice(_l("Price card")),
        # Not the scaffolded field, which would be required (the column is NOT NULL): with a
        # price card the price comes from the card.
        "price": DecimalField(
            _l("Price"),
            places=2,
            description=HAND_PRICE_HELP,
            validators=[Optional(), NumberRange(min=MIN_PRICE, max=MAX_PRICE)],
        ),
    }
    form_widget_args = {
        "ends_at": {"readonly": True},
        "starts_at": {"data-date-format": "YYYY-MM-DD HH:mm"},
    }
    form_ajax_refs = {
        "movie": {"fields": ("title",), "page_size": 20, "placeholder": _l("Type a title")},
        "hall": {
            "fields": ("name",),
            "page_size": 20,
            "placeholder": _l("Type a hall name"),
            "filters": ["is_active = 1"],
        },  # inactive halls are not offered
    }

    @property
    def extra_js(self):
        return [url_for("static", filename="schedule_form.js")]

    def on_model_change(self, form, model, is_created):
        card = form.price_card.data if is_created and hasattr(form, "price_card") else None
        prepare_schedule(db.session, model, card)

    # -- the list: upcoming first, quick filters ------------------------------------------
    def list_window(self):
        """The quick filter in force: ?when=, else upcoming (unless searching or filtering)."""
        name = request.args.get("when", "")
        if name not in LIST_WINDOWS:
            searching = request.args.get("search") or any(
                key.startswith("flt") for key in request.args
            )
            name = "all" if searching else "upcoming"
        return name

    def _window(self):
        """The quick filter's bounds on the list and its export; open anywhere else (a
        show's own pages, bulk actions)."""
        if not has_request_context() or request.endpoint not in (
            f"{self.endpoint}.index_view",
            f"{self.endpoint}.export",
        ):
            return None, None
        return window_bounds(self.list_window(), wall_clock_now().date())

    def _in_window(self, query):
        start, before = self._window()
        if start is not None:
            query = query.filter(Schedule.starts_at >= start)
        if before is not None:
            query = query.filter(Schedule.starts_at < before)
        return query

    def get_query(self):
        return self._in_window(super().get_query())

    def get_count_query(self):
        return self._in_window(super().get_count_query())

    def _get_default_order(self):
        """Coming shows soonest first; past (and all) shows latest first."""
        descending = self.list_window() in ("past", "all")
        for attr, joins, _direction in super()._get_default_order():
            yield attr, joins, descending

    def render(self, template, **kwargs):
        kwargs.setdefault("list_windows", LIST_WINDOWS)
        kwargs.setdefault("list_window", self.list_window() if request else None)
        return super().render(template, **kwargs)

    # -- the form: minutes, the end shown as soon as it is known, past starts confirmed ----
    def create_form(self, obj=None):
        return self._prefilled(super().create_form(obj))

    def validate_form(self, form):
        valid = super().validate_form(form)
        if (
            valid
            and hasattr(form, "confirm_past")
            and starts_in_the_past(form)
            and not form.confirm_past.data
        ):
            form.confirm_past.errors = [
                _("This show starts in the past. Tick the box to save it anyway.")
            ]
            return False
        return valid

    def _prefilled(self, form):
        """A create link from the day view: ?hall_id=&starts_at= (checked, scoped)."""
        if request.method != "GET":
            return form
        hall_id = parse_row_id(request.args.get("hall_id"))
        if hall_id is not None:
            hall = (
                access.scope_query(Hall.query, Hall)
                .filter(Hall.id == hall_id, Hall.is_active.is_(True))
                .first()
            )
            if hall is not None:
                form.hall.data = hall
        with contextlib.suppress(ValueError):
            form.starts_at.data = datetime.strptime(
                request.args.get("starts_at", ""), "%Y-%m-%dT%H:%M"
            )
        return form

    def get_save_return_url(self, model, is_created=False):
        """A new show: its day, where it is seen among the others."""
        if not is_created:
            return super().get_save_return_url(model, is_created)
        return self.get_url(
            ".day_view", cinema_id=model.hall.cinema_id, date=model.starts_at.date().isoformat()
        )

    @expose("/ends_at/")
    def ends_at_view(self):
        """The end of a show the form is filling in, computed by the rules (JSON)."""
        movie = db.session.get(Movie, parse_row_id(request.args.get("movie")) or 0)
        starts_at = None
        for pattern in (MINUTE_FORMAT, "%Y-%m-%d %H:%M:%S"):
            try:
                starts_at = datetime.strptime(request.args.get("starts_at", ""), pattern)
                break
            except ValueError:
                continue
        ends_at = compute_ends_at(movie, starts_at)
        return jsonify(ends_at=ends_at.strftime(MINUTE_FORMAT) if ends_at else "")

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.price_card  # an existing show keeps its prices: re-price from the list
        if obj is not None and obj.ends_at is not None:
            form.ends_at.data = obj.ends_at.strftime(MINUTE_FORMAT)
        return form

    def _set_status(self, ids, status, check_rules):
        """All or none: one refused schedule leaves every selected one as it was. Cancelling
        refunds the shows' sold tickets in the same transaction."""
        changed, refunded, refused = [], 0, []
        for schedule in self.scoped_rows(ids):
            label = f"“{record_name(schedule)}”"
            schedule.status = status
            try:
                if status == "cancelled":
                    refunded += cancel_show(db.session, schedule.id)
                if check_rules:
                    prepare_schedule(db.session, schedule)
                db.session.flush()
                changed.append(label)
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
        names = punctuation("comma").join(changed[:NAMED_IN_FLASH]) + (
            "…" if len(changed) > NAMED_IN_FLASH else ""
        )
        flash(
            _(
                "Now “%(status)s” (%(count)s): %(names)s.",
                count=len(changed),
                status=enum_label(status),
                names=names,
            ),
            "success",
        )
        if refunded:
            flash(_("%(count)s sold tickets refunded.", count=refunded), "success")

    @action("cancel", _l("Cancel shows"), _l("Cancel the selected schedules?"))
    def action_cancel(self, ids):
        self._set_status(ids, "cancelled", check_rules=False)

    @action(
        "delete",
        _l("Delete permanently"),
        _l("Delete the selected shows permanently? To call shows off, use “Cancel shows”."),
    )
    def action_delete(self, ids):
        return super().action_delete(ids)

    # The bulk actions in the order people reach for them; deleting, which cannot be undone
    # and is not how a show is called off, comes last and apart from cancelling.
    ACTION_ORDER = ("put_on_sale", "cancel", "reprice", "delete")

    def get_actions_list(self):
        actions, confirmations = super().get_actions_list()
        order = {name: index for index, name in enumerate(self.ACTION_ORDER)}
        return sorted(actions, key=lambda a: order.get(a[0], 0)), confirmations

    @action("put_on_sale", _l("Put on sale"), _l("Put the selected schedules on sale?"))
    def action_put_on_sale(self, ids):
        self._set_status(ids, "on_sale", check_rules=True)

    @action(
        "reprice",
        _l("Re-price"),
        _l(
            "Give the selected shows the prices of their "
            "cinema's active price card now? Shows with sold "
            "tickets keep theirs."
        ),
    )
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
        flash(
            _(
                "%(count)s shows re-priced; %(left)s left as they were (cancelled, or with "
                "sold tickets).",
                count=len(repriced),
                left=len(left),
            ),
            "success",
        )

    @expose("/bulk/", methods=("GET", "POST"))
    def bulk_view(self):
        """A movie's shows in one hall for a range of days and start times, all or none."""
        form, problems = bulk_schedule_form(self), []
        if form.validate_on_submit():
            try:
                starts = plan_showtimes(
                    form.first_day.data, form.last_day.data, form.start_times.times
                )
                created = create_showtimes(
                    db.session,
                    form.movie.data.id,
                    form.hall.data.id,
                    starts,
                    form.price.data,
                    form.language_version.data,
                    form.status.data,
                    price_card=form.price_card.data,
                )
                db.session.commit()
            except ShowtimeConflicts as exc:
                problems = exc.problems
            except RuleViolation as exc:
                problems = [str(exc)]
            except OperationalError:
                problems = [_("The database was busy; nothing was saved. Please try again.")]
            else:
                flash(created_message(created, form.movie.data, form.hall.data), "success")
                return redirect(
                    self.get_url(
                        ".day_view",
                        cinema_id=form.hall.data.cinema_id,
                        date=form.first_day.data.isoformat(),
                    )
                )
            db.session.rollback()
            flash(
                _("Nothing was created: %(count)s problems, listed below.", count=len(problems)),
                "error",
            )
        return self.render(
            "admin/schedule_bulk.html",
            form=form,
            problems=problems,
            return_url=self.get_url(".index_view"),
        )

    @expose("/seats/")
    def seats_view(self):
        """A show's seats and their states, front row first, the screen above them."""
        schedule = self.get_one(request.args.get("id"))
        return self.render(
            "admin/schedule_seats.html",
            schedule=schedule,
            seat_map=show_seat_map(db.session, schedule),
            return_url=self.get_url(".index_view"),
            **self.sale_context(schedule),
        )
