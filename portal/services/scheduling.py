"""Scheduling rules: end times, what may be scheduled, and no two shows in one hall at once."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import ceil, floor

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from ..i18n import format_clock, format_day, format_showtime
from ..models import Cinema, Hall, Movie, Schedule
from .pricing import (
    PricingRefused,
    check_edited_show_prices,
    check_price_value,
    pick_card,
    price_new_show,
    set_show_prices,
    show_prices,
)
from .rights import RightRefused, check_screening_right
from .rules import RuleViolation
from .selling import cancel_show, check_show_change, status_changed

# A bulk request beyond these is a typo, not a plan: refuse it rather than lock a hall for long.
MAX_BULK_DAYS = 31
MAX_BULK_SHOWS = 200


class SchedulingError(RuleViolation):
    """A schedule breaks a business rule; the message is shown to the user."""


class ShowtimeConflicts(SchedulingError):
    """Bulk scheduling refused: every problem found, none of the shows created."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Collision:
    starts_at: object
    ends_at: object
    schedule_id: int
    movie_title: str


# No show lasts a day (check_schedule_rules): a show overlapping one that starts at T began
# after T - LONGEST_SHOW, so the collision check reads one day of the hall, not its history
# nor every coming show.
LONGEST_SHOW = timedelta(days=1)


def cleanup_minutes():
    return int(current_app.config.get("SCHEDULE_CLEANUP_MINUTES", 15))


def compute_ends_at(movie, starts_at):
    """A show ends after the film plus the hall's clean-up time."""
    if movie is None or starts_at is None or not movie.duration_minutes:
        return None
    try:
        return starts_at + timedelta(minutes=movie.duration_minutes + cleanup_minutes())
    except OverflowError:
        raise SchedulingError(
            _l("The show would end after the last day the calendar holds (9999-12-31).")
        ) from None


def overlaps(starts_a, ends_a, starts_b, ends_b):
    """Two shows overlap when each starts before the other ends; touching ends are fine.

    find_collisions asks the database the same question in SQL.
    """
    return starts_a < ends_b and starts_b < ends_a


def check_price(price):
    if not check_price_value(price):
        raise SchedulingError(_l("Price must be between 0.01 and 9999.99."))


def check_schedule_rules(session, movie, hall, starts_at):
    """Raise a RuleViolation for the first rule a show breaks (overlap and prices aside).

    Every path that creates or moves a show comes through here (the form, bulk scheduling,
    the status actions, seeding), so the screening right is checked here and only here.
    """
    if hall is None or movie is None or starts_at is None:
        raise SchedulingError(_l("A schedule needs a movie, a hall and a start time."))
    if not hall.is_active:
        raise SchedulingError(_l("Hall %(hall)s is not active.", hall=hall.name))
    if not hall.cinema.is_active:
        raise SchedulingError(_l("Cinema %(cinema)s is not active.", cinema=hall.cinema.name))
    if movie.status == "offline":
        raise SchedulingError(_l("Movie %(movie)s is offline.", movie=movie.title))
    if movie.release_date and starts_at.date() < movie.release_date:
        raise SchedulingError(
            _l(
                "Movie %(movie)s is released on %(date)s; a schedule may not start before that.",
                movie=movie.title,
                date=format_day(movie.release_date),
            )
        )
    if timedelta(minutes=(movie.duration_minutes or 0) + cleanup_minutes()) >= LONGEST_SHOW:
        raise SchedulingError(
            _l(
                "Movie %(movie)s runs %(minutes)s minutes with the clean-up: a show must end "
                "within a day.",
                movie=movie.title,
                minutes=(movie.duration_minutes or 0) + cleanup_minutes(),
            )
        )
    check_screening_right(session, movie, hall.cinema, starts_at.date())


def lock_hall(session, hall_id):
    """Lock the hall row for the rest of the transaction and return it as now committed.

    MySQL: SELECT ... FOR UPDATE on the hall alone (its cinema only share-locked, so halls of
    one cinema do not queue behind each other). SQLite has no row locks: a no-op UPDATE takes
    the database's write lock now, so a concurrent scheduler waits here, not after its check.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Hall.__table__)
            .where(Hall.__table__.c.id == hall_id)
            .values(is_active=Hall.__table__.c.is_active)
        )
    hall = session.execute(
        select(Hall)
        .options(lazyload(Hall.cinema))
        .where(Hall.id == hall_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if hall is not None:
        session.execute(
            select(Cinema)
            .options(lazyload(Cinema.city))
            .where(Cinema.id == hall.cinema_id)
            .with_for_update(read=True)
            .execution_options(populate_existing=True)
        )
    return hall


def read_movie(session, movie_id):
    """The movie as now committed, share-locked so it cannot go offline under this write."""
    return session.execute(
        select(Movie)
        .where(Movie.id == movie_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
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
            Schedule.starts_at > starts_at - LONGEST_SHOW,
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
    titles = dict(
        session.execute(
            select(Movie.id, Movie.title).where(Movie.id.in_({r.movie_id for r in rows}))
        ).all()
    )
    return [Collision(r.starts_at, r.ends_at, r.id, titles.get(r.movie_id, "")) for r in rows]


def describe_collision(collision):
    return _(
        "Collides with schedule #%(id)s %(movie)s %(start)s–%(end)s in this hall.",
        id=collision.schedule_id,
        movie=collision.movie_title,
        start=format_showtime(collision.starts_at),
        end=format_clock(collision.ends_at),
    )


def collision_message(collisions):
    return " ".join(describe_collision(c) for c in collisions)


def prepare_schedule(session, schedule, price_card=None):
    """Apply every rule to `schedule` inside the caller's transaction, before it is written.

    Computes `ends_at`, locks the hall row, and refuses a collision with any other show. A
    new show gets its prices (from `price_card`, else its cinema's active card, else the
    price typed by hand); an existing one keeps its price list, and no price of either may
    fall below the film's floor.
    Autoflush is off so that the hall lock is the transaction's first write lock: an
    INSERT first would take a shared lock on the hall and two requests would deadlock.
    """
    with session.no_autoflush:
        # The relationship wins: a form that moved the show to another hall has set
        # `schedule.hall`, while `hall_id` still names the old one until the flush.
        hall_id = schedule.hall.id if schedule.hall is not None else schedule.hall_id
        movie_id = schedule.movie.id if schedule.movie is not None else schedule.movie_id
        hall = lock_hall(session, hall_id) if hall_id else None
        movie = read_movie(session, movie_id) if movie_id else None
        if schedule.status == "cancelled":
            # A cancelled show sells nothing and blocks nothing: cancelling one in a hall
            # since deactivated, or of a film since taken offline, must stay possible.
            check_price(schedule.price)
            if schedule.id is not None and status_changed(schedule):
                cancel_show(session, schedule.id)
            schedule.ends_at = compute_ends_at(movie, schedule.starts_at)
            return schedule
        check_schedule_rules(session, movie, hall, schedule.starts_at)
        check_show_change(session, schedule)
        if schedule.id is None:
            price_new_show(session, schedule, movie, hall, price_card)
        else:
            check_edited_show_prices(session, schedule, movie)
        schedule.ends_at = compute_ends_at(movie, schedule.starts_at)
        exclude = [schedule.id] if schedule.id else []
        collisions = find_collisions(
            session, hall.id, schedule.starts_at, schedule.ends_at, exclude
        )
    if collisions:
        raise SchedulingError(collision_message(collisions))
    return schedule


# -- bulk scheduling ----------------------------------------------------------------------
def parse_start_times(text):
    """'10:00, 13:30 19:00' -> sorted distinct times; ValueError names the first bad entry."""
    times = set()
    for token in (text or "").replace(",", " ").replace("，", " ").replace(";", " ").split():
        try:
            times.add(datetime.strptime(token, "%H:%M").time())
        except ValueError:
            raise ValueError(token) from None
    return sorted(times)


def plan_showtimes(first_day, last_day, start_times):
    """Every start time on every day from `first_day` to `last_day`, in order."""
    if last_day < first_day:
        raise SchedulingError(_l("The last day is before the first day."))
    days = (last_day - first_day).days + 1
    if days > MAX_BULK_DAYS:
        raise SchedulingError(_l("At most %(days)s days at once.", days=MAX_BULK_DAYS))
    if not start_times:
        raise SchedulingError(_l("Give at least one start time."))
    if days * len(start_times) > MAX_BULK_SHOWS:
        raise SchedulingError(_l("At most %(count)s shows at once.", count=MAX_BULK_SHOWS))
    return [
        datetime.combine(first_day + timedelta(days=d), t) for d in range(days) for t in start_times
    ]


def _when(starts_at):
    return format_showtime(starts_at)


def create_showtimes(
    session,
    movie_id,
    hall_id,
    starts,
    price,
    language_version="",
    status="scheduled",
    price_card=None,
):
    """Create one show per start in `starts`, all or none, in the caller's transaction.

    Each show is priced like a single one (prepare_schedule): from `price_card`, else the
    cinema's active card, else `price`. Raises ShowtimeConflicts listing every rule broken
    and every collision, with existing shows and among the new ones; otherwise adds the
    shows to the session and returns them.
    """
    with session.no_autoflush:
        hall = lock_hall(session, hall_id)
        movie = read_movie(session, movie_id)
        problems, planned = [], []
        try:
            card = pick_card(session, hall.cinema, price_card) if hall is not None else None
        except RuleViolation as exc:
            raise ShowtimeConflicts([str(exc)]) from None
        for starts_at in sorted(starts):
            try:
                check_schedule_rules(session, movie, hall, starts_at)
                prices = show_prices(session, card, movie, hall, starts_at, price)
                ends_at = compute_ends_at(movie, starts_at)
            except RuleViolation as exc:
                message = (
                    f"{_when(starts_at)}: {exc}"
                    if _depends_on_day(exc, movie, card, starts_at)
                    else str(exc)
                )
                if message not in problems:
                    problems.append(message)
                continue
            for collision in find_collisions(session, hall.id, starts_at, ends_at):
                problems.append(f"{_when(starts_at)}: {describe_collision(collision)}")
            for other in planned:
                if overlaps(starts_at, ends_at, other.starts_at, other.ends_at):
                    problems.append(
                        _(
                            "%(when)s: overlaps the new %(other)s show (ends %(end)s).",
                            when=_when(starts_at),
                            other=_when(other.starts_at),
                            end=format_clock(other.ends_at),
                        )
                    )
            show = Schedule(
                movie_id=movie.id,
                hall_id=hall.id,
                starts_at=starts_at,
                ends_at=ends_at,
                language_version=language_version or "",
                status=status,
            )
            set_show_prices(show, prices)
            planned.append(show)
    if problems:
        raise ShowtimeConflicts(problems)
    session.add_all(planned)
    return planned


def _depends_on_day(refusal, movie, card, starts_at):
    """The release date, the screening right and a card's prices differ from show to show;
    other rules are said once."""
    return (
        isinstance(refusal, RightRefused)
        or (isinstance(refusal, PricingRefused) and card is not None)
        or bool(movie and movie.release_date and starts_at.date() < movie.release_date)
    )


# -- the day view ---------------------------------------------------------------------------
# The axis always covers a cinema's usual opening hours, and stretches for earlier or later shows.
DAY_OPENS_HOUR, DAY_CLOSES_HOUR = 8, 24


@dataclass(frozen=True)
class DayBlock:
    """One show on the day view, placed in percent of the time axis."""

    schedule: Schedule
    left: float
    width: float


@dataclass(frozen=True)
class DayPlan:
    day: date
    first_hour: int
    last_hour: int
    rows: list  # [(hall, [DayBlock, ...])], halls by name

    def position(self, moment):
        """Where `moment` falls on the axis, in percent, or None off the axis."""
        hours = (moment - datetime.combine(self.day, time())).total_seconds() / 3600
        if not self.first_hour <= hours <= self.last_hour:
            return None
        return (hours - self.first_hour) / (self.last_hour - self.first_hour) * 100

    @property
    def slots(self):
        """(start, left %, width %) of each hour on the axis that starts on this day."""
        span = self.last_hour - self.first_hour
        midnight = datetime.combine(self.day, time())
        return [
            (midnight + timedelta(hours=h), (h - self.first_hour) / span * 100, 100 / span)
            for h in range(max(self.first_hour, 0), min(self.last_hour, 24))
        ]

    @property
    def hours(self):
        """(label, left %) for each hour mark; hours past midnight read 24:00, 25:00, ..."""
        span = self.last_hour - self.first_hour
        return [
            (f"{h:02d}:00", (h - self.first_hour) / span * 100)
            for h in range(self.first_hour, self.last_hour + 1)
        ]


def day_plan(session, cinema_id, day):
    """The halls of a cinema with the shows starting on `day`, placed on one time axis."""
    halls = (
        session.execute(select(Hall).where(Hall.cinema_id == cinema_id).order_by(Hall.name))
        .scalars()
        .all()
    )
    midnight = datetime.combine(day, time())
    # Also the shows of the evening before that run past midnight: drawn from 00:00.
    shows = (
        session.execute(
            select(Schedule)
            .where(
                Schedule.hall_id.in_([h.id for h in halls]),
                Schedule.starts_at >= midnight - timedelta(days=1),
                Schedule.starts_at < midnight + timedelta(days=1),
                Schedule.ends_at > midnight,
            )
            .order_by(Schedule.starts_at, Schedule.id)
        )
        .scalars()
        .all()
        if halls
        else []
    )

    def hours_after_midnight(moment):
        return max(0.0, (moment - midnight).total_seconds() / 3600)

    first_hour = min([DAY_OPENS_HOUR] + [floor(hours_after_midnight(s.starts_at)) for s in shows])
    last_hour = max([DAY_CLOSES_HOUR] + [ceil(hours_after_midnight(s.ends_at)) for s in shows])
    span = last_hour - first_hour
    by_hall = {h.id: [] for h in halls}
    for show in shows:
        start = hours_after_midnight(show.starts_at)
        by_hall[show.hall_id].append(
            DayBlock(
                show,
                left=(start - first_hour) / span * 100,
                width=(hours_after_midnight(show.ends_at) - start) / span * 100,
            )
        )
    return DayPlan(day, first_hour, last_hour, [(h, by_hall[h.id]) for h in halls])
