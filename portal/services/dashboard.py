"""Dashboard figures, scoped like every list, in a handful of queries: the counts in one
(scalar subqueries), the box office cards in four (services/boxoffice_reports.py)."""

from datetime import datetime, timedelta

from flask_login import current_user
from sqlalchemy import func, select

from .. import access
from ..extensions import db
from ..models import Cinema, Hall, Movie, Order, Schedule, ScreeningRight
from ..models.scheduling import SCHEDULE_STATUSES
from ..models.selling import AWAITING_CONFIRMATION
from . import boxoffice_reports
from .rights import ending_with_later_shows

# "Not cancelled" as an IN list: a range of the (status, starts_at) index per status, where
# `status != 'cancelled'` made MariaDB read every one of millions of rows.
SHOWING_STATUSES = tuple(s for s in SCHEDULE_STATUSES if s != "cancelled")
MOVIE_STATUSES = ("showing", "coming_soon", "offline")


def _scoped_count(model, *criteria):
    query = db.session.query(func.count(model.id)).filter(*criteria)
    return access.scope_query(query, model).scalar_subquery()


def dashboard_figures(now=None, today=None):
    """What the signed-in user may see, counted: only the resources they may view."""
    now = now or datetime.now()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    counts = {}
    if access.has_permission("movie.view"):
        for status in MOVIE_STATUSES:
            counts[f"movie_{status}"] = (
                select(func.count(Movie.id)).where(Movie.status == status).scalar_subquery()
            )
    if access.has_permission("cinema.view"):
        counts["cinemas"] = _scoped_count(Cinema)
    if access.has_permission("hall.view"):
        counts["halls"] = _scoped_count(Hall)
    if access.has_permission("schedule.view"):
        counts["schedules_today"] = _scoped_count(
            Schedule,
            Schedule.starts_at >= day,
            Schedule.starts_at < day + timedelta(days=1),
            Schedule.status.in_(SHOWING_STATUSES),
        )
        counts["schedules_next_week"] = _scoped_count(
            Schedule,
            Schedule.starts_at >= now,
            Schedule.starts_at < now + timedelta(days=7),
            Schedule.status.in_(SHOWING_STATUSES),
        )
    if access.has_permission("right.view"):
        counts["rights_ending"] = _scoped_count(ScreeningRight, ending_with_later_shows(now.date()))
    if access.has_permission("order.view"):
        counts["awaiting"] = _scoped_count(Order, Order.status == AWAITING_CONFIRMATION)
    figures = {}
    if counts:
        row = db.session.execute(select(*(q.label(k) for k, q in counts.items()))).one()
        figures = dict(row._mapping)
    if any(k.startswith("movie_") for k in figures):
        figures["movies"] = {s: figures.pop(f"movie_{s}") for s in MOVIE_STATUSES}
    if access.has_permission(access.BOXOFFICE_VIEW):
        box = boxoffice_reports.dashboard_box_office(
            db.session, today or now.date(), access.cinema_scope()
        )
        figures["box"] = box
        figures["charts"] = boxoffice_reports.dashboard_charts(box)
    figures["user"] = current_user
    return figures
