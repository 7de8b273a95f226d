"""Sessions end for good: signing out, a password change, a deactivation, a change of roles or
cinemas; a copied cookie is refused afterwards. Session protection ignores X-Forwarded-For."""

import datetime as dt
import json

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.models import AuditLog, Role, User, UserSession
from portal.services import sessions

from .conftest import csrf_from, page_messages
from .factories import PASSWORD


def sign_in(client, username, password=PASSWORD, **headers):
    page = client.get("/login", headers=headers)
    response = client.post(
        "/login",
        headers=headers,
        data={"csrf_token": csrf_from(page.text), "username": username, "password": password},
    )
    assert response.status_code == 302, page_messages(response.text)
    return client


def signed_in(client, **headers):
    return client.get("/admin/", headers=headers).status_code == 200


def sign_out(client):
    token = csrf_from(client.get("/admin/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def post_user_form(client, user, **changes):
    """The admin's edit form of `user`, saved with `changes` (form field -> value)."""
    url = f"/admin/user/edit/?id={user.id}"
    data = {
        "username": user.username,
        "email": user.email or "",
        "roles": [str(r.id) for r in user.roles],
        "cinemas": ",".join(str(c.id) for c in user.cinemas),
        "is_active": "y" if user.is_active else "",
        **changes,
    }
    data = {key: value for key, value in data.items() if value != ""}
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url).text), **data})
    assert response.status_code == 302, page_messages(response.text)


def role_id(code):
    return str(db.session.query(Role).filter_by(code=code).one().id)


def test_a_cookie_copied_before_signing_out_is_refused_after_it(app, client, login_as):
    login_as("auditor")
    copied = copy_of(app, client)
    assert signed_in(copied)
    sign_out(client)
    response = copied.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not signed_in(copied)


def test_signing_out_ends_only_that_session(app, client, make):
    user = make.user("auditor")
    laptop, phone = sign_in(client, user.username), sign_in(app.test_client(), user.username)
    sign_out(phone)
    assert signed_in(laptop) and not signed_in(phone)


def test_an_ended_session_is_told_to_sign_in_again(app, english, make):
    user = make.user("auditor")
    sign_in(english, user.username)
    with db.session.no_autoflush:
        sessions.revoke_all(db.session, user.id)
    db.session.commit()
    page = english.get("/admin/", follow_redirects=True)
    assert "Your session has ended. Please sign in again." in page_messages(page.text)


def test_changing_your_own_password_ends_your_other_sessions(app, client, make):
    admin = make.user("platform_admin")
    here, elsewhere = sign_in(client, admin.username), sign_in(app.test_client(), admin.username)
    copied_from_elsewhere, copied_from_here = copy_of(app, elsewhere), copy_of(app, here)
    post_user_form(here, admin, new_password="a-brand-new-password")
    assert signed_in(here)
    assert not signed_in(elsewhere) and not signed_in(copied_from_elsewhere)
    assert not signed_in(copied_from_here)  # this browser goes on under a new token


@pytest.mark.parametrize("change", ["password", "deactivation", "roles", "cinemas"])
def test_an_admin_changing_a_user_ends_all_of_that_users_sessions(
    app, client, make, login_as, change
):
    cinema, other_cinema = make.cinema(), make.cinema()
    user = make.user("cinema_manager", cinemas=[cinema])
    browser = sign_in(app.test_client(), user.username)
    copied = copy_of(app, browser)
    login_as("platform_admin")
    changes = {
        "password": {"new_password": "reset-by-the-admin"},
        "deactivation": {"is_active": ""},
        "roles": {"roles": [role_id("cinema_manager"), role_id("auditor")]},
        "cinemas": {"cinemas": f"{cinema.id},{other_cinema.id}"},
    }[change]
    post_user_form(client, user, **changes)
    assert not signed_in(browser) and not signed_in(copied)
    assert signed_in(client)


def test_editing_only_a_users_email_keeps_their_sessions(app, client, make, login_as):
    user = make.user("auditor")
    browser = sign_in(app.test_client(), user.username)
    login_as("platform_admin")
    post_user_form(client, user, email="new-address@example.com")
    assert signed_in(browser)


def test_a_cookie_from_before_a_deactivation_stays_refused_after_reactivation(
    app, client, make, login_as
):
    user = make.user("auditor")
    browser = sign_in(app.test_client(), user.username)
    login_as("platform_admin")
    post_user_form(client, user, is_active="")
    db.session.expire_all()
    post_user_form(client, db.session.get(User, user.id), is_active="y")
    assert not signed_in(browser)
    assert signed_in(sign_in(app.test_client(), user.username))


def test_a_deactivation_outside_the_admin_views_ends_sessions_too(app, client, make):
    """The CLI, a script or a bulk action: the rule is kept at flush, not in one form."""
    user = make.user("auditor")
    sign_in(client, user.username)
    user.is_active = False
    db.session.commit()
    user.is_active = True
    db.session.commit()
    assert not signed_in(client)


def test_a_forwarded_for_header_neither_ends_the_session_nor_is_taken_as_the_address(
    app, client, make
):
    """Nothing in front of the portal is configured (PORTAL_PROXY_COUNT=0): X-Forwarded-For
    is the client's word, so it is neither the address of the session nor of the audit."""
    user = make.user("auditor")
    sign_in(client, user.username, **{"X-Forwarded-For": "203.0.113.7"})
    assert signed_in(client, **{"X-Forwarded-For": "198.51.100.9"})
    assert signed_in(client)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    login = db.session.query(AuditLog).filter_by(action="login").one()
    assert row.ip == json.loads(login.changes)["ip"] == "127.0.0.1"


def test_a_configured_proxy_count_believes_that_many_forwarded_addresses(
    app, client, make, monkeypatch
):
    from portal import _init_proxies

    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    monkeypatch.setitem(app.config, "PORTAL_PROXY_COUNT", 1)
    _init_proxies(app)
    user = make.user("auditor")
    sign_in(client, user.username, **{"X-Forwarded-For": "203.0.113.7, 10.0.0.2"})
    assert db.session.query(UserSession).filter_by(user_id=user.id).one().ip == "10.0.0.2"


def test_a_signed_in_request_loads_user_and_session_in_one_query(app, client, make):
    user = make.user("auditor")
    sign_in(client, user.username)
    seen = []

    def record(*args):
        seen.append(" ".join(args[2].split()))

    db.session.expunge_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/admin/permission/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen[0].startswith("SELECT user.id") and "JOIN user_session" in seen[0]
    assert not any(statement.startswith("UPDATE user_session") for statement in seen)


# -- the service (for the profile page's list of sessions, issue #19) ----------------------
def test_sessions_service_lists_touches_and_revokes_one_or_all_but_one(app_ctx, make):
    user, other = make.user("auditor"), make.user("auditor")
    first, _token = sessions.start(db.session, user, ip="192.0.2.1", user_agent="Firefox")
    second, token = sessions.start(db.session, user, ip="192.0.2.2", user_agent="Chrome")
    third, _token = sessions.start(db.session, user)
    theirs, _token = sessions.start(db.session, other)
    db.session.commit()
    assert sessions.signed_in(db.session, user.id, token) == (user, second)
    assert sessions.signed_in(db.session, other.id, token) is None
    assert {s.id for s in sessions.live_sessions(db.session, user.id)} == {
        first.id,
        second.id,
        third.id,
    }
    assert not sessions.revoke(db.session, theirs.id, user.id)  # not theirs to end
    assert sessions.revoke(db.session, first.id, user.id)
    assert sessions.revoke_all(db.session, user.id, keep=second.id) == 1
    db.session.commit()
    assert [s.id for s in sessions.live_sessions(db.session, user.id)] == [second.id]
    assert [s.id for s in sessions.live_sessions(db.session, other.id)] == [theirs.id]


def test_last_seen_is_written_at_most_every_few_minutes(app, app_ctx, make):
    user = make.user("auditor")
    row, _token = sessions.start(db.session, user)
    db.session.commit()
    started = row.last_seen_at
    every = dt.timedelta(seconds=app.config["SESSION_TOUCH_SECONDS"])
    assert not sessions.touch(row, now=started + every - dt.timedelta(seconds=1))
    assert sessions.touch(row, now=started + every)
    db.session.rollback()  # a fresh read: the touch is committed on its own
    assert db.session.get(UserSession, row.id).last_seen_at == started + every


def test_sessions_store_only_a_hash_of_the_cookies_token(app, client, make):
    user = make.user("auditor")
    sign_in(client, user.username)
    with client.session_transaction() as cookie:
        token = cookie["_portal_session"]
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    assert token not in row.token_hash and len(row.token_hash) == 64
