"""Scheduling rules: end times, what may be scheduled, and no two shows in one hall at once."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Hall, Movie, Schedule
from .rules import RuleViolation

MIN_PRICE = Decimal("0.01")
MAX_PRICE = Decimal("9999.99")


class SchedulingError(RuleViolation):
    """A schedule breaks a business rule; the message is shown to the user."""


@dataclass(frozen=True)
class Collision:
    starts_at: object
    ends_at: object
    schedule_id: int
    movie_title: str


def cleanup_minutes():
    return int(current_app.config.get("SCHEDULE_CLEANUP_MINUTES", 15))


def compute_ends_at(movie, starts_at):
    """A show ends after the film plus the hall's clean-up time."""
    if movie is None or starts_at is None or not movie.duration_minutes:
        return None
    return starts_at + timedelta(minutes=movie.duration_minutes + cleanup_minutes())


def check_schedule_rules(movie, hall, starts_at, price):
    """Raise SchedulingError for the first rule a schedule breaks (overlap aside)."""
    if hall is None or movie is None or starts_at is None:
        raise SchedulingError(_l("A schedule needs a movie, a hall and a start time."))
    if not hall.is_active:
        raise SchedulingError(_l("Hall %(hall)s is not active.", hall=hall.name))
    if not hall.cinema.is_active:
        raise SchedulingError(_l("Cinema %(cinema)s is not active.", cinema=hall.cinema.name))
    if movie.status == "offline":
        raise SchedulingError(_l("Movie %(movie)s is offline.", movie=movie.title))
    if movie.release_date and starts_at.date() < movie.release_date:
        raise SchedulingError(_l("Movie %(movie)s is released on %(date)s; a schedule may not "
                                 "start before that.", movie=movie.title,
                                 date=movie.release_date.isoformat()))
    if price is None or not (MIN_PRICE <= Decimal(price) <= MAX_PRICE):
        raise SchedulingError(_l("Price must be between 0.01 and 9999.99."))


def lock_hall(session, hall_id):
    """Lock the hall row for the rest of the transaction (MySQL); SQLite serialises writers."""
    return session.execute(
        select(Hall).where(Hall.id == hall_id).with_for_update()
    ).scalar_one_or_none()


def find_collisions(session, hall_id, starts_at, ends_at, exclude_ids=()):
    """Schedules in `hall_id` that are not cancelled and overlap [starts_at, ends_at).

    A locking read: under MariaDB's REPEATABLE READ a plain SELECT would read the
    transaction's old snapshot and miss a row another request committed meanwhile.
    """
    query = (
        select(Schedule.id, Schedule.movie_id, Schedule.starts_at, Schedule.ends_at)
        .where(
            Schedule.hall_id == hall_id,
            Schedule.status != "cancelled",
            Schedule.starts_at < ends_at,
            Schedule.ends_at > starts_at,
        )
        .order_by(Schedule.starts_at)
        .with_for_update()
    )
    if exclude_ids:
        query = query.where(Schedule.id.notin_(list(exclude_ids)))
    rows = session.execute(query).all()
    if not rows:
        return []
    titles = dict(session.execute(
        select(Movie.id, Movie.title).where(Movie.id.in_({r.movie_id for r in rows}))
    ).all())
    return [Collision(r.starts_at, r.ends_at, r.id, titles.get(r.movie_id, "")) for r in rows]


def collision_message(collisions):
    first = collisions[0]
    return _l(
        "Collides with schedule #%(id)s %(movie)s %(start)s–%(end)s in this hall.",
        id=first.schedule_id, movie=first.movie_title,
        start=first.starts_at.strftime("%Y-%m-%d %H:%M"), end=first.ends_at.strftime("%H:%M"),
    )


def prepare_schedule(session, schedule):
    """Apply every rule to `schedule` inside the caller's transaction, before it is written.

    Computes `ends_at`, locks the hall row, and refuses a collision with any other show.
    Autoflush is off so that the hall lock is the transaction's first write lock: an
    INSERT first would take a shared lock on the hall and two requests would deadlock.
    """
    with session.no_autoflush:
        hall_id = schedule.hall_id or (schedule.hall.id if schedule.hall is not None else None)
        hall = lock_hall(session, hall_id) if hall_id else None
        movie = schedule.movie
        if movie is None and schedule.movie_id:
            movie = session.get(Movie, schedule.movie_id)
        check_schedule_rules(movie, hall, schedule.starts_at, schedule.price)
        schedule.ends_at = compute_ends_at(movie, schedule.starts_at)
        if schedule.status == "cancelled":
            return schedule
        exclude = [schedule.id] if schedule.id else []
        collisions = find_collisions(session, hall.id, schedule.starts_at, schedule.ends_at,
                                     exclude)
    if collisions:
        raise SchedulingError(collision_message(collisions))
    return schedule
