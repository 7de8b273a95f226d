"""A list page runs the same number of SQL queries at 25 rows as at 100: no N+1.

Related names (a schedule's movie, hall and cinema; a hall's cinema; a cinema's city; an
audit entry's user) come with the page's own query, a user's roles and cinemas with one
query each; so growing the page never adds queries. See bench/ for the same at 2M rows.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import event

from portal import memo
from portal.extensions import db
from portal.models import AuditLog, Cinema, City, Hall, Movie, Role, Schedule, User

ROWS = 110  # more than the largest page size measured

ADMIN_LISTS = ("movie", "cinema", "hall", "schedule", "city", "user", "auditlog")
MANAGER_LISTS = ("movie", "cinema", "hall", "schedule", "city")
ROW_MARK = re.compile(r'<td class="list-buttons-column">')


def fill_every_list(session):
    """ROWS rows in every list, all inside the first cinema's scope; returns the cinemas."""
    cities = [
        City(name=f"城市{i}", pinyin=f"CHENGSHI{i}", letter="C", city_code=200000 + i)
        for i in range(ROWS)
    ]
    cinemas = [
        Cinema(name=f"影城{i:03}", city=cities[i % 7], address=f"人民路{i}号") for i in range(ROWS)
    ]
    halls = [
        Hall(name=f"{i}号厅", cinema=cinemas[0], seat_rows=10, seat_cols=12) for i in range(ROWS)
    ]
    movies = [
        Movie(
            title=f"电影{i:03}",
            duration_minutes=100,
            status="showing",
            release_date=dt.date(2020, 1, 1),
        )
        for i in range(ROWS)
    ]
    start = dt.datetime(2030, 1, 1, 10, 0)
    schedules = [
        Schedule(
            movie=movies[i],
            hall=halls[i % 5],
            starts_at=start + dt.timedelta(days=i),
            ends_at=start + dt.timedelta(days=i, minutes=115),
            price=Decimal("45.00"),
            status="scheduled",
        )
        for i in range(ROWS)
    ]
    roles = session.query(Role).all()
    users = [
        User(
            username=f"staff{i:03}",
            password_hash="not-a-real-hash",
            roles=[roles[i % len(roles)]],
            cinemas=cinemas[i % 3 : i % 3 + 2],
        )
        for i in range(ROWS)
    ]
    audit = [
        AuditLog(action="edit", model="movie", object_id=str(i), changes="{}", user=users[i])
        for i in range(ROWS)
    ]
    session.add_all(cities + cinemas + halls + movies + schedules + users + audit)
    session.commit()
    return cinemas


@pytest.fixture()
def count_queries(app_ctx):
    """count_queries(client, url) -> (SQL statements the request ran, the page's rows)."""
    seen = []

    def record(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)

    def run(client, url):
        # The test's app context keeps one session across requests: warm it like a worker.
        client.get(url)
        seen.clear()
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        return len(seen), len(ROW_MARK.findall(response.text))

    yield run
    event.remove(db.engine, "before_cursor_execute", record)


def assert_constant(count_queries, client, name):
    small, rows_small = count_queries(client, f"/admin/{name}/?page_size=25")
    large, rows_large = count_queries(client, f"/admin/{name}/?page_size=100")
    assert (rows_small, rows_large) == (25, 100)
    assert large == small, f"{name}: {small} queries at 25 rows, {large} at 100"


@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_admin_list_runs_as_many_queries_at_100_rows_as_at_25(
    name, client, make, login_as, count_queries
):
    fill_every_list(db.session)
    login_as("platform_admin")
    assert_constant(count_queries, client, name)


@pytest.mark.parametrize("name", MANAGER_LISTS)
def test_manager_list_runs_as_many_queries_at_100_rows_as_at_25(
    name, client, make, login_as, count_queries
):
    cinemas = fill_every_list(db.session)
    login_as("cinema_manager", cinemas=cinemas)
    assert_constant(count_queries, client, name)


def test_deep_page_runs_as_many_queries_as_the_first(client, make, login_as, count_queries):
    fill_every_list(db.session)
    login_as("platform_admin")
    first, _ = count_queries(client, "/admin/schedule/")
    deep, rows = count_queries(client, "/admin/schedule/?page=4")
    assert (deep, rows) == (first, ROWS - 4 * 25)


def test_list_stops_counting_at_the_cap_and_says_more_than(
    app, client, make, login_as, monkeypatch
):
    fill_every_list(db.session)
    login_as("platform_admin")
    monkeypatch.setitem(app.config, "PORTAL_COUNT_CAP", 30)
    page = client.get("/admin/movie/?lang=en").text
    assert "(more than 30)" in page


def statements_of(client, url):
    """The SQL a request runs, with the user not yet in the session (as in a new request)."""
    seen = []

    def record(*args):
        seen.append(" ".join(args[2].split()))

    db.session.expunge_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_a_signed_in_request_loads_the_user_and_their_permissions_only(client, make, login_as):
    """Signing in costs two queries per request (the user; their permission codes and
    cinemas), for a manager too; roles and cinemas themselves are not loaded."""
    cinemas = fill_every_list(db.session)
    login_as("platform_admin")
    admin = statements_of(client, "/admin/movie/")
    login_as("cinema_manager", cinemas=cinemas[:1])
    manager = statements_of(client, "/admin/hall/")
    assert len(admin) == 2 + 2, admin
    assert len(manager) == 2 + 2, manager
    assert admin[0].startswith("SELECT user.id")
    assert "permission.code" in manager[1] and "user_cinema.cinema_id" in manager[1]


@pytest.fixture()
def count_cache(app, monkeypatch):
    """The capped-count cache on, with a small cap (both undone afterwards), and empty."""
    monkeypatch.setitem(app.config, "PORTAL_COUNT_CAP", 30)
    monkeypatch.setitem(app.config, "PORTAL_COUNT_CACHE_SECONDS", 60)
    memo.clear(app)
    yield
    memo.clear(app)


def test_a_count_past_the_cap_is_remembered(
    app, client, make, login_as, count_queries, count_cache, monkeypatch
):
    fill_every_list(db.session)
    login_as("platform_admin")
    with monkeypatch.context() as uncached_settings:
        uncached_settings.setitem(app.config, "PORTAL_COUNT_CACHE_SECONDS", 0)
        uncached, _ = count_queries(client, "/admin/movie/?lang=en")
    cached, rows = count_queries(client, "/admin/movie/?lang=en")
    page = client.get("/admin/movie/?lang=en").text
    assert (cached, rows) == (uncached - 1, 25)
    assert "(more than 30)" in page


def test_a_count_below_the_cap_is_exact_on_every_request(
    client, make, login_as, count_queries, count_cache
):
    fill_every_list(db.session)
    login_as("platform_admin")
    first, _ = count_queries(client, "/admin/movie/?search=电影00&lang=en")
    assert "List (10)" in client.get("/admin/movie/?search=电影00&lang=en").text
    make.movie(title="电影00X")
    again, _ = count_queries(client, "/admin/movie/?search=电影00&lang=en")
    assert again == first
    assert "List (11)" in client.get("/admin/movie/?search=电影00&lang=en").text


def test_a_remembered_count_belongs_to_its_cinema_scope(client, make, login_as, count_cache):
    """Two managers' schedule lists share their SQL but not their cinemas: the "more than 30"
    remembered for the first must not answer for the second."""
    cinemas = fill_every_list(db.session)  # every schedule in cinemas[0]
    other = make.cinema()
    hall = make.hall(cinema=other)
    movie = make.movie()
    start = dt.datetime(2031, 1, 1, 10, 0)
    for day in range(3):
        make.schedule(hall=hall, movie=movie, starts_at=start + dt.timedelta(days=day))
    db.session.commit()
    login_as("cinema_manager", cinemas=cinemas[:1])
    assert "(more than 30)" in client.get("/admin/schedule/?lang=en").text
    login_as("cinema_manager", cinemas=[other])
    page = client.get("/admin/schedule/?lang=en").text
    assert "List (3)" in page and "more than" not in page
