"""Signing in and out: the form, the throttle, the redirect guard and inactive accounts."""

import json

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import AuditLog, User

from .conftest import csrf_from, page_messages
from .factories import PASSWORD


def sign_in(client, username, password, next_url=None):
    page = client.get("/login" + (f"?next={next_url}" if next_url else ""))
    data = {"csrf_token": csrf_from(page.text), "username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def test_sign_in_redirects_to_dashboard_and_records_login(client, make):
    user = make.user("platform_admin")
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert db.session.query(AuditLog).filter_by(action="login", user_id=user.id).count() == 1
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None


def test_sign_in_without_csrf_token_is_refused(client, make):
    user = make.user("platform_admin")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_generic_message(client, make):
    user = make.user("platform_admin")
    wrong = sign_in(client, user.username, "not-the-password")
    unknown = sign_in(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert page_messages(wrong.text) == page_messages(unknown.text)
    assert user.username not in " ".join(page_messages(wrong.text))
    failed = db.session.query(AuditLog).filter_by(action="login_failed").all()
    assert len(failed) == 2 and '"nobody-here"' in failed[1].changes


def test_sign_out_is_a_post_and_ends_the_session(client, login_as):
    login_as("auditor")
    assert client.get("/logout").status_code == 405
    token = csrf_from(client.get("/admin/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("path", ["/admin/", "/admin/movie/", "/admin/schedule/?page=2"])
def test_anonymous_user_is_sent_to_sign_in_and_back_after(client, make, path):
    response = client.get(path)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    user = make.user("platform_admin")
    assert sign_in(client, user.username, PASSWORD, path).headers["Location"] == path


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "\\\\evil.example",
        " //evil.example",
        "///evil.example",
    ],
)
def test_next_outside_the_site_falls_back_to_the_dashboard(client, make, target):
    user = make.user("platform_admin")
    assert sign_in(client, user.username, PASSWORD, target).headers["Location"] == "/admin/"


def test_five_failures_throttle_the_username_even_with_the_right_password(client, make):
    user = make.user("cinema_manager")
    for _ in range(5):
        assert sign_in(client, user.username, "wrong-password!").status_code == 200
    blocked = sign_in(client, user.username, PASSWORD)
    assert blocked.status_code == 429
    assert any("15" in m for m in page_messages(blocked.text))
    assert client.get("/admin/").status_code == 302
    other = make.user("cinema_manager")
    assert sign_in(client, other.username, PASSWORD).status_code == 302


def test_throttle_counts_case_insensitively(client, make):
    user = make.user("auditor", username="Auditor7")
    for name in ("auditor7", "AUDITOR7", "Auditor7", "auditor7 ", "aUditor7"):
        sign_in(client, name, "wrong-password!")
    assert sign_in(client, user.username, PASSWORD).status_code == 429


def test_inactive_user_cannot_sign_in(client, make):
    user = make.user("platform_admin", is_active=False)
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_user_deactivated_while_signed_in_is_signed_out_on_next_request(client, login_as):
    user = login_as("platform_admin")
    assert client.get("/admin/").status_code == 200
    user.is_active = False
    db.session.commit()
    response = client.get("/admin/movie/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    db.session.get(User, user.id).is_active = True
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_session_protection_is_strong_outside_tests():
    from portal.config import load_config

    assert (
        load_config("production", {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})[
            "SESSION_PROTECTION"
        ]
        == "strong"
    )


def test_passwords_are_hashed_and_at_least_ten_characters(app_ctx, make):
    user = make.user("auditor")
    assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)
    with pytest.raises(ValueError):
        user.set_password("short")


# -- one account, however its name is typed ------------------------------------------------
# Spellings that MySQL's utf8mb4_unicode_ci calls equal to `editor` (accents, full width,
# dotted capital I, a combining accent): one account, one sign-in, one throttle.
SPELLINGS_OF_EDITOR = ["édïtor", "ｅｄｉｔｏｒ", "EDİTOR", "e\u0301ditor", " Editor "]


@pytest.mark.parametrize("spelling", SPELLINGS_OF_EDITOR)
def test_five_failures_throttle_the_account_whichever_spelling_is_typed_next(
    client, make, spelling
):
    make.user("content_editor", username="editor")
    for _ in range(5):
        assert sign_in(client, "editor", "wrong-password!").status_code == 200
    assert sign_in(client, spelling, PASSWORD).status_code == 429
    assert client.get("/admin/").status_code == 302


def test_failures_typed_in_different_spellings_add_up_for_the_account(client, make):
    make.user("content_editor", username="editor")
    for spelling in SPELLINGS_OF_EDITOR:
        assert sign_in(client, spelling, "wrong-password!").status_code == 200
    assert sign_in(client, "editor", PASSWORD).status_code == 429


@pytest.mark.parametrize("spelling", SPELLINGS_OF_EDITOR)
def test_every_spelling_signs_in_to_the_one_account_on_every_database(client, make, spelling):
    user = make.user("content_editor", username="editor")
    assert sign_in(client, spelling, PASSWORD).status_code == 302
    assert db.session.query(AuditLog).filter_by(action="login").one().user_id == user.id


def test_the_audit_log_names_the_account_a_failed_sign_in_was_for(client, make):
    user = make.user("content_editor", username="editor")
    for _ in range(6):
        sign_in(client, "ｅｄｉｔｏｒ", "wrong-password!")
    failed = db.session.query(AuditLog).filter_by(action="login_failed").order_by(AuditLog.id).all()
    assert len(failed) == 6 and {entry.object_id for entry in failed} == {str(user.id)}
    first, throttled = json.loads(failed[0].changes), json.loads(failed[-1].changes)
    assert (first["username"], first["typed"]) == ("editor", "ｅｄｉｔｏｒ")
    assert throttled["username"] == "editor" and "throttled" in throttled["reason"]


def test_failed_sign_ins_from_one_address_are_throttled_across_names(
    app, english, make, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "3 per minute")
    user = make.user("auditor")
    for name in ("spray-a", "spray-b", "spray-c"):
        assert sign_in(english, name, "Summer2026!!").status_code == 200
    refused = sign_in(english, user.username, PASSWORD)
    assert refused.status_code == 429
    assert page_messages(refused.text) == [
        "Too many failed sign-ins from your address. Try again in a minute."
    ]


def test_a_right_password_clears_the_accounts_failures(client, make):
    user = make.user("auditor")
    for _ in range(4):
        sign_in(client, user.username.upper(), "wrong-password!")
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    for _ in range(4):
        assert sign_in(client, user.username, "wrong-password!").status_code == 200
    assert sign_in(client, user.username, PASSWORD).status_code == 302


@pytest.fixture()
def second_worker(app):
    """Another app on the same database, as a second gunicorn worker (built before the test's
    app context is pushed: list it before `client`)."""
    other = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOADS_DEST=app.config["UPLOADS_DEST"],
    )
    yield other
    with other.app_context():
        db.engine.dispose()


def test_two_app_instances_sharing_the_database_allow_five_failures_in_all(
    second_worker, client, make
):
    """Two workers (here: two apps, as two gunicorn processes) on one database share the
    count: 3 failures on one and 2 on the other throttle the account on both."""
    name = make.user("cinema_manager").username  # read once: no snapshot kept open here
    other = second_worker.test_client()
    for _ in range(3):
        assert sign_in(client, name, "wrong-password!").status_code == 200
    for _ in range(2):
        assert sign_in(other, name, "wrong-password!").status_code == 200
    assert sign_in(other, name, PASSWORD).status_code == 429
    assert sign_in(client, name, PASSWORD).status_code == 429


def test_a_name_that_folds_to_very_many_characters_is_an_ordinary_failure(client):
    """U+FDFA is one character that NFKC spells with eighteen."""
    assert sign_in(client, "\ufdfa" * 64, "wrong-password!").status_code == 200
