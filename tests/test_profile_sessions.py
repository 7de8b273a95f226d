"""The profile lists where the user is signed in and signs sessions out: one, or all but
this one. A password change ends the other sessions; a password chosen through a mailed
link ends every session."""

import pytest

from portal.extensions import db
from portal.models import AuditLog, UserSession

from .conftest import csrf_from, page_messages
from .factories import PASSWORD
from .test_password_reset import ask_for_reset, choose_password


def sign_in_browser(app, user, agent, password=PASSWORD):
    """Another browser (its own cookies and User-Agent), signed in as `user`."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = agent
    page = browser.get("/login")
    response = browser.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": user.username, "password": password},
    )
    assert response.status_code == 302, response.text[:300]
    return browser


def signed_in(browser):
    return browser.get("/admin/").status_code == 200


def live_sessions(user):
    db.session.expire_all()
    return db.session.query(UserSession).filter_by(user_id=user.id, revoked_at=None).all()


@pytest.fixture()
def two_browsers(app_ctx, make):
    """A user signed in on a laptop and on a phone."""
    user = make.user("cinema_manager", email="me@example.com")
    laptop = sign_in_browser(app_ctx, user, "Laptop Firefox/120")
    phone = sign_in_browser(app_ctx, user, "Phone Safari/17")
    laptop.get("/admin/profile/?lang=en")
    return user, laptop, phone


def session_id_of(user, agent):
    return next(s.id for s in live_sessions(user) if s.user_agent == agent)


def test_the_profile_lists_every_signed_in_session(two_browsers):
    user, laptop, _phone = two_browsers
    page = laptop.get("/admin/profile/").text
    assert "Laptop Firefox/120" in page and "Phone Safari/17" in page
    assert page.count('class="user-session"') == 2
    this_row = page.split("Laptop Firefox/120")[1].split("</td>")[0]
    assert "This browser" in this_row


def test_signing_out_one_session_ends_only_that_one(two_browsers):
    user, laptop, phone = two_browsers
    token = csrf_from(laptop.get("/admin/profile/").text)
    response = laptop.post(
        "/admin/profile/sessions/end",
        data={"csrf_token": token, "session_id": session_id_of(user, "Phone Safari/17")},
    )
    assert response.status_code == 302
    assert not signed_in(phone) and signed_in(laptop)
    assert db.session.query(AuditLog).filter_by(action="session_ended").count() == 1


def test_signing_out_this_browser_from_the_list_signs_it_out(two_browsers):
    user, laptop, phone = two_browsers
    token = csrf_from(laptop.get("/admin/profile/").text)
    response = laptop.post(
        "/admin/profile/sessions/end",
        data={"csrf_token": token, "session_id": session_id_of(user, "Laptop Firefox/120")},
    )
    assert response.headers["Location"] == "/login"
    assert not signed_in(laptop) and signed_in(phone)


def test_sign_out_everywhere_else_keeps_only_this_browser(app_ctx, two_browsers):
    user, laptop, phone = two_browsers
    tablet = sign_in_browser(app_ctx, user, "Tablet Chrome/119")
    token = csrf_from(laptop.get("/admin/profile/").text)
    response = laptop.post("/admin/profile/sessions/end-others", data={"csrf_token": token})
    assert response.status_code == 302
    assert signed_in(laptop) and not signed_in(phone) and not signed_in(tablet)
    assert [s.user_agent for s in live_sessions(user)] == ["Laptop Firefox/120"]
    entry = db.session.query(AuditLog).filter_by(action="sessions_ended").one()
    assert '"count": 2' in entry.changes


def test_nobody_signs_out_another_users_session(app_ctx, two_browsers, make):
    user, laptop, phone = two_browsers
    other = make.user("auditor")
    intruder = sign_in_browser(app_ctx, other, "Intruder/1")
    token = csrf_from(intruder.get("/admin/profile/").text)
    response = intruder.post(
        "/admin/profile/sessions/end",
        data={"csrf_token": token, "session_id": session_id_of(user, "Phone Safari/17")},
    )
    assert response.status_code == 302
    assert signed_in(phone) and len(live_sessions(user)) == 2


@pytest.mark.parametrize("session_id", ["", "abc", "-1", "99999999999"])
def test_a_bad_session_id_is_refused_with_a_message(two_browsers, session_id):
    user, laptop, phone = two_browsers
    token = csrf_from(laptop.get("/admin/profile/").text)
    response = laptop.post(
        "/admin/profile/sessions/end",
        data={"csrf_token": token, "session_id": session_id},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "That session has already ended." in page_messages(response.text)
    assert len(live_sessions(user)) == 2


def test_a_password_change_ends_the_other_sessions(two_browsers):
    user, laptop, phone = two_browsers
    token = csrf_from(laptop.get("/admin/profile/").text)
    response = laptop.post(
        "/admin/profile/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "changed-password-1",
            "confirm": "changed-password-1",
        },
    )
    assert response.status_code == 302
    assert signed_in(laptop) and not signed_in(phone)
    assert db.session.query(AuditLog).filter_by(action="sessions_ended").count() == 1


def test_a_wrong_current_password_ends_no_session(two_browsers):
    user, laptop, phone = two_browsers
    token = csrf_from(laptop.get("/admin/profile/").text)
    laptop.post(
        "/admin/profile/password",
        data={
            "csrf_token": token,
            "current_password": "wrong-password",
            "new_password": "changed-password-1",
            "confirm": "changed-password-1",
        },
    )
    assert signed_in(laptop) and signed_in(phone)


def test_a_password_reset_by_mail_ends_every_session(app_ctx, two_browsers, mailbox):
    user, laptop, phone = two_browsers
    stranger = app_ctx.test_client()
    ask_for_reset(stranger, user.email)
    assert choose_password(stranger, mailbox.last_link_to(user.email)).status_code == 302
    assert not signed_in(laptop) and not signed_in(phone)
    assert live_sessions(user) == []


def test_a_reset_link_opened_while_signed_in_signs_this_browser_out_too(two_browsers, mailbox):
    user, laptop, phone = two_browsers
    ask_for_reset(laptop, user.email)
    done = choose_password(laptop, mailbox.last_link_to(user.email))
    assert done.headers["Location"] == "/login"
    assert not signed_in(laptop) and not signed_in(phone) and live_sessions(user) == []
