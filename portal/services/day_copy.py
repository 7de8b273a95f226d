"""Copying a cinema's day of shows to other days: all or none, by the scheduling rules."""

from collections import defaultdict
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Hall, Schedule
from .scheduling import MAX_BULK_DAYS, SchedulingError, ShowtimeConflicts, create_showtimes


def shows_starting_on(session, cinema_id, day):
    """The shows of a cinema's halls starting on `day` that are not cancelled."""
    midnight = datetime.combine(day, time())
    return (
        session.execute(
            select(Schedule)
            .join(Hall, Schedule.hall_id == Hall.id)
            .where(
                Hall.cinema_id == cinema_id,
                Schedule.status != "cancelled",
                Schedule.starts_at >= midnight,
                Schedule.starts_at < midnight + timedelta(days=1),
            )
            .order_by(Schedule.starts_at, Schedule.id)
        )
        .scalars()
        .all()
    )


def copy_day(session, cinema_id, day, target_days):
    """Create on each of `target_days` the shows that start on `day` in a cinema, at the same
    times, in the same halls, at the same prices, in the caller's transaction.

    All or none: ShowtimeConflicts lists every rule broken and every collision (by hall),
    and nothing is added; otherwise returns the new shows.
    """
    targets = sorted(set(target_days) - {day})
    if not targets:
        raise SchedulingError(_l("Choose at least one day other than this one."))
    if len(targets) > MAX_BULK_DAYS:
        raise SchedulingError(_l("At most %(days)s days at once.", days=MAX_BULK_DAYS))
    shows = shows_starting_on(session, cinema_id, day)
    if not shows:
        raise SchedulingError(_l("There are no shows on this day to copy."))
    groups = defaultdict(list)
    for show in shows:
        key = (show.hall_id, show.movie_id, show.price, show.language_version, show.status)
        groups[key] += [datetime.combine(target, show.starts_at.time()) for target in targets]
    halls = {show.hall_id: show.hall.name for show in shows}
    created, problems = [], []
    for (hall_id, movie_id, price, language, status), starts in groups.items():
        try:
            created += create_showtimes(session, movie_id, hall_id, starts, price, language, status)
            session.flush()  # the next group's collision checks see these shows
        except ShowtimeConflicts as exc:
            problems += [f"{halls[hall_id]}: {problem}" for problem in exc.problems]
    if problems:
        raise ShowtimeConflicts(problems)
    return created
