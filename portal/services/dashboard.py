"""Dashboard figures: a handful of aggregate queries, scoped like every list."""
from datetime import datetime, timedelta

from flask_login import current_user
from sqlalchemy import func, select

from .. import access
from ..extensions import db
from ..models import Cinema, Hall, Movie, Schedule, ScreeningRight
from ..models.scheduling import SCHEDULE_STATUSES
from .rights import ending_with_later_shows

# "Not cancelled" as an IN list: a range of the (status, starts_at) index per status, where
# `status != 'cancelled'` made MariaDB read every one of millions of rows.
SHOWING_STATUSES = tuple(s for s in SCHEDULE_STATUSES if s != "cancelled")


def _scoped_count(model, *criteria):
    query = db.session.query(func.count(model.id)).filter(*criteria)
    return access.scope_query(query, model).scalar()


def dashboard_figures(now=None):
    """What the signed-in user may see, counted: only the resources they may view."""
    now = now or datetime.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    figures = {}
    if access.has_permission("movie.view"):
        rows = db.session.execute(select(Movie.status, func.count()).group_by(Movie.status))
        figures["movies"] = dict(rows.all())
    if access.has_permission("cinema.view"):
        figures["cinemas"] = _scoped_count(Cinema)
    if access.has_permission("hall.view"):
        figures["halls"] = _scoped_count(Hall)
    if access.has_permission("schedule.view"):
        figures["schedules_today"] = _scoped_count(
            Schedule, Schedule.starts_at >= today, Schedule.starts_at < today + timedelta(days=1),
            Schedule.status.in_(SHOWING_STATUSES))
        figures["schedules_next_week"] = _scoped_count(
            Schedule, Schedule.starts_at >= now, Schedule.starts_at < now + timedelta(days=7),
            Schedule.status.in_(SHOWING_STATUSES))
    if access.has_permission("right.view"):
        figures["rights_ending"] = _scoped_count(ScreeningRight,
                                                 ending_with_later_shows(now.date()))
    figures["user"] = current_user
    return figures
