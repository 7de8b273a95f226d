"""Concurrent sales, refunds and cancelling through the real forms: no seat sold twice.

Each request runs in its own thread with its own test client, app context, session and
database connection (tests/test_scheduling_concurrency.py's helpers). On MariaDB the UNIQUE
key (schedule_id, live_seat_id) arbitrates between InnoDB transactions; on SQLite the
database's single writer does.
"""

import re

import pytest
from sqlalchemy import func, select

from portal import access
from portal.extensions import db
from portal.models import Order, Schedule, Seat, Ticket

from .conftest import csrf_from, page_messages
from .test_scheduling_concurrency import fire_together, form_page, settle, signed_in_client

SALES = 50
HALL = "\n".join(["SSSSSSSSSS"] * 4)  # 40 standard seats


def seat_ids(show):
    return db.session.scalars(
        select(Seat.id)
        .where(Seat.layout_id == show.seat_layout_id)
        .order_by(Seat.row_no, Seat.col_no)
    ).all()


def sale_post(app, client, show, seats):
    """The counter sale as a seller sends it: the seat map's form, the review page's token;
    a zero-argument callable that confirms the sale (for fire_together)."""
    page = form_page(app, client, f"/admin/schedule/seats/?id={show.id}")
    data = {"csrf_token": csrf_from(page), "seat": [str(s) for s in seats]}
    with app.app_context():
        review = client.post(f"/admin/schedule/seats/review/?id={show.id}", data=data)
    assert review.status_code == 200, page_messages(review.text)
    token = re.search(
        r'name="sale_token" type="hidden" value="([^"]+)"|'
        r'id="sale_token" name="sale_token" type="hidden" value="([^"]+)"',
        review.text,
    )
    data["sale_token"] = next(g for g in token.groups() if g)
    url = f"/admin/schedule/seats/sell/?id={show.id}"
    return lambda: client.post(url, data=data)


def live_by_seat(show):
    return dict(
        db.session.execute(
            select(Ticket.seat_id, func.count())
            .where(Ticket.schedule_id == show.id, Ticket.live_seat_id.is_not(None))
            .group_by(Ticket.seat_id)
        ).all()
    )


def flashed(app, client, response):
    with app.app_context():
        return " ".join(page_messages(client.get(response.headers["Location"]).text))


@pytest.fixture()
def seller(app_ctx, make):
    show = make.show_on_sale(layout=HALL)
    user = make.user(access.BOX_OFFICE, cinemas=[show.hall.cinema])
    return show, user


def test_fifty_concurrent_overlapping_sales_sell_each_seat_at_most_once(app_ctx, make, seller):
    show, user = seller
    seats = seat_ids(show)
    # Sale n wants seats n, n+1 and n+5 (mod 40): every sale overlaps several others.
    wanted = [{seats[n % 40], seats[(n + 1) % 40], seats[(n + 5) % 40]} for n in range(SALES)]
    clients = [signed_in_client(app_ctx, user) for _ in range(SALES)]
    posts = [sale_post(app_ctx, c, show, w) for c, w in zip(clients, wanted, strict=True)]
    settle()

    responses = fire_together(posts)

    assert all(r.status_code == 302 for r in responses), sorted({r.status_code for r in responses})
    won = [n for n, r in enumerate(responses) if "/admin/order/tickets/" in r.location]
    lost = [n for n in range(SALES) if n not in won]
    settle()
    assert max(live_by_seat(show).values()) == 1
    orders = db.session.scalars(select(Order).where(Order.schedule_id == show.id)).all()
    assert len(orders) == len(won) >= 1
    sold_sets = sorted(sorted(t.seat_id for t in o.tickets) for o in orders)
    assert sold_sets == sorted(sorted(wanted[n]) for n in won)  # a winner got all it asked
    assert sum(live_by_seat(show).values()) == 3 * len(won)  # a loser sold nothing
    for n in lost:
        assert "were just sold" in flashed(app_ctx, clients[n], responses[n])


def test_a_refund_and_a_sale_of_the_same_seat_at_once_leave_one_live_ticket(app_ctx, make, seller):
    show, user = seller
    manager = make.user(access.CINEMA_MANAGER, cinemas=[show.hall.cinema])
    seats = seat_ids(show)
    refunder, selling_client = (signed_in_client(app_ctx, manager), signed_in_client(app_ctx, user))
    outcomes = []
    for seat in seats[:8]:
        sale = sale_post(app_ctx, selling_client, show, [seat])  # reviewed while free
        order = make.online_order(show, [db.session.get(Seat, seat)])
        page = form_page(app_ctx, refunder, f"/admin/order/details/?id={order.id}")
        refund_data = {"csrf_token": csrf_from(page), "whole": "1"}
        settle()

        url = f"/admin/order/refund/?id={order.id}"
        refund, sold = fire_together(
            [lambda url=url, data=refund_data: refunder.post(url, data=data), sale]
        )

        settle()
        assert refund.status_code == sold.status_code == 302
        assert "refunded" in flashed(app_ctx, refunder, refund)
        db.session.expire_all()
        assert db.session.get(Order, order.id).status == "refunded"
        live = db.session.scalars(
            select(Ticket).where(Ticket.schedule_id == show.id, Ticket.live_seat_id == seat)
        ).all()
        assert len(live) <= 1
        sale_won = "/admin/order/tickets/" in sold.location
        assert len(live) == (1 if sale_won else 0)
        if not sale_won:
            assert "were just sold" in flashed(app_ctx, selling_client, sold)
        outcomes.append(sale_won)


def test_cancelling_a_show_during_sales_leaves_no_live_ticket(app_ctx, make, seller):
    show, user = seller
    manager = make.user(access.CINEMA_MANAGER, cinemas=[show.hall.cinema])
    seats = seat_ids(show)
    clients = [signed_in_client(app_ctx, user) for _ in range(10)]
    posts = [
        sale_post(app_ctx, c, show, [seats[2 * n], seats[2 * n + 1]]) for n, c in enumerate(clients)
    ]
    canceller = signed_in_client(app_ctx, manager)
    page = form_page(app_ctx, canceller, "/admin/schedule/")
    cancel = {"csrf_token": csrf_from(page), "action": "cancel", "rowid": str(show.id)}
    posts.insert(5, lambda: canceller.post("/admin/schedule/action/", data=cancel))
    settle()

    responses = fire_together(posts)

    assert all(r.status_code == 302 for r in responses)
    settle()
    assert db.session.get(Schedule, show.id).status == "cancelled"
    assert live_by_seat(show) == {}
    statuses = set(db.session.scalars(select(Order.status).where(Order.schedule_id == show.id)))
    assert statuses <= {"refunded"}


def test_cancelling_shows_with_tickets_refunds_all_or_changes_nothing(app_ctx, make, monkeypatch):
    from portal.admin_views import scheduling
    from portal.services.rules import RuleViolation

    cinema = make.cinema()
    first = make.show_on_sale(cinema=cinema)
    second = make.show_on_sale(cinema=cinema)
    for show in (first, second):
        make.online_order(show, [db.session.get(Seat, seat_ids(show)[0])])
    manager = make.user(access.CINEMA_MANAGER, cinemas=[cinema])
    client = signed_in_client(app_ctx, manager)
    real, calls = scheduling.cancel_show, []

    def fails_on_the_second(session, schedule_id):
        calls.append(schedule_id)
        refunded = real(session, schedule_id)
        if len(calls) == 2:
            raise RuleViolation("the payment provider did not answer")
        return refunded

    monkeypatch.setattr(scheduling, "cancel_show", fails_on_the_second)
    page = form_page(app_ctx, client, "/admin/schedule/")
    data = {
        "csrf_token": csrf_from(page),
        "action": "cancel",
        "rowid": [str(first.id), str(second.id)],
    }
    with app_ctx.app_context():
        response = client.post("/admin/schedule/action/", data=data, follow_redirects=True)

    assert "Nothing was changed" in " ".join(page_messages(response.text))
    settle()
    assert {db.session.get(Schedule, s.id).status for s in (first, second)} == {"on_sale"}
    assert live_by_seat(first) and live_by_seat(second)
    assert set(db.session.scalars(select(Order.status))) == {"paid"}

    monkeypatch.setattr(scheduling, "cancel_show", real)
    page = form_page(app_ctx, client, "/admin/schedule/")
    data["csrf_token"] = csrf_from(page)
    with app_ctx.app_context():
        response = client.post("/admin/schedule/action/", data=data, follow_redirects=True)
    assert "2 sold tickets refunded" in " ".join(page_messages(response.text))
    settle()
    assert not live_by_seat(first) and not live_by_seat(second)
