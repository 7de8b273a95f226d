"""Concurrent requests cannot double-book a hall or lose an edit.

Each request runs in its own thread, with its own test client, app context, session and
database connection, against the one app; a barrier releases them together. On MariaDB they
prove the hall lock (SELECT ... FOR UPDATE) and the locking overlap query under REPEATABLE READ,
where every request has read, and so fixed its snapshot, before it reaches the lock. On SQLite
(a temporary file, so really several connections) they prove that the hall "lock" takes the
database's write lock before the overlap check, not after it.
"""

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal import access
from portal.extensions import db
from portal.models import AuditLog, Schedule

from .conftest import csrf_from, page_messages
from .factories import PASSWORD

REQUESTS = 24
DAY = dt.date(2030, 5, 6)
TEN = dt.datetime.combine(DAY, dt.time(10, 0))


def signed_in_client(app, user):
    """A test client with its own cookie session, signed in as `user` (English messages)."""
    client = app.test_client()
    page = client.get("/login?lang=en")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    return client


def form_page(app, client, url):
    page = client.get(url)
    assert page.status_code == 200
    return page.text


def fire_together(posts):
    """Run every zero-argument callable in its own thread, released at once; their results."""
    barrier = threading.Barrier(len(posts))

    def run(post):
        barrier.wait(timeout=30)
        return post()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(run, posts))


def post_later(client, url, data):
    """A zero-argument callable posting `data` to `url` as `client` (for fire_together)."""
    return lambda: client.post(url, data=data)


def stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture()
def clients(app_ctx, make):
    """REQUESTS signed-in clients of one cinema's manager, and that cinema's hall."""
    hall = make.hall()
    manager = make.user(access.CINEMA_MANAGER, cinemas=[hall.cinema])
    return hall, [signed_in_client(app_ctx, manager) for _ in range(REQUESTS)]


def settle():
    """End the test's own transaction so that it reads what the requests committed."""
    db.session.rollback()


def outcomes(responses):
    assert all(r.status_code in (200, 302) for r in responses), sorted(
        {r.status_code for r in responses}
    )
    winners = [r for r in responses if r.status_code == 302]
    losers = [" ".join(page_messages(r.text)) for r in responses if r.status_code == 200]
    return winners, losers


def test_concurrent_overlapping_creates_store_exactly_one(app_ctx, make, clients):
    hall, signed_in = clients
    movie = make.movie()
    make.right(movie, hall.cinema)  # the cinema may show it (tests/test_rights.py)
    url = "/admin/schedule/new/"
    posts = []
    for minute, client in enumerate(signed_in):
        data = {
            "csrf_token": csrf_from(form_page(app_ctx, client, url)),
            "movie": movie.id,
            "hall": hall.id,
            "starts_at": stamp(TEN + dt.timedelta(minutes=minute)),
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
        }
        posts.append(post_later(client, url, data))
    settle()

    winners, losers = outcomes(fire_together(posts))

    settle()
    stored = db.session.query(Schedule).filter_by(hall_id=hall.id).all()
    assert len(stored) == 1
    assert len(winners) == 1 and len(losers) == REQUESTS - 1
    assert all(f"Collides with schedule #{stored[0].id}" in text for text in losers), losers


def test_concurrent_edits_of_one_schedule_let_exactly_one_win(app_ctx, make, clients):
    hall, signed_in = clients
    schedule = make.schedule(hall=hall, starts_at=TEN)
    url = f"/admin/schedule/edit/?id={schedule.id}"
    posts, prices = [], []
    for n, client in enumerate(signed_in):
        page = form_page(app_ctx, client, url)
        version = re.search(
            r'id="form_version" name="form_version" type="hidden" '
            r'value="(\d+)"|name="form_version"[^>]*value="(\d+)"',
            page,
        )
        data = {
            "csrf_token": csrf_from(page),
            "movie": schedule.movie_id,
            "hall": hall.id,
            "starts_at": stamp(TEN),
            "price": f"{10 + n}.00",
            "language_version": "",
            "status": "scheduled",
            "form_version": next(g for g in version.groups() if g),
        }
        posts.append(post_later(client, url, data))
        prices.append(data["price"])
    settle()

    responses = fire_together(posts)
    winners, losers = outcomes(responses)

    settle()
    stored = db.session.get(Schedule, schedule.id)
    assert len(winners) == 1 and len(losers) == REQUESTS - 1
    assert all("Your changes were not saved" in text for text in losers), losers
    winner_price = next(
        price for price, r in zip(prices, responses, strict=True) if r.status_code == 302
    )
    assert str(stored.price) == winner_price and stored.version == 2
    edits = (
        db.session.query(AuditLog)
        .filter_by(model="schedule", object_id=str(schedule.id), action="edit")
        .all()
    )
    assert len(edits) == 1
    assert str(stored.price) in edits[0].changes
    assert all(f"{edits[0].user.username} changed this record" in text for text in losers), losers


def test_concurrent_edits_moving_shows_into_one_slot_let_exactly_one_in(app_ctx, make, clients):
    hall, signed_in = clients
    movie = make.movie()
    make.right(movie, hall.cinema)  # the cinema may show it (tests/test_rights.py)
    shows = [
        make.schedule(hall=hall, movie=movie, starts_at=TEN + dt.timedelta(days=n + 1))
        for n in range(REQUESTS)
    ]
    posts = []
    for show, client in zip(shows, signed_in, strict=True):
        url = f"/admin/schedule/edit/?id={show.id}"
        data = {
            "csrf_token": csrf_from(form_page(app_ctx, client, url)),
            "movie": movie.id,
            "hall": hall.id,
            "starts_at": stamp(TEN),
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
            "form_version": show.version,
        }
        posts.append(post_later(client, url, data))
    settle()

    winners, losers = outcomes(fire_together(posts))

    settle()
    on_the_day = (
        db.session.query(Schedule)
        .filter(Schedule.hall_id == hall.id, Schedule.starts_at == TEN)
        .all()
    )
    assert len(on_the_day) == 1 and len(winners) == 1
    assert all(f"Collides with schedule #{on_the_day[0].id}" in text for text in losers), losers


def test_concurrent_bulk_scheduling_stores_exactly_one_batch(app_ctx, make, clients):
    hall, signed_in = clients
    movie = make.movie()
    make.right(movie, hall.cinema)  # the cinema may show it (tests/test_rights.py)
    url = "/admin/schedule/bulk/"
    posts = []
    for n, client in enumerate(signed_in):
        data = {
            "csrf_token": csrf_from(form_page(app_ctx, client, url)),
            "movie": movie.id,
            "hall": hall.id,
            "first_day": DAY.isoformat(),
            "last_day": (DAY + dt.timedelta(days=2)).isoformat(),
            "start_times": f"10:{n:02d}, 19:00",
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
        }
        posts.append(post_later(client, url, data))
    settle()

    winners, losers = outcomes(fire_together(posts))

    settle()
    stored = db.session.query(Schedule).filter_by(hall_id=hall.id).all()
    assert len(winners) == 1 and len(stored) == 6
    assert all("Nothing was created" in text for text in losers), losers
