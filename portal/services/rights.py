"""Screening rights: which cinema may show which film on which days, and granting them."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from ..i18n import format_day, punctuation
from ..models import Hall, Movie, Schedule, ScreeningRight
from .rules import RuleViolation

# A right ending this many days from today, with shows scheduled after its end, is flagged.
EXPIRY_WARNING_DAYS = 7
MAX_SHARE = Decimal("100")


class RightRefused(RuleViolation):
    """A screening right (or a show without one) breaks a rule; the message says which."""


def covering_right(session, movie_id, cinema_id, day):
    """A right of `cinema_id` to show `movie_id` on `day`, or None."""
    return session.scalar(
        select(ScreeningRight.id)
        .where(
            ScreeningRight.movie_id == movie_id,
            ScreeningRight.cinema_id == cinema_id,
            ScreeningRight.starts_on <= day,
            ScreeningRight.ends_on >= day,
        )
        .limit(1)
    )


def check_screening_right(session, movie, cinema, day):
    """Refuse a show of `movie` at `cinema` on `day` that no right covers, naming the gap."""
    if covering_right(session, movie.id, cinema.id, day) is not None:
        return
    spans = session.execute(
        select(ScreeningRight.starts_on, ScreeningRight.ends_on)
        .where(ScreeningRight.movie_id == movie.id, ScreeningRight.cinema_id == cinema.id)
        .order_by(ScreeningRight.starts_on)
    ).all()
    if not spans:
        raise RightRefused(
            _l(
                "%(cinema)s holds no screening right for %(movie)s; it cannot show it on %(day)s.",
                cinema=cinema.name,
                movie=movie.title,
                day=format_day(day),
            )
        )
    held = punctuation("comma").join(f"{format_day(s)}–{format_day(e)}" for s, e in spans)
    raise RightRefused(
        _l(
            "%(cinema)s holds no screening right for %(movie)s on %(day)s "
            "(its rights cover %(held)s).",
            cinema=cinema.name,
            movie=movie.title,
            day=format_day(day),
            held=held,
        )
    )


# -- granting ---------------------------------------------------------------------------------
def parse_share(value):
    try:
        share = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return share if 0 <= share <= MAX_SHARE else None


def check_right_terms(movie, starts_on, ends_on, share):
    """Refuse a right for an offline film, with its dates reversed, or with a share out of
    0–100 %."""
    if movie is None or starts_on is None or ends_on is None:
        raise RightRefused(_l("A screening right needs a movie, a first and a last day."))
    if movie.status == "offline":
        raise RightRefused(
            _l(
                "Movie %(movie)s is offline; no screening right can be granted for it.",
                movie=movie.title,
            )
        )
    if ends_on < starts_on:
        raise RightRefused(
            _l(
                "A screening right cannot end (%(end)s) before it starts (%(start)s).",
                end=format_day(ends_on),
                start=format_day(starts_on),
            )
        )
    if parse_share(share) is None:
        raise RightRefused(_l("The distributor's share must be between 0 and 100 percent."))


def overlapping_rights(session, movie_id, cinema_ids, starts_on, ends_on, exclude_id=None):
    """Rights already held for the film at those cinemas that share a day with the range."""
    query = (
        select(ScreeningRight)
        .where(
            ScreeningRight.movie_id == movie_id,
            ScreeningRight.cinema_id.in_(list(cinema_ids)),
            ScreeningRight.starts_on <= ends_on,
            ScreeningRight.ends_on >= starts_on,
        )
        .order_by(ScreeningRight.cinema_id, ScreeningRight.starts_on)
    )
    if exclude_id is not None:
        query = query.where(ScreeningRight.id != exclude_id)
    return session.scalars(query).all()


def describe_overlap(right):
    return str(
        _l(
            "%(cinema)s already holds a right for %(movie)s from %(start)s to %(end)s.",
            cinema=right.cinema.name,
            movie=right.movie.title,
            start=format_day(right.starts_on),
            end=format_day(right.ends_on),
        )
    )


def check_right(session, right):
    """Every rule of one right (the form's path): terms, and no overlap with another."""
    with session.no_autoflush:
        movie = right.movie or (session.get(Movie, right.movie_id) if right.movie_id else None)
        cinema_id = right.cinema.id if right.cinema is not None else right.cinema_id
        if cinema_id is None:
            raise RightRefused(_l("A screening right needs a cinema."))
        check_right_terms(movie, right.starts_on, right.ends_on, right.distributor_share)
        overlaps = overlapping_rights(
            session, movie.id, [cinema_id], right.starts_on, right.ends_on, exclude_id=right.id
        )
    if overlaps:
        raise RightRefused(describe_overlap(overlaps[0]))


class GrantRefused(RightRefused):
    """A bulk grant refused: every problem found, no right granted."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def grant_rights(session, movie, cinemas, starts_on, ends_on, share):
    """One right per cinema, all or none; raises GrantRefused listing every problem."""
    check_right_terms(movie, starts_on, ends_on, share)
    cinemas = sorted({c.id: c for c in cinemas}.values(), key=lambda c: c.name)
    if not cinemas:
        raise RightRefused(_l("Choose a city with cinemas, or at least one cinema."))
    problems = [
        describe_overlap(r)
        for r in overlapping_rights(session, movie.id, [c.id for c in cinemas], starts_on, ends_on)
    ]
    if problems:
        raise GrantRefused(problems)
    rights = [
        ScreeningRight(
            movie=movie,
            cinema=c,
            starts_on=starts_on,
            ends_on=ends_on,
            distributor_share=parse_share(share),
        )
        for c in cinemas
    ]
    session.add_all(rights)
    return rights


# -- rights about to end with shows after them ------------------------------------------------
def ending_with_later_shows(today=None):
    """SQL condition: the right ends within EXPIRY_WARNING_DAYS of `today` while a show of
    its film at its cinema is scheduled after its end and no other right covers that show."""
    today = today or date.today()
    other = aliased(ScreeningRight)
    show_day = func.date(Schedule.starts_at)
    covered_elsewhere = exists(
        select(other.id)
        .where(
            other.id != ScreeningRight.id,
            other.movie_id == ScreeningRight.movie_id,
            other.cinema_id == ScreeningRight.cinema_id,
            other.starts_on <= show_day,
            other.ends_on >= show_day,
        )
        .correlate(ScreeningRight, Schedule)
    )
    later_show = exists(
        select(Schedule.id)
        .join(Hall, Hall.id == Schedule.hall_id)
        .where(
            Schedule.movie_id == ScreeningRight.movie_id,
            Hall.cinema_id == ScreeningRight.cinema_id,
            Schedule.status != "cancelled",
            show_day > ScreeningRight.ends_on,
            ~covered_elsewhere,
        )
        .correlate(ScreeningRight)
    )
    return and_(
        ScreeningRight.ends_on >= today,
        ScreeningRight.ends_on <= today + timedelta(days=EXPIRY_WARNING_DAYS),
        later_show,
    )
