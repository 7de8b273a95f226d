"""Signing in and out: the form, the throttle, the redirect guard and inactive accounts."""
import os

import pytest

from portal import create_app
from portal.auth.throttle import LoginThrottle
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


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "http:evil.example",
    "javascript:alert(1)", "\\\\evil.example", " //evil.example", "///evil.example",
])
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


def redis_url():
    """Redis for the shared-throttle tests: required in CI, skipped on a bare machine."""
    url = os.environ.get("PORTAL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        LoginThrottle(url, "5 per 15 minutes").storage.check() or _unreachable()
    except Exception as exc:
        if os.environ.get("PORTAL_TEST_REDIS_URL") or os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is required here but not reachable: {exc}")
        pytest.skip(f"no Redis at {url} (set PORTAL_TEST_REDIS_URL to require it)")
    return url


def _unreachable():
    raise ConnectionError("no answer to PING")


def test_throttle_is_shared_through_redis_between_processes():
    """Two apps on one Redis (as two gunicorn workers) see the same failure count."""
    url = redis_url()
    first = LoginThrottle(url, "5 per 15 minutes")
    second = LoginThrottle(url, "5 per 15 minutes")
    first.clear("shared-user")
    for _ in range(3):
        first.record_failure("shared-user")
    for _ in range(2):
        second.record_failure("shared-user")
    assert first.is_blocked("shared-user") and second.is_blocked("shared-user")
    first.clear("shared-user")
    assert not second.is_blocked("shared-user")


def test_app_uses_redis_storage_when_configured(app):
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       RATELIMIT_STORAGE_URI=redis_url())
    assert type(other.extensions["login_throttle"].storage).__name__ == "RedisStorage"


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
    assert load_config("production", {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})[
        "SESSION_PROTECTION"] == "strong"


def test_passwords_are_hashed_and_at_least_ten_characters(app_ctx, make):
    user = make.user("auditor")
    assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)
    with pytest.raises(ValueError):
        user.set_password("short")
