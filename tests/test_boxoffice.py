"""Box office figures equal what the tickets add up to (PRODUCT.md), after any mix of sales,
refunds, payments confirmed, unpaid orders cancelled and shows cancelled; kept in the same
transaction by the selling services, and the same again when rebuilt from the tickets.

The oracle sums the tickets themselves (tickets of paid orders, by the day of their show)
and the shows themselves (not cancelled: their sellable seats), never box_office_show.
"""

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    BoxOfficeRollup,
    BoxOfficeShow,
    Cinema,
    Order,
    Schedule,
    ScreeningRight,
    Seat,
    Ticket,
)
from portal.services import boxoffice, selling
from portal.services.boxoffice import ROLLUP_FIGURES
from portal.services.boxoffice_reports import GROUPS, Period, build_report

from .test_scheduling_concurrency import fire_together

CENT = Decimal("0.01")
HALL = "SSSSSSSS\nSSSSSSSS\nSSSSXXSS"  # 22 sellable seats, 2 blocked
COUNTED = ("paid", "partially_refunded", "refunded")


@pytest.fixture()
def ctx(app_ctx):
    with app_ctx.test_request_context(headers={"Accept-Language": "en"}):
        yield app_ctx


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def free_seats(show):
    sold = selling.sold_seat_ids(db.session, show.id)
    return [
        s.id
        for s in db.session.scalars(
            select(Seat)
            .where(Seat.layout_id == show.seat_layout_id, Seat.kind != "blocked")
            .order_by(Seat.id)
        )
        if s.id not in sold
    ]


def world(make):
    """Two cities, two cinemas, two films with different distributor shares, shows over
    three days at different hours."""
    first, second = make.cinema(), make.cinema()
    films = [make.movie(), make.movie()]
    make.right(films[0], first, distributor_share=Decimal("43.00"))
    make.right(films[1], first, distributor_share=Decimal("50.00"))
    make.right(films[0], second, distributor_share=Decimal("41.50"))
    make.right(films[1], second, distributor_share=Decimal("45.00"))
    shows = []
    for cinema in (first, second):
        for n in range(3):
            for film in films:
                shows.append(
                    make.show_on_sale(
                        layout=HALL,
                        cinema=cinema,
                        movie=film,
                        starts_at=dt.datetime(2030, 3, 1 + n, 10 + 4 * films.index(film) + n),
                    )
                )
    db.session.commit()
    return shows


def random_mix(make, shows, rng, steps=60):
    """Counter sales, online orders confirmed or cancelled, refunds, a cancelled show."""
    adult = {"adult"}
    for step in range(steps):
        show = rng.choice(shows)
        db.session.refresh(show)
        if show.status == "cancelled":
            continue
        action = rng.random()
        free = free_seats(show)
        if action < 0.45 and free:
            picked = rng.sample(free, min(len(free), rng.randint(1, 3)))
            types = {str(s): str(_type_id(rng.choice(sorted(adult | {"student"})))) for s in picked}
            selling.sell_at_counter(
                db.session, show.id, [str(s) for s in picked], types, None, f"token-{step}"
            )
        elif action < 0.6 and free:
            seats = db.session.scalars(select(Seat).where(Seat.id.in_(free[:2]))).all()
            order = make.online_order(show, seats, status="awaiting_confirmation")
            if rng.random() < 0.6:
                selling.confirm_payment(db.session, order.id, f"PAY{step}")
            else:
                selling.cancel_unpaid(db.session, selling.lock_order(db.session, order.id))
        elif action < 0.9:
            orders = db.session.scalars(
                select(Order).where(
                    Order.schedule_id == show.id, Order.status.in_(("paid", "partially_refunded"))
                )
            ).all()
            if orders:
                order = rng.choice(orders)
                live = [t.id for t in order.tickets if t.status == "sold"]
                chosen = rng.sample(live, rng.randint(1, len(live)))
                selling.refund(db.session, order.id, chosen, cutoff=False)
        elif step > steps // 2:
            selling.cancel_show(db.session, show.id)
            show.status = "cancelled"
        db.session.commit()


def _type_id(code):
    from .factories import ticket_type

    return ticket_type(db.session, code).id


def oracle(group):
    """{key: figures} summed over the tickets and the shows themselves."""
    figures = defaultdict(lambda: defaultdict(Decimal))
    shows = db.session.scalars(select(Schedule)).all()
    for show in shows:
        key = _key(group, show)
        row = figures[key]
        if show.status != "cancelled":
            row["shows"] += 1
            row["seats"] += show.seat_layout.capacity
        share = _share(show)
        for ticket in db.session.scalars(
            select(Ticket)
            .join(Order)
            .where(Ticket.schedule_id == show.id, Order.status.in_(COUNTED))
        ):
            row["tickets"] += 1
            row["gross"] += ticket.price
            row["share"] += ticket.price * share
            if ticket.status == "refunded":
                row["refunded_tickets"] += 1
                row["refunds"] += ticket.price
                row["share"] -= ticket.price * share
    return figures


def _key(group, show):
    return {
        "day": show.starts_at.date(),
        "cinema": show.hall.cinema_id,
        "city": show.hall.cinema.city_id,
        "movie": show.movie_id,
        "hall": show.hall_id,
        "hour": show.starts_at.hour,
    }[group]


def _share(show):
    from portal.models import ScreeningRight

    day = show.starts_at.date()
    return (
        db.session.scalar(
            select(ScreeningRight.distributor_share).where(
                ScreeningRight.movie_id == show.movie_id,
                ScreeningRight.cinema_id == show.hall.cinema_id,
                ScreeningRight.starts_on <= day,
                ScreeningRight.ends_on >= day,
            )
        )
        / 100
    )


def every_cinema_id():
    return {c.id for c in db.session.scalars(select(Cinema))}


def assert_report_matches_tickets():
    """Both readings: the chain-wide one (every cinema: the rollup) and one of a set of
    cinemas (the shows' rows), here the set of all of them."""
    for scope in (None, every_cinema_id()):
        assert_report_of_scope_matches_tickets(scope)


def assert_report_of_scope_matches_tickets(scope):
    period = Period(dt.date(2030, 3, 1), dt.date(2030, 3, 3), "custom")
    for group in GROUPS:
        expected = oracle(group)
        report = build_report(db.session, period, group, scope)
        got = {row.key: row for row in report.rows}
        assert set(got) == set(expected), group
        for key, want in expected.items():
            row = got[key]
            net_tickets = int(want["tickets"] - want["refunded_tickets"])
            assert (row.tickets, row.refunded_tickets, row.shows, row.seats) == (
                want["tickets"],
                want["refunded_tickets"],
                want["shows"],
                want["seats"],
            ), (group, key)
            assert (row.gross, row.refunds, row.net) == (
                money(want["gross"]),
                money(want["refunds"]),
                money(want["gross"] - want["refunds"]),
            ), (group, key)
            assert row.distributor_share == money(want["share"]), (group, key)
            seats = int(want["seats"])
            assert row.occupancy == (net_tickets / seats if seats else None)
            assert row.average_price == (
                money((want["gross"] - want["refunds"]) / net_tickets) if net_tickets else None
            )
        totals = report.total
        assert totals.tickets == sum(w["tickets"] for w in expected.values())
        assert totals.net == money(sum(w["gross"] - w["refunds"] for w in expected.values()))


def stored_rows():
    return sorted(
        tuple(getattr(r, c.name) for c in BoxOfficeShow.__table__.columns)
        for r in db.session.scalars(select(BoxOfficeShow))
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_every_report_figure_equals_the_sums_over_the_tickets(ctx, make, seed):
    shows = world(make)
    random_mix(make, shows, random.Random(seed))

    assert_report_matches_tickets()


def test_rebuilding_from_the_tickets_gives_the_rows_kept_by_the_sales(ctx, make):
    shows = world(make)
    random_mix(make, shows, random.Random(3))
    kept, kept_rollup = stored_rows(), rollup_rows()

    boxoffice.rebuild(db.session, chunk=2)
    db.session.commit()

    assert stored_rows() == kept
    assert rollup_rows() == kept_rollup
    assert_rollup_matches_the_shows()


def test_a_failed_sale_changes_no_figure(ctx, make):
    show = make.show_on_sale(layout=HALL)
    seat = free_seats(show)[0]
    selling.sell_at_counter(db.session, show.id, [str(seat)], {}, None, "first")
    db.session.commit()
    before = stored_rows()

    with pytest.raises(selling.SaleRefused):
        selling.sell_at_counter(db.session, show.id, [str(seat)], {}, None, "second")
    db.session.rollback()

    assert stored_rows() == before


def test_a_show_written_without_its_row_gets_one_at_its_first_sale(ctx, make):
    show = make.show_on_sale(layout=HALL)
    db.session.execute(BoxOfficeShow.__table__.delete())
    db.session.commit()

    selling.sell_at_counter(db.session, show.id, [str(free_seats(show)[0])], {}, None, "t")
    db.session.commit()

    row = db.session.get(BoxOfficeShow, show.id)
    assert (row.tickets, row.gross, row.seats) == (1, Decimal("50.00"), 22)


def test_changing_a_right_share_changes_the_distributor_share_of_its_shows(ctx, make):
    show = make.show_on_sale(layout=HALL)
    selling.sell_at_counter(db.session, show.id, [str(free_seats(show)[0])], {}, None, "t")
    db.session.commit()
    from portal.models import ScreeningRight

    right = db.session.scalar(
        select(ScreeningRight).where(ScreeningRight.movie_id == show.movie_id)
    )
    right.distributor_share = Decimal("50.00")
    db.session.commit()

    period = Period(show.starts_at.date(), show.starts_at.date(), "custom")
    report = build_report(db.session, period, "movie", None)
    assert report.total.distributor_share == Decimal("25.00")


def test_concurrent_sales_of_one_show_keep_its_figures_exact(ctx, make):
    app_ctx = ctx
    show = make.show_on_sale(layout="\n".join(["SSSSSSSSSS"] * 4))
    seats = free_seats(show)
    db.session.commit()
    show_id, sales = show.id, 20

    errors = sell_all_at_once(
        app_ctx, [(show_id, seats[2 * n : 2 * n + 2], f"c-{n}") for n in range(sales)]
    )

    assert errors == []
    row = db.session.get(BoxOfficeShow, show_id)
    db.session.refresh(row)
    assert (row.tickets, row.gross) == (2 * sales, Decimal("50.00") * 2 * sales)
    assert_report_matches_tickets_for(show)


def sell_all_at_once(app_ctx, sales):
    """Counter sales [(show id, seat ids, token)], each in its own thread and connection,
    released together (fire_together); returns the errors."""

    def sale(show_id, seat_ids, token):
        def run():
            with app_ctx.app_context(), app_ctx.test_request_context():
                try:
                    selling.sell_at_counter(
                        db.session, show_id, [str(s) for s in seat_ids], {}, None, token
                    )
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
                    db.session.rollback()
                    return repr(exc)
                finally:
                    db.session.remove()
            return None

        return run

    errors = fire_together([sale(*planned) for planned in sales])
    db.session.rollback()
    return [error for error in errors if error]


def assert_report_matches_tickets_for(show):
    day = show.starts_at.date()
    report = build_report(db.session, Period(day, day, "custom"), "movie", None)
    tickets = db.session.scalars(select(Ticket).where(Ticket.schedule_id == show.id)).all()
    assert report.total.tickets == len(tickets)
    assert report.total.gross == money(sum(t.price for t in tickets))


def test_a_show_moved_before_it_sells_is_counted_where_it_now_plays(ctx, make):
    show = make.show_on_sale(layout=HALL)
    other_hall = make.hall()
    make.right(show.movie, other_hall.cinema)
    show.hall = other_hall
    show.starts_at = show.starts_at.replace(hour=21)
    db.session.commit()

    row = db.session.get(BoxOfficeShow, show.id)
    db.session.refresh(row)
    assert (row.hall_id, row.cinema_id, row.city_id, row.show_hour) == (
        other_hall.id,
        other_hall.cinema_id,
        other_hall.cinema.city_id,
        21,
    )


# -- the chain-wide rollup ----------------------------------------------------------------------
BY = {"movie": "movie_id", "cinema": "cinema_id", "city": "city_id", "hall": "hall_id"}


def rollup_rows():
    """The rollup's rows that count anything, as {(dimension, day, key): figures}."""
    return {
        (r.dimension, r.show_date, r.group_key): tuple(
            money(getattr(r, n)) if n in ("gross", "refunds") else getattr(r, n)
            for n in ROLLUP_FIGURES
        )
        for r in db.session.scalars(select(BoxOfficeRollup))
        if r.show_rows
    }


def rollup_from_the_shows():
    """The same rows summed here from the shows themselves and their tickets (oracle)."""
    sums = defaultdict(lambda: defaultdict(Decimal))
    for show in db.session.scalars(select(Schedule)):
        live = show.status != "cancelled"
        tickets = db.session.scalars(
            select(Ticket)
            .join(Order)
            .where(Ticket.schedule_id == show.id, Order.status.in_(COUNTED))
        ).all()
        refunded = [t for t in tickets if t.status == "refunded"]
        net = sum((t.price for t in tickets), Decimal(0)) - sum(
            (t.price for t in refunded), Decimal(0)
        )
        day = show.starts_at.date()
        keys = [(d, day, _key(d, show)) for d in BY] + [("hour", day, show.starts_at.hour)]
        for key in keys:
            row = sums[key]
            row["show_rows"] += 1
            row["shows"] += live
            row["seats"] += show.seat_layout.capacity if live else 0
            row["tickets"] += len(tickets)
            row["gross"] += sum((t.price for t in tickets), Decimal(0))
            row["refunded_tickets"] += len(refunded)
            row["refunds"] += sum((t.price for t in refunded), Decimal(0))
            row["share_amount"] += net * _share(show) * 100
    return {
        key: tuple(
            money(row[n])
            if n in ("gross", "refunds")
            else int(row[n])
            if n != "share_amount"
            else row[n]
            for n in ROLLUP_FIGURES
        )
        for key, row in sums.items()
    }


def assert_rollup_matches_the_shows():
    got, want = rollup_rows(), rollup_from_the_shows()
    assert set(got) == set(want)
    for key, figures in want.items():
        assert got[key][:-1] == figures[:-1], key
        assert money(got[key][-1]) == money(figures[-1]), key


def test_the_rollup_follows_sales_refunds_and_every_change_of_a_show(ctx, make):
    shows = world(make)
    random_mix(make, shows, random.Random(4))
    # A show moved to another hall, day and hour; a film's share changed; a cinema moved to
    # another city; a show that sold nothing deleted.
    moved = next(s for s in shows if s.status != "cancelled")
    moved.hall = make.hall(cinema=shows[-1].hall.cinema)
    moved.starts_at = dt.datetime(2030, 3, 2, 21, 30)
    right = db.session.scalar(select(ScreeningRight).order_by(ScreeningRight.id))
    right.distributor_share = Decimal("37.50")
    shows[0].hall.cinema.city = make.city()
    unsold = make.show_on_sale(
        layout=HALL, cinema=shows[0].hall.cinema, starts_at=dt.datetime(2030, 3, 3, 23, 0)
    )
    db.session.commit()
    assert db.session.get(BoxOfficeShow, unsold.id) is not None
    db.session.delete(unsold)
    db.session.commit()

    assert_rollup_matches_the_shows()
    assert_report_matches_tickets()


def test_a_deleted_show_leaves_the_chain_report(ctx, make):
    show = make.show_on_sale(layout=HALL)
    day = show.starts_at.date()
    db.session.commit()
    before = build_report(db.session, Period(day, day, "custom"), "movie", None)
    assert before.total.shows == 1

    db.session.delete(show)
    db.session.commit()

    after = build_report(db.session, Period(day, day, "custom"), "movie", None)
    assert (after.rows, after.total.shows, after.total.tickets) == ([], 0, 0)
    assert rollup_rows() == {}


def test_a_cinema_moved_to_another_city_counts_there_in_the_chain_report(ctx, make):
    show = make.show_on_sale(layout=HALL)
    selling.sell_at_counter(db.session, show.id, [str(free_seats(show)[0])], {}, None, "t")
    db.session.commit()
    new_city = make.city()

    show.hall.cinema.city = new_city
    db.session.commit()

    day = show.starts_at.date()
    report = build_report(db.session, Period(day, day, "custom"), "city", None)
    assert [(row.key, row.tickets, row.gross) for row in report.rows] == [
        (new_city.id, 1, Decimal("50.00"))
    ]


def test_concurrent_sales_of_many_shows_sharing_rollup_rows_lose_nothing(ctx, make):
    """Shows of one film on one day at one hour share their movie, hour and city rows:
    sales of them at once queue on those rows without a deadlock or a lost figure."""
    app_ctx = ctx
    city, film = make.city(), make.movie()
    shows = []
    for n in range(8):
        cinema = make.cinema(city=city)
        make.right(film, cinema)
        shows.append(
            make.show_on_sale(
                layout="SSSSSSSS",
                cinema=cinema,
                movie=film,
                starts_at=dt.datetime(2030, 4, 1, 19, n),
            )
        )
    db.session.commit()
    plan = [
        (show.id, [seat], f"m-{show.id}-{seat}") for show in shows for seat in free_seats(show)[:3]
    ]

    errors = sell_all_at_once(app_ctx, plan)

    assert errors == []
    day = dt.date(2030, 4, 1)
    report = build_report(db.session, Period(day, day, "custom"), "movie", None)
    assert (report.total.tickets, report.total.gross) == (
        len(plan),
        Decimal("50.00") * len(plan),
    )
    assert_rollup_matches_the_shows()
