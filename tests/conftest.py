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
from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal import create_app, memo
from portal.extensions import db
from portal.services.accounts import sync_permissions
from portal.services.pricing import seed_ticket_types

from . import factories
from .mailbox import start_smtp_server


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
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        UPLOADS_DEST=str(base / "uploads"),
        RATELIMIT_STORAGE_URI="memory://",
    )
    if url.startswith("mysql"):
        _reset_mysql_schema(app)
    app.test_client_class = RequestClient
    event.listen(Session, "deleted_to_detached", _remember_deleted_row)
    with app.app_context():
        upgrade()
    yield app
    event.remove(Session, "deleted_to_detached", _remember_deleted_row)
    with app.app_context():
        db.engine.dispose()


class RequestClient(FlaskClient):
    """Runs each request as a server does: in its own app context and database session,
    never in the test's (`g`, the signed-in user and the locale start afresh every time).

    Around a request the test's own session hands over: what the test set up is committed
    (the request must see it), and what it had read is expired (the request may change it).
    A streamed response (exports) is read inside the request's context, as a server reads
    it before the request ends: whole (`buffered`), unless the test reads it itself.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        _hand_over_test_session()
        context = contextvars.Context()
        try:
            response = context.run(super().open, *args, **kwargs)
            response.response = _ReadInContext(context, response.response)
            return response
        finally:
            _hand_over_test_session()


class _ReadInContext:
    """A response body whose every read (and close) runs in the request's context."""

    def __init__(self, context, body):
        self.context, self.body, self.items = context, body, iter(body)

    def __iter__(self):
        return self

    def __next__(self):
        return self.context.run(next, self.items)

    def close(self):
        close = getattr(self.body, "close", None)
        if close is not None:
            self.context.run(close)


def _hand_over_test_session():
    """Commit the test's session (which expires what it read). A row a request deleted
    leaves the test's session, its id still readable, as a caller's detached object."""
    if not has_app_context():
        return
    session = db.session()
    session.commit()
    while _deleted_by_requests:
        key = _deleted_by_requests.pop()
        row = session.identity_map.get(key)
        if row is not None:
            state = inspect(row)
            for column, value in zip(state.mapper.primary_key, key[1], strict=True):
                set_committed_value(row, state.mapper.get_property_by_column(column).key, value)
            session.expunge(row)


_deleted_by_requests = set()


def _remember_deleted_row(_session, instance):
    _deleted_by_requests.add(inspect(instance).key)


TABLES_IN_DELETE_ORDER = (
    "audit_log",
    "user_session",
    "login_failure",
    "account_token",
    "recovery_code",
    "ticket",
    "ticket_order",
    "customer",
    "schedule_price",
    "box_office_rollup",
    "box_office_show",
    "schedule",
    "seat",
    "seat_layout",
    "price_card_rule",
    "price_card",
    "ticket_type",
    "screening_right",
    "user_cinema",
    "user_role",
    "hall",
    "cinema",
    "city",
    "movie",
    '"user"',
    "role_permission",
    "role",
    "permission",
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


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return next(g for g in match.groups() if g)


@pytest.fixture()
def login_as(client, make):
    """Sign in through the real form (CSRF on) as a new user of `role`; returns the user."""

    def sign_in(role_or_user, cinemas=(), password=factories.PASSWORD):
        user = (
            role_or_user
            if not isinstance(role_or_user, str)
            else make.user(role_or_user, cinemas=cinemas, password=password)
        )
        # Signed in already? /login redirects to the dashboard, whose sign-out form has a token.
        client.post(
            "/logout",
            data={"csrf_token": csrf_from(client.get("/login", follow_redirects=True).text)},
        )
        page = client.get("/login")
        response = client.post(
            "/login",
            data={
                "csrf_token": csrf_from(page.text),
                "username": user.username,
                "password": password,
            },
        )
        assert response.status_code == 302, response.text[:500]
        return user

    return sign_in


@pytest.fixture(scope="session")
def smtp_server():
    mailbox, controller = start_smtp_server()
    yield mailbox, controller
    controller.stop()


@pytest.fixture()
def mailbox(app, smtp_server, monkeypatch):
    """The portal sends its mail to a real SMTP server on a loopback port; the mailbox
    holds what arrived during this test."""
    box, controller = smtp_server
    box.clear()
    for key, value in (
        ("MAIL_BACKEND", "smtp"),
        ("MAIL_SERVER", controller.hostname),
        ("MAIL_PORT", controller.port),
    ):
        monkeypatch.setitem(app.config, key, value)
    return box


def page_messages(html):
    """Flashed messages and field errors on a page, as plain text (for assertions)."""
    alerts = re.findall(r'class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', html, re.S)
    errors = re.findall(
        r"<li>(.*?)</li>",
        "".join(re.findall(r'class="form-text text-danger[^"]*">(.*?)</ul>', html, re.S)),
        re.S,
    )
    feedback = re.findall(r'class="invalid-feedback">(.*?)</div>', html, re.S)
    clean = [re.sub(r"<[^>]+>|&times;", "", m).strip() for m in alerts + errors + feedback]
    return [m for m in clean if m]


@pytest.fixture()
def english(client):
    """Choose English for the rest of the test (the portal's default is Simplified Chinese)."""
    client.get("/login?lang=en")
    return client


@pytest.fixture()
def ten_in_the_morning(monkeypatch):
    """Pin the cinemas' clock at 10:00 today, so "a show later today" exists at any hour the
    suite runs (sales, the dashboard and the box office read `selling.local_now`)."""
    from portal.services import selling

    real = selling.local_now
    pinned = lambda: real().replace(hour=10, minute=0, second=0, microsecond=0)  # noqa: E731
    monkeypatch.setattr(selling, "local_now", pinned)
    return pinned
