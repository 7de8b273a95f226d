"""Two-factor sign-in: TOTP codes from an authenticator app, ten single-use recovery codes,
required for platform admins where the setting says so; every wrong, reused or late code is
refused and counts as a failed sign-in."""

import pyotp
import pytest

from portal.config import load_config
from portal.extensions import db
from portal.models import AuditLog, RecoveryCode, User
from portal.services import two_factor

from .conftest import csrf_from, page_messages
from .factories import PASSWORD
from .two_factor_helpers import (
    SECRET_RE,
    code_at,
    code_step,
    next_code,
    password_step,
    sign_out,
    turn_on_two_factor,
)


@pytest.fixture()
def with_two_factor(client, english, login_as):
    """A cinema manager who turned on two-factor sign-in, then signed out."""
    user = login_as("cinema_manager")
    secret, codes = turn_on_two_factor(client)
    sign_out(client)
    return user, secret, codes


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def signed_in(client):
    return client.get("/admin/").status_code == 200


def test_turning_it_on_shows_an_inline_qr_code_and_ten_recovery_codes_once(
    client, english, login_as
):
    user = login_as("content_editor")
    page = client.get("/admin/profile/two-factor")
    assert "<svg" in page.text and "otpauth" not in page.text.split("<svg")[0]
    assert 'src="http' not in page.text
    secret, codes = turn_on_two_factor(client)
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.query(RecoveryCode).filter_by(user_id=user.id).all()
    assert len(stored) == 10
    assert not {c.code_hash for c in stored} & {c.replace("-", "") for c in codes}
    user = fresh(user)
    assert user.has_two_factor and secret not in user.totp_secret
    assert two_factor.decrypt_secret(user.totp_secret) == secret
    profile = client.get("/admin/profile/").text
    assert not any(code in profile for code in codes)
    assert (
        db.session.query(AuditLog).filter_by(action="2fa_enabled", object_id=str(user.id)).count()
        == 1
    )


def test_a_wrong_code_does_not_turn_it_on(client, english, login_as):
    user = login_as("content_editor")
    page = client.get("/admin/profile/two-factor")
    refused = client.post(
        "/admin/profile/two-factor", data={"csrf_token": csrf_from(page.text), "code": "000000"}
    )
    assert refused.status_code == 400 and not fresh(user).has_two_factor
    assert any("not right" in m for m in page_messages(refused.text))


def test_sign_in_asks_for_a_code_after_the_password(client, english, with_two_factor):
    user, secret, _codes = with_two_factor
    first = password_step(client, user.username, PASSWORD)
    assert first.status_code == 302 and first.headers["Location"] == "/login/two-factor"
    assert not signed_in(client)
    second = code_step(client, next_code(secret))
    assert second.status_code == 302 and second.headers["Location"] == "/admin/"
    assert signed_in(client)
    login = (
        db.session.query(AuditLog)
        .filter_by(action="login", user_id=user.id)
        .order_by(AuditLog.id.desc())
        .first()
    )
    assert '"second_factor": "totp"' in login.changes


def test_wrong_password_never_reaches_the_code_step(client, english, with_two_factor):
    user, _secret, _codes = with_two_factor
    assert password_step(client, user.username, "wrong-password!").status_code == 200
    assert client.get("/login/two-factor").headers["Location"] == "/login"


def test_a_wrong_code_is_refused_and_recorded(client, english, with_two_factor):
    user, secret, _codes = with_two_factor
    password_step(client, user.username, PASSWORD)
    wrong = "000000" if next_code(secret) != "000000" else "111111"
    refused = code_step(client, wrong)
    assert refused.status_code == 200 and not signed_in(client)
    assert any("not right" in m for m in page_messages(refused.text))
    failed = (
        db.session.query(AuditLog).filter_by(action="login_failed", object_id=str(user.id)).one()
    )
    assert "second factor" in failed.changes


def test_wrong_codes_count_toward_the_accounts_sign_in_throttle(client, english, with_two_factor):
    user, secret, _codes = with_two_factor
    password_step(client, user.username, PASSWORD)  # counted until a right code forgives it
    for _ in range(4):
        code_step(client, "000000" if next_code(secret) != "000000" else "111111")
    blocked = code_step(client, next_code(secret))
    assert blocked.status_code == 429 and not signed_in(client)
    assert password_step(client, user.username, PASSWORD).status_code == 429


def test_a_code_is_accepted_only_once(client, english, with_two_factor):
    user, secret, _codes = with_two_factor
    code = next_code(secret)
    password_step(client, user.username, PASSWORD)
    assert code_step(client, code).status_code == 302
    sign_out(client)
    password_step(client, user.username, PASSWORD)
    reused = code_step(client, code)
    assert reused.status_code == 200 and not signed_in(client)


@pytest.mark.parametrize("offset", [-120, -90, 90, 600])
def test_a_code_outside_the_time_window_is_refused(client, english, with_two_factor, offset):
    user, secret, _codes = with_two_factor
    password_step(client, user.username, PASSWORD)
    assert code_step(client, code_at(secret, offset)).status_code == 200
    assert not signed_in(client)


def test_a_code_of_the_step_used_when_setting_up_is_not_accepted_again(
    client, english, with_two_factor
):
    user, secret, _codes = with_two_factor
    password_step(client, user.username, PASSWORD)
    assert code_step(client, code_at(secret, -30)).status_code == 200
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(client, english, with_two_factor):
    user, _secret, codes = with_two_factor
    password_step(client, user.username, PASSWORD)
    used = code_step(client, codes[0].upper())
    assert used.status_code == 302
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert any("9 left" in m for m in page_messages(dashboard.text))
    sign_out(client)
    password_step(client, user.username, PASSWORD)
    again = code_step(client, codes[0])
    assert again.status_code == 200 and not signed_in(client)
    assert (
        db.session.query(RecoveryCode)
        .filter(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_not(None))
        .count()
        == 1
    )
    assert db.session.query(AuditLog).filter_by(action="recovery_used").count() == 1


def test_the_code_step_expires(client, english, with_two_factor):
    user, secret, _codes = with_two_factor
    password_step(client, user.username, PASSWORD)
    with client.session_transaction() as session:
        pending = dict(session["portal_second_step"])
        pending["since"] -= 301
        session["portal_second_step"] = pending
    response = client.post(
        "/login/two-factor",
        data={"csrf_token": csrf_from(client.get("/login").text), "code": next_code(secret)},
    )
    assert response.headers["Location"] == "/login" and not signed_in(client)


def test_turning_it_off_needs_the_password(client, english, with_two_factor):
    user, secret, _codes = with_two_factor
    password_step(client, user.username, PASSWORD)
    code_step(client, next_code(secret))
    token = csrf_from(client.get("/admin/profile/").text)
    refused = client.post(
        "/admin/profile/two-factor/off", data={"csrf_token": token, "password": "wrong-one!"}
    )
    assert refused.status_code == 400 and fresh(user).has_two_factor
    done = client.post(
        "/admin/profile/two-factor/off", data={"csrf_token": token, "password": PASSWORD}
    )
    assert done.status_code == 302 and not fresh(user).has_two_factor
    assert db.session.query(RecoveryCode).filter_by(user_id=user.id).count() == 0
    assert db.session.query(AuditLog).filter_by(action="2fa_disabled").count() == 1


def test_new_recovery_codes_replace_the_old_ones(client, english, with_two_factor):
    user, secret, codes = with_two_factor
    password_step(client, user.username, PASSWORD)
    code_step(client, next_code(secret))
    token = csrf_from(client.get("/admin/profile/").text)
    page = client.post(
        "/admin/profile/two-factor/recovery-codes", data={"csrf_token": token, "password": PASSWORD}
    )
    from .two_factor_helpers import CODES_RE

    new_codes = CODES_RE.findall(page.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    sign_out(client)
    password_step(client, user.username, PASSWORD)
    assert code_step(client, codes[1]).status_code == 200
    assert code_step(client, new_codes[1]).status_code == 302


# -- required for platform admins ------------------------------------------------------------
@pytest.fixture()
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_ADMIN_TWO_FACTOR", True)


def test_platform_admin_without_a_second_factor_sets_one_up_before_getting_in(
    client, english, make, required
):
    admin = make.user("platform_admin")
    first = password_step(client, admin.username, PASSWORD)
    assert first.headers["Location"] == "/login/two-factor/setup"
    assert not signed_in(client)
    page = client.get("/login/two-factor/setup")
    assert "<svg" in page.text
    secret = SECRET_RE.search(page.text).group(1)
    wrong = client.post(
        "/login/two-factor/setup", data={"csrf_token": csrf_from(page.text), "code": "12345"}
    )
    assert wrong.status_code == 200 and not signed_in(client)
    done = client.post(
        "/login/two-factor/setup",
        data={"csrf_token": csrf_from(page.text), "code": code_at(secret)},
    )
    assert done.status_code == 200 and 'id="recovery-codes"' in done.text
    assert signed_in(client) and fresh(admin).has_two_factor


def test_others_are_not_asked_to_set_one_up(client, english, make, required):
    manager = make.user("cinema_manager")
    assert password_step(client, manager.username, PASSWORD).headers["Location"] == "/admin/"


def test_a_required_second_factor_cannot_be_turned_off(
    client, english, login_as, required, app, monkeypatch
):
    monkeypatch.setitem(app.config, "REQUIRE_ADMIN_TWO_FACTOR", False)
    admin = login_as("platform_admin")
    turn_on_two_factor(client)
    monkeypatch.setitem(app.config, "REQUIRE_ADMIN_TWO_FACTOR", True)
    token = csrf_from(client.get("/admin/profile/").text)
    assert 'id="two-factor-off"' not in client.get("/admin/profile/").text
    client.post("/admin/profile/two-factor/off", data={"csrf_token": token, "password": PASSWORD})
    assert fresh(admin).has_two_factor


@pytest.mark.parametrize(
    ("env", "environ", "expected"),
    [
        ("development", {}, False),
        ("testing", {}, False),
        ("staging", {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"}, True),
        ("production", {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"}, True),
        ("development", {"PORTAL_REQUIRE_ADMIN_TWO_FACTOR": "1"}, True),
        (
            "production",
            {
                "SECRET_KEY": "x",
                "DATABASE_URL": "sqlite://",
                "PORTAL_REQUIRE_ADMIN_TWO_FACTOR": "off",
            },
            False,
        ),
    ],
)
def test_requiring_it_for_admins_is_a_setting_on_in_staging_and_production(env, environ, expected):
    assert load_config(env, environ)["REQUIRE_ADMIN_TWO_FACTOR"] is expected


def test_codes_are_checked_against_rfc_6238(app_ctx):
    secret = pyotp.random_base32()
    now = 1_800_000_000
    step = now // 30
    assert two_factor.matching_step(secret, pyotp.TOTP(secret).at(now), now=now) == step
    assert (
        two_factor.matching_step(secret, pyotp.TOTP(secret).at(now), after_step=step, now=now)
        is None
    )
    assert two_factor.matching_step(secret, "abcdef", now=now) is None


def test_pages_showing_the_secret_or_the_codes_are_never_cached(client, english, login_as):
    login_as("content_editor")
    page = client.get("/admin/profile/two-factor")
    assert page.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(page.text).group(1)
    codes = client.post(
        "/admin/profile/two-factor",
        data={"csrf_token": csrf_from(page.text), "code": code_at(secret)},
    )
    assert codes.headers["Cache-Control"] == "no-store"
