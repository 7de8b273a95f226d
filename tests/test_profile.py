"""The profile: every user changes their own e-mail, language and password; a wrong current
password is refused, changes nothing and counts like a failed sign-in."""

import pytest

from portal.extensions import db
from portal.models import AuditLog, User

from .conftest import csrf_from, page_messages
from .factories import PASSWORD

NEW_PASSWORD = "my-new-password-9"


def post_profile(client, route, data):
    token = csrf_from(client.get("/admin/profile/").text)
    return client.post(f"/admin/profile/{route}", data={"csrf_token": token, **data})


def change_password(client, current, new=NEW_PASSWORD, confirm=None):
    return post_profile(
        client,
        "password",
        {
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def sign_in(client, username, password):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": username, "password": password},
    )


def test_the_user_name_in_the_navbar_opens_the_profile(client, english, login_as):
    user = login_as("content_editor")
    dashboard = client.get("/admin/").text
    assert (
        f'href="/admin/profile/" id="signed-in-as" title="Your account">{user.username}<'
        in dashboard
    )
    assert client.get("/admin/profile/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/profile/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["platform_admin", "cinema_manager", "content_editor", "auditor"])
def test_every_role_changes_its_own_password(client, english, login_as, role):
    user = login_as(role)
    response = change_password(client, PASSWORD)
    assert response.status_code == 302, page_messages(response.text)
    assert fresh(user).check_password(NEW_PASSWORD)
    assert (
        db.session.query(AuditLog)
        .filter_by(action="password_changed", object_id=str(user.id))
        .count()
        == 1
    )


def test_wrong_current_password_is_refused_and_changes_nothing(client, english, login_as):
    user = login_as("auditor")
    before = fresh(user).password_hash
    refused = change_password(client, "not-my-password")
    assert refused.status_code == 400
    assert "Your current password is not right. Nothing was changed." in page_messages(refused.text)
    assert fresh(user).password_hash == before
    failed = (
        db.session.query(AuditLog).filter_by(action="login_failed", object_id=str(user.id)).one()
    )
    assert "password change" in failed.changes


def test_wrong_current_passwords_count_toward_the_sign_in_throttle(client, english, login_as):
    user = login_as("auditor")
    for _ in range(5):
        assert change_password(client, "not-my-password").status_code == 400
    blocked = change_password(client, PASSWORD)
    assert blocked.status_code == 400
    assert any("Too many failed attempts" in m for m in page_messages(blocked.text))
    assert fresh(user).check_password(PASSWORD)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    assert sign_in(client, user.username, PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        ("too-short", None, "10"),
        (NEW_PASSWORD, "something-else-1", "differ"),
    ],
)
def test_new_password_follows_the_rules(client, english, login_as, new, confirm, message):
    user = login_as("auditor")
    refused = change_password(client, PASSWORD, new, confirm)
    assert refused.status_code == 400
    assert any(message in m for m in page_messages(refused.text)), page_messages(refused.text)
    assert fresh(user).check_password(PASSWORD)


def test_email_change_needs_the_current_password(client, english, login_as):
    user = login_as("auditor")
    refused = post_profile(
        client,
        "account",
        {"email": "me@example.com", "locale": "en", "current_password": "wrong-password"},
    )
    assert refused.status_code == 400 and fresh(user).email is None
    saved = post_profile(
        client, "account", {"email": "me@example.com", "locale": "en", "current_password": PASSWORD}
    )
    assert saved.status_code == 302 and fresh(user).email == "me@example.com"
    edit = (
        db.session.query(AuditLog)
        .filter_by(action="edit", model="user", object_id=str(user.id))
        .one()
    )
    assert '"me@example.com"' in edit.changes


def test_language_is_saved_without_a_password(client, english, login_as):
    user = login_as("auditor")
    saved = post_profile(client, "account", {"email": "", "locale": "zh_Hans_CN"})
    assert saved.status_code == 302 and fresh(user).locale == "zh_Hans_CN"
    assert "修改密码" in client.get("/admin/profile/").text


def test_malformed_email_is_refused(client, english, login_as):
    user = login_as("auditor")
    refused = post_profile(
        client, "account", {"email": "not an address", "locale": "en", "current_password": PASSWORD}
    )
    assert refused.status_code == 400 and fresh(user).email is None
    assert "Enter an e-mail address." in page_messages(refused.text)
