"""The scheduling rules as plain functions, without HTTP: start times, bulk plans, collisions.

Oracles from PRODUCT.md: shows that are not cancelled never overlap in one hall (a show
ending when the next starts does not overlap), and a bulk plan is every start time on every
day of the range, refused whole when it cannot be what was meant.
"""

import datetime as dt
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Schedule
from portal.services.scheduling import (
    MAX_BULK_DAYS,
    MAX_BULK_SHOWS,
    SchedulingError,
    find_collisions,
    parse_start_times,
    plan_showtimes,
    prepare_schedule,
)

DAY = dt.date(2030, 3, 1)
HOUR = dt.timedelta(hours=1)


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute))


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("10:00, 13:30, 19:00", ["10:00", "13:30", "19:00"]),
        ("19:00 10:00", ["10:00", "19:00"]),
        ("10:00，13:30", ["10:00", "13:30"]),  # a full-width comma, as typed with a Chinese IME
        ("10:00;13:30", ["10:00", "13:30"]),
        ("10:00, 10:00", ["10:00"]),
        ("9:05", ["09:05"]),
        ("", []),
        (None, []),
    ],
)
def test_start_times_are_read_sorted_and_distinct(text, times):
    assert [t.strftime("%H:%M") for t in parse_start_times(text)] == times


@pytest.mark.parametrize("bad", ["25:00", "10:60", "ten", "10h30", "10:00:00", "-1:00"])
def test_a_start_time_that_is_not_one_is_named_in_the_error(bad):
    with pytest.raises(ValueError) as refused:
        parse_start_times(f"10:00, {bad}")
    assert str(refused.value) == bad


def test_a_plan_is_every_start_time_on_every_day_in_order():
    times = [dt.time(10), dt.time(19, 30)]
    plan = plan_showtimes(DAY, DAY + dt.timedelta(days=2), times)
    assert plan == [
        at(10),
        at(19, 30),
        at(10, day=DAY + dt.timedelta(days=1)),
        at(19, 30, day=DAY + dt.timedelta(days=1)),
        at(10, day=DAY + dt.timedelta(days=2)),
        at(19, 30, day=DAY + dt.timedelta(days=2)),
    ]


def test_a_one_day_plan_is_that_days_shows():
    assert plan_showtimes(DAY, DAY, [dt.time(14)]) == [at(14)]


@pytest.mark.parametrize(
    ("first", "last", "times"),
    [
        (DAY, DAY - dt.timedelta(days=1), [dt.time(10)]),  # last day before the first
        (DAY, DAY + dt.timedelta(days=MAX_BULK_DAYS), [dt.time(10)]),  # one day too many
        (DAY, DAY, []),  # no start time
        (
            DAY,
            DAY + dt.timedelta(days=MAX_BULK_DAYS - 1),  # too many shows at once
            [dt.time(h) for h in range(MAX_BULK_SHOWS // MAX_BULK_DAYS + 1)],
        ),
    ],
)
def test_a_plan_that_cannot_be_meant_is_refused_whole(app_ctx, first, last, times):
    with pytest.raises(SchedulingError):
        plan_showtimes(first, last, times)


def test_the_largest_plans_allowed_are_accepted():
    last = DAY + dt.timedelta(days=MAX_BULK_DAYS - 1)
    assert len(plan_showtimes(DAY, last, [dt.time(10)])) == MAX_BULK_DAYS
    per_day = MAX_BULK_SHOWS // MAX_BULK_DAYS
    assert (
        len(plan_showtimes(DAY, last, [dt.time(h) for h in range(per_day)]))
        == per_day * MAX_BULK_DAYS
    )


@pytest.fixture()
def hall_with_a_show(make):
    """A hall with one show 14:00-16:00 (and a cancelled one 18:00-20:00)."""
    hall, movie = make.hall(), make.movie(title="放映中")
    show = make.schedule(hall=hall, movie=movie, starts_at=at(14), ends_at=at(16))
    make.schedule(hall=hall, movie=movie, starts_at=at(18), ends_at=at(20), status="cancelled")
    return hall, show


@pytest.mark.parametrize(
    ("starts", "ends", "collides"),
    [
        (at(13), at(15), True),  # overlaps the start
        (at(15), at(17), True),  # overlaps the end
        (at(14, 30), at(15), True),  # inside
        (at(13), at(17), True),  # around
        (at(12), at(14), False),  # ends as the show starts
        (at(16), at(17), False),  # starts as the show ends
        (at(18, 30), at(19), False),  # over a cancelled show only
    ],
)
def test_collisions_are_the_shows_that_overlap_and_are_not_cancelled(
    hall_with_a_show, starts, ends, collides
):
    hall, show = hall_with_a_show
    found = find_collisions(db.session, hall.id, starts, ends)
    assert [c.schedule_id for c in found] == ([show.id] if collides else [])
    if collides:
        assert found[0].movie_title == "放映中"
        assert (found[0].starts_at, found[0].ends_at) == (at(14), at(16))


def test_a_show_does_not_collide_with_itself_when_excluded(hall_with_a_show):
    hall, show = hall_with_a_show
    assert find_collisions(db.session, hall.id, at(14), at(16), exclude_ids=[show.id]) == []


def test_collisions_are_per_hall(make, hall_with_a_show):
    other_hall = make.hall()
    assert find_collisions(db.session, other_hall.id, at(14), at(16)) == []


def test_a_ten_hour_show_that_began_the_evening_before_still_collides(make):
    """The collision check reads the day before a new show's start (no show lasts a day):
    a 600-minute film, the longest a movie may run, begun at 20:00 still plays at 05:30."""
    hall = make.hall()
    marathon = make.movie(duration_minutes=600)
    late = make.schedule(hall=hall, movie=marathon, starts_at=at(20, day=DAY))
    early_next_day = at(5, 30, day=DAY + dt.timedelta(days=1))

    found = find_collisions(db.session, hall.id, early_next_day, early_next_day + HOUR)

    assert [c.schedule_id for c in found] == [late.id]


def test_a_film_whose_show_would_last_a_day_cannot_be_scheduled(app_ctx, make):
    """A film stored longer than the form allows (an import, the CLI) is refused by the
    rules, with a message, rather than breaking the one-day bound of the collision check."""
    hall = make.hall()
    endless = make.movie(title="无尽之夜", duration_minutes=1430)  # + 15 min clean-up
    make.right(endless, hall.cinema)
    show = Schedule(movie=endless, hall=hall, starts_at=at(10), price=Decimal("45.00"))

    with app_ctx.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(SchedulingError) as refused:
            prepare_schedule(db.session, show)

        assert str(refused.value) == (
            "Movie 无尽之夜 runs 1445 minutes with the clean-up: a show must end within a day."
        )
