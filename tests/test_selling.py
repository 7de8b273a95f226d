"""Selling rules (services/selling.py) without HTTP: a counter sale, the key that keeps a seat
sold once, bad sales refused whole, refunds, cancelling a show with sold tickets.

The hall of `make.show_on_sale()` (PRODUCT.md's text form), front row first:
    SSSS.SSSS   row 1: standard seats 1-8
    CCCC.VVXW   row 2: couple pairs 1+2 and 3+4, VIP 5 and 6, blocked 7, wheelchair 8
"""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AuditLog, Order, Schedule, Seat, Ticket
from portal.services import selling
from portal.services.pricing import reprice
from portal.services.rules import RuleViolation
from portal.services.scheduling import prepare_schedule

from .factories import ticket_type


@pytest.fixture()
def ctx(app_ctx):
    """Messages are translated per request: the rules run inside one (English by default)."""
    with app_ctx.test_request_context(headers={"Accept-Language": "en"}):
        yield app_ctx


def seats(show):
    """The show's seats by the label a ticket prints: seats(show)["2排1座"]."""
    rows = db.session.scalars(select(Seat).where(Seat.layout_id == show.seat_layout_id))
    return {seat.ticket_label: seat for seat in rows}


def ids(show, *labels):
    by_label = seats(show)
    return [str(by_label[label].id) for label in labels]


def sell(show, labels, types=None, token="t-1", user=None):
    """A counter sale of the seats named by `labels`, committed; the order."""
    by_label = seats(show)
    type_of = {
        str(by_label[label].id): str(ticket_type(db.session, code).id)
        for label, code in (types or {}).items()
    }
    order = selling.sell_at_counter(
        db.session, show.id, ids(show, *labels), type_of, user.id if user else None, token
    )
    db.session.commit()
    return order


def live_tickets(show):
    return db.session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.schedule_id == show.id, Ticket.live_seat_id.is_not(None))
    )


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


# -- a sale ---------------------------------------------------------------------------------
def test_sale_is_one_paid_counter_order_with_a_ticket_per_seat(ctx, make):
    show = make.show_on_sale()
    seller = make.user("box_office", cinemas=[show.hall.cinema])

    order = sell(show, ["1排1座", "2排5座"], {"1排1座": "student"}, user=seller)

    assert (order.channel, order.status, order.customer_id) == ("counter", "paid", None)
    assert order.cinema_id == show.hall.cinema_id and order.sold_by_user_id == seller.id
    assert order.amount == Decimal("115.00")  # student standard 35 + adult VIP 80
    assert sorted((t.seat.ticket_label, t.price, t.status) for t in order.tickets) == [
        ("1排1座", Decimal("35.00"), "sold"),
        ("2排5座", Decimal("80.00"), "sold"),
    ]
    assert all(len(t.code) == 12 for t in order.tickets)
    assert order.paid_at is not None and order.order_no.startswith("G")


def test_couple_seats_sell_as_a_pair(ctx, make):
    show = make.show_on_sale()
    order = sell(show, ["2排1座", "2排2座"])
    assert len(order.tickets) == 2 and order.amount == Decimal("100.00")


def test_the_database_refuses_a_second_live_ticket_for_a_seat(ctx, make):
    show = make.show_on_sale()
    order = sell(show, ["1排1座"])
    seat = order.tickets[0].seat_id
    db.session.add(
        Ticket(
            order_id=order.id,
            schedule_id=show.id,
            seat_id=seat,
            live_seat_id=seat,
            ticket_type_id=order.tickets[0].ticket_type_id,
            price=Decimal("1.00"),
            status="sold",
            code="DUPLICATE000",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert live_tickets(show) == 1


def test_a_refunded_seat_sells_again(ctx, make):
    show = make.show_on_sale()
    first = sell(show, ["1排1座"], token="first")
    selling.refund(db.session, first.id)
    db.session.commit()

    again = sell(show, ["1排1座"], token="again")

    assert again.tickets[0].seat_id == first.tickets[0].seat_id
    assert live_tickets(show) == 1 and count(Ticket) == 2


def test_a_seat_sold_meanwhile_is_named_and_nothing_of_the_sale_is_sold(ctx, make):
    show = make.show_on_sale()
    sell(show, ["1排2座"], token="first")
    with pytest.raises(selling.SeatsTaken) as refused:
        sell(show, ["1排1座", "1排2座", "1排3座"], token="second")
    db.session.rollback()
    assert refused.value.labels == ["1排2座"]
    assert count(Order) == 1 and live_tickets(show) == 1


def test_a_lost_race_at_the_key_rolls_the_whole_sale_back(ctx, make, monkeypatch):
    """The check before the insert sees nothing (the other sale has not committed when it
    looks); the key refuses the insert; the sale names the seat and keeps nothing."""
    show = make.show_on_sale()
    sell(show, ["1排2座"], token="winner")
    real = selling.sold_seat_ids
    calls = []

    def blind_first_look(session, schedule_id, seat_ids=None):
        calls.append(1)
        return set() if len(calls) == 1 else real(session, schedule_id, seat_ids)

    monkeypatch.setattr(selling, "sold_seat_ids", blind_first_look)
    with pytest.raises(selling.SeatsTaken) as refused:
        sell(show, ["1排1座", "1排2座"], token="loser")
    assert refused.value.labels == ["1排2座"]
    assert count(Order) == 1 and live_tickets(show) == 1


def test_the_same_sale_form_sent_twice_sells_once(ctx, make):
    show = make.show_on_sale()
    first = sell(show, ["1排1座"], token="same-form")
    with pytest.raises(selling.AlreadySold) as again:
        sell(show, ["1排1座"], token="same-form")
    db.session.rollback()
    assert again.value.order.id == first.id and count(Order) == 1


# -- bad sales, each refused whole --------------------------------------------------------------
BAD_SALES = {
    "a blocked seat": (["2排7座"], None, "Blocked seats are never sold"),
    "half a couple pair": (["2排1座"], None, "Couple seats sell as a pair"),
    "a ticket type without a price": (
        ["1排1座"],
        {"1排1座": "child"},
        "no price for the ticket type",
    ),
}


@pytest.mark.parametrize("case", BAD_SALES)
def test_bad_sale_is_refused_with_a_message_and_sells_nothing(ctx, make, case):
    show = make.show_on_sale()
    labels, types, message = BAD_SALES[case]
    with pytest.raises(selling.SaleRefused, match=message):
        sell(show, labels, types)
    db.session.rollback()
    assert count(Order) == 0 and count(Ticket) == 0


def refused_raw(show, seat_ids, message, token="t"):
    with pytest.raises(selling.SaleRefused, match=message):
        selling.sell_at_counter(db.session, show.id, seat_ids, {}, None, token)
    db.session.rollback()
    assert count(Order) == 0 and count(Ticket) == 0


def test_zero_seats_are_refused(ctx, make):
    refused_raw(make.show_on_sale(), [], "Pick at least one seat")


def test_five_hundred_seats_are_refused(ctx, make):
    show = make.show_on_sale()
    refused_raw(show, [str(n) for n in range(1, 501)], "At most 50 seats")


def test_a_seat_twice_in_one_sale_is_refused(ctx, make):
    show = make.show_on_sale()
    seat = ids(show, "1排1座")[0]
    refused_raw(show, [seat, seat], "picked twice")


def test_a_seat_of_another_hall_is_refused(ctx, make):
    show, other = make.show_on_sale(), make.show_on_sale()
    refused_raw(show, ids(show, "1排1座") + ids(other, "1排2座"), "not seats of this show")


def test_a_seat_that_is_no_number_is_refused(ctx, make):
    refused_raw(make.show_on_sale(), ["1排1座"], "not seats of this show")


def test_a_started_show_sells_nothing(ctx, make):
    show = make.show_on_sale(starts_at=selling.local_now() - dt.timedelta(minutes=1))
    refused_raw(show, ids(show, "1排1座"), "has started")


def test_a_cancelled_show_sells_nothing(ctx, make):
    show = make.show_on_sale(status="cancelled")
    refused_raw(show, ids(show, "1排1座"), "cancelled")


def test_a_show_not_yet_on_sale_sells_nothing(ctx, make):
    show = make.show_on_sale(status="scheduled")
    refused_raw(show, ids(show, "1排1座"), "not on sale yet")


def test_a_sale_without_its_form_token_is_refused(ctx, make):
    show = make.show_on_sale()
    refused_raw(show, ids(show, "1排1座"), "expired", token="")


# -- refunds --------------------------------------------------------------------------------
def test_refunding_some_tickets_leaves_the_order_partially_refunded(ctx, make):
    show = make.show_on_sale()
    order = sell(show, ["1排1座", "1排2座"])
    first = order.tickets[0]

    selling.refund(db.session, order.id, [first.id])
    db.session.commit()

    assert order.status == "partially_refunded"
    assert (first.status, first.live_seat_id) == ("refunded", None)
    selling.refund(db.session, order.id)
    db.session.commit()
    assert order.status == "refunded" and live_tickets(show) == 0


def test_a_refund_is_audited(ctx, make):
    show = make.show_on_sale()
    order = sell(show, ["1排1座"])
    selling.refund(db.session, order.id)
    db.session.commit()
    edits = db.session.scalars(select(AuditLog).where(AuditLog.action == "edit")).all()
    assert {(e.model, e.object_id) for e in edits} >= {
        ("ticket_order", str(order.id)),
        ("ticket", str(order.tickets[0].id)),
    }
    assert any("refunded" in e.changes for e in edits if e.model == "ticket")


def test_a_ticket_already_refunded_is_not_refunded_again(ctx, make):
    show = make.show_on_sale()
    order = sell(show, ["1排1座", "1排2座"])
    first = order.tickets[0].id
    selling.refund(db.session, order.id, [first])
    db.session.commit()
    with pytest.raises(selling.RefundRefused, match="Already refunded"):
        selling.refund(db.session, order.id, [first, order.tickets[1].id])
    db.session.rollback()
    assert order.tickets[1].status == "sold" and order.status == "partially_refunded"


def test_refunds_close_at_the_cutoff_before_the_show(ctx, make):
    starts = (selling.local_now() + dt.timedelta(minutes=60)).replace(microsecond=0)
    show = make.show_on_sale(starts_at=starts)
    order = sell(show, ["1排1座"])
    just_before = starts - dt.timedelta(minutes=30)
    with pytest.raises(selling.RefundRefused, match="30 minutes before"):
        selling.refund(db.session, order.id, now=just_before + dt.timedelta(seconds=1))
    db.session.rollback()
    assert order.status == "paid"
    selling.refund(db.session, order.id, now=just_before)
    db.session.commit()
    assert order.status == "refunded"


def test_the_cutoff_comes_from_the_setting(ctx, make, monkeypatch):
    monkeypatch.setitem(ctx.config, "REFUND_CUTOFF_MINUTES", 120)
    show = make.show_on_sale(starts_at=selling.local_now() + dt.timedelta(minutes=90))
    order = sell(show, ["1排1座"])
    with pytest.raises(selling.RefundRefused, match="120 minutes"):
        selling.refund(db.session, order.id)
    db.session.rollback()


# -- a show with sold tickets ---------------------------------------------------------------
def test_cancelling_a_show_refunds_every_sold_ticket(ctx, make):
    show = make.show_on_sale()
    counter = sell(show, ["1排1座", "1排2座"])
    online = make.online_order(show, [seats(show)["1排3座"]])
    awaiting = make.online_order(show, [seats(show)["1排4座"]], status="awaiting_confirmation")

    refunded = selling.cancel_show(db.session, show.id)
    db.session.commit()

    assert refunded == 4 and live_tickets(show) == 0
    db.session.expire_all()
    assert [counter.status, online.status, awaiting.status] == ["refunded", "refunded", "cancelled"]


@pytest.mark.parametrize("change", ["starts_at", "hall", "movie"])
def test_a_show_with_sold_tickets_keeps_its_movie_hall_and_start(ctx, make, change):
    show = make.show_on_sale()
    sell(show, ["1排1座"])
    if change == "starts_at":
        show.starts_at += dt.timedelta(hours=1)
    elif change == "hall":
        show.hall = make.hall(cinema=show.hall.cinema)
    else:
        movie = make.movie()
        make.right(movie, show.hall.cinema)
        show.movie = movie
    with pytest.raises(RuleViolation, match="has sold tickets"):
        prepare_schedule(db.session, show)
    db.session.rollback()


def test_a_show_whose_tickets_were_all_refunded_may_move(ctx, make):
    show = make.show_on_sale()
    order = sell(show, ["1排1座"])
    selling.refund(db.session, order.id)
    db.session.commit()
    show.starts_at += dt.timedelta(hours=1)
    prepare_schedule(db.session, show)
    db.session.commit()


def test_re_pricing_leaves_a_show_with_sold_tickets_and_its_tickets_alone(ctx, make):
    show = make.show_on_sale()
    make.price_card(show.hall.cinema, rules=[{"ticket_type": "adult", "price": "99.00"}])
    order = sell(show, ["1排1座"])
    repriced, left = reprice(db.session, [show])
    assert (repriced, left) == ([], [show])
    assert order.tickets[0].price == Decimal("50.00")


def test_sold_seats_show_as_sold_on_the_seat_map(ctx, make):
    from portal.services.seating import show_seat_map

    show = make.show_on_sale()
    sell(show, ["1排1座", "2排1座", "2排2座"])
    seat_map = show_seat_map(db.session, db.session.get(Schedule, show.id))
    assert seat_map.counts == {"sold": 3, "free": 12, "blocked": 1}


# -- online orders and phones ------------------------------------------------------------------
def test_an_order_awaiting_confirmation_is_marked_paid_with_the_reference(ctx, make):
    show = make.show_on_sale()
    order = make.online_order(show, [seats(show)["1排1座"]], status="awaiting_confirmation")
    with pytest.raises(RuleViolation, match="reference"):
        selling.confirm_payment(db.session, order.id, "  ")
    db.session.rollback()
    selling.confirm_payment(db.session, order.id, "ALIPAY-2026-1")
    db.session.commit()
    assert (order.status, order.payment_ref) == ("paid", "ALIPAY-2026-1")
    assert order.paid_at is not None


def test_phone_numbers_are_masked_to_the_first_three_and_last_four_digits():
    assert selling.mask_phone("13812345678") == "138****5678"
