"""A cinema's day: halls as rows, shows as blocks on a time axis; creating a show from an
empty hour and copying the day to other days. Views of ScheduleView, behind its gate."""

from datetime import date, timedelta

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from wtforms import DateField
from wtforms.validators import InputRequired, Optional

from .. import access
from ..extensions import db
from ..i18n import format_short_day, wall_clock_now
from ..models import Cinema
from ..services.day_copy import copy_day
from ..services.rules import RuleViolation
from ..services.scheduling import ShowtimeConflicts, day_plan
from .base import PortalForm


class CopyDayForm(PortalForm):
    first_day = DateField(_l("Copy to"), validators=[InputRequired()])
    last_day = DateField(
        _l("until"), validators=[Optional()], description=_l("Empty: only the first day.")
    )


def day_span(days):
    """12月5日, or 12月5日–12月7日."""
    days = sorted(days)
    return (
        format_short_day(days[0])
        if len(days) == 1
        else f"{format_short_day(days[0])}–{format_short_day(days[-1])}"
    )


class DayViewMixin:
    """The day view and its copy form, mixed into ScheduleView."""

    @expose("/day/")
    def day_view(self):
        """A cinema's halls as rows and the day's shows as blocks on a time axis."""
        return self._render_day()

    @expose("/day/copy/", methods=("POST",))
    def copy_day_view(self):
        """Copy this day's shows to a range of days: all or none, collisions listed."""
        form = CopyDayForm()
        cinema = self._day_view_cinema(None, request.form.get("cinema_id", ""))
        day = self._day_view_date(request.form.get("date", ""))
        problems = []
        if cinema is None:
            abort(404)
        if form.validate_on_submit():
            last = form.last_day.data or form.first_day.data
            targets = [
                form.first_day.data + timedelta(days=n)
                for n in range(max(0, (last - form.first_day.data).days) + 1)
            ]
            try:
                created = copy_day(db.session, cinema.id, day, targets)
                db.session.commit()
            except ShowtimeConflicts as exc:
                problems = exc.problems
            except RuleViolation as exc:
                problems = [str(exc)]
            except OperationalError:
                problems = [_("The database was busy; nothing was saved. Please try again.")]
            else:
                flash(
                    _(
                        "Copied %(count)s shows to %(days)s.",
                        count=len(created),
                        days=day_span(targets),
                    ),
                    "success",
                )
                return redirect(
                    self.get_url(".day_view", cinema_id=cinema.id, date=targets[0].isoformat())
                )
            db.session.rollback()
        else:
            problems = [
                f"{form[name].label.text}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ]
        flash(
            _("Nothing was copied: %(count)s problems, listed below.", count=len(problems)), "error"
        )
        return self._render_day(cinema, day, copy_form=form, copy_problems=problems)

    def _render_day(self, cinema=None, day=None, copy_form=None, copy_problems=()):
        cinemas = (
            access.scoped(Cinema).with_entities(Cinema.id, Cinema.name).order_by(Cinema.name).all()
        )
        cinema = cinema or self._day_view_cinema(cinemas, request.args.get("cinema_id", ""))
        day = day or self._day_view_date(request.args.get("date", ""))
        plan = day_plan(db.session, cinema.id, day) if cinema is not None else None
        now = wall_clock_now()
        return self.render(
            "admin/schedule_day.html",
            cinemas=cinemas,
            cinema=cinema,
            day=day,
            plan=plan,
            previous_day=day - timedelta(days=1),
            next_day=day + timedelta(days=1),
            now=now,
            now_left=plan.position(now) if plan is not None else None,
            copy_form=copy_form or CopyDayForm(),
            copy_problems=copy_problems,
        )

    def _day_view_cinema(self, cinemas, raw):
        if not raw:
            if cinemas is not None and len(cinemas) == 1:
                return db.session.get(Cinema, cinemas[0].id)
            return None
        try:
            cinema_id = int(raw)
        except ValueError:
            abort(404)
        cinema = access.scoped(Cinema).filter(Cinema.id == cinema_id).first()
        if cinema is None:
            abort(404)
        return cinema

    def _day_view_date(self, raw):
        try:
            day = date.fromisoformat(raw) if raw else wall_clock_now().date()
            if not date.min < day < date.max:
                raise ValueError(raw)
            return day
        except ValueError:
            flash(_("Not a date: %(value)s. Showing today.", value=raw), "warning")
            return wall_clock_now().date()
