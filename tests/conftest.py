"""Fixtures: one app and one migrated database per test session, emptied after each test.

SQLite (a temporary file) by default; MySQL/MariaDB when PORTAL_TEST_DATABASE_URL is set.
A test's app context (`app_ctx`) is for its setup and assertions; every request of the test
client runs in a context of its own, as on a server (RequestClient).
"""
import contextvars
import os
import re

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import inspect, text
from sqlalchemy.orm.attributes import set_committed_value

from portal import create_app, memo
from portal.extensions import db
from portal.services.accounts import sync_permissions
from portal.services.pricing import seed_ticket_types

from . import factories


def pytest_report_header(config):
    url = os.environ.get("PORTAL_TEST_DATABASE_URL") or "SQLite (temporary file)"
    return f"portal database: {url}"


def _reset_mysql_schema(app):
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in inspect(conn).get_table_names():
            conn.execute(text(f"DROP TABLE `{table}`"))
        conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("portal")
    url = os.environ.get("PORTAL_TEST_DATABASE_URL") or f"sqlite:///{base / 'test.db'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOADS_DEST=str(base / "uploads"),
                     RATELIMIT_STORAGE_URI="memory://")
    if url.startswith("mysql"):
        _reset_mysql_schema(app)
    app.test_client_class = RequestClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class RequestClient(FlaskClient):
    """Runs each request as a server does: in its own app context and database session,
    never in the test's (`g`, the signed-in user and the locale start afresh every time).

    Around a request the test's own session hands over: what the test set up is committed
    (the request must see it), and what it had read is expired (the request may change it).
    """

    def open(self, *args, **kwargs):
        _hand_over_test_session()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            _hand_over_test_session()


def _hand_over_test_session():
    """Commit the test's session, then expire what it read, keeping each row's id readable
    (a test may ask `movie.id` of a row the request deleted, as a caller would of a
    detached object)."""
    if not has_app_context():
        return
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    for obj in list(session.identity_map.values()):
        state = inspect(obj)
        keys = [state.mapper.get_property_by_column(column).key
                for column in state.mapper.primary_key]
        session.expire(obj)
        for key, value in zip(keys, state.identity, strict=True):
            set_committed_value(obj, key, value)


TABLES_IN_DELETE_ORDER = (
    "audit_log", "user_session", "login_failure", "ticket", "ticket_order", "customer",
    "schedule_price", "box_office_show", "schedule", "seat", "seat_layout", "price_card_rule",
    "price_card",
    "ticket_type", "screening_right", "user_cinema", "user_role", "hall", "cinema", "city",
    "movie", '"user"', "role_permission", "role", "permission",
)


def empty_database():
    db.session.remove()
    with db.engine.begin() as conn:
        for table in TABLES_IN_DELETE_ORDER:
            if conn.dialect.name == "mysql":
                table = table.replace('"', "`")
            conn.execute(text(f"DELETE FROM {table}"))
    sync_permissions(db.session)
    seed_ticket_types(db.session)
    db.session.commit()


@pytest.fixture()
def app_ctx(app):
    """An app context around the test's setup and assertions (requests get their own)."""
    with app.app_context():
        empty_database()
        memo.clear(app)
        yield app
        db.session.remove()


@pytest.fixture()
def client(app_ctx):
    from portal.extensions import limiter
    limiter.reset()
    return app_ctx.test_client()


@pytest.fixture()
def runner(app_ctx):
    return app_ctx.test_cli_runner()


@pytest.fixture()
def make(app_ctx):
    """Factories for test data: make.cinema(), make.hall(cinema=...), make.user('auditor')."""
    return factories.Factory(db.session)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'type="hidden" name="csrf_token" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return next(g for g in match.groups() if g)


@pytest.fixture()
def login_as(client, make):
    """Sign in through the real form (CSRF on) as a new user of `role`; returns the user."""

    def sign_in(role_or_user, cinemas=(), password=factories.PASSWORD):
        user = role_or_user if not isinstance(role_or_user, str) else make.user(
            role_or_user, cinemas=cinemas, password=password)
        # Signed in already? /login redirects to the dashboard, whose sign-out form has a token.
        client.post("/logout", data={"csrf_token": csrf_from(
            client.get("/login", follow_redirects=True).text)})
        page = client.get("/login")
        response = client.post("/login", data={
            "csrf_token": csrf_from(page.text), "username": user.username, "password": password,
        })
        assert response.status_code == 302, response.text[:500]
        return user

    return sign_in


def page_messages(html):
    """Flashed messages and field errors on a page, as plain text (for assertions)."""
    alerts = re.findall(r'class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', html, re.S)
    errors = re.findall(r'<li>(.*?)</li>', "".join(
        re.findall(r'class="form-text text-danger[^"]*">(.*?)</ul>', html, re.S)), re.S)
    clean = [re.sub(r"<[^>]+>|&times;", "", m).strip() for m in alerts + errors]
    return [m for m in clean if m]


@pytest.fixture()
def english(client):
    """Choose English for the rest of the test (the portal's default is Simplified Chinese)."""
    client.get("/login?lang=en")
    return client
