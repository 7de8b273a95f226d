"""Resetting a lost password by mail: the link arrives through a real SMTP server, works
once for 30 minutes, and every bad link or request is refused with nothing changed."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from portal.extensions import db
from portal.models import AccountToken, AuditLog, User
from portal.models.base import utcnow

from .conftest import csrf_from, page_messages
from .factories import PASSWORD
from .mailbox import free_port

NEW_PASSWORD = "a-brand-new-secret"


def ask_for_reset(client, email):
    page = client.get("/password/forgot")
    assert page.status_code == 200
    return client.post(
        "/password/forgot", data={"csrf_token": csrf_from(page.text), "email": email}
    )


def path_of(link):
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def choose_password(client, link, password=NEW_PASSWORD, confirm=None):
    page = client.get(path_of(link))
    if page.status_code != 200:
        return page
    return client.post(
        path_of(link),
        data={
            "csrf_token": csrf_from(page.text),
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def sign_in(client, username, password):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": username, "password": password},
    )


def password_of(user_id, password):
    db.session.expire_all()
    return db.session.get(User, user_id).check_password(password)


def actions_for(user_id):
    return [
        a.action
        for a in db.session.query(AuditLog).filter_by(object_id=str(user_id)).order_by(AuditLog.id)
    ]


@pytest.fixture()
def lost(make):
    return make.user("cinema_manager", email="lost@example.com")


def test_reset_link_arrives_by_mail_and_sets_a_new_password(client, english, mailbox, lost):
    response = ask_for_reset(client, "Lost@Example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    [message] = mailbox.to("lost@example.com")
    assert "new password" in message["Subject"].lower()
    link = mailbox.last_link_to("lost@example.com")
    assert link.startswith("http://localhost/password/reset/")
    done = choose_password(client, link)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert password_of(lost.id, NEW_PASSWORD) and not password_of(lost.id, PASSWORD)
    assert sign_in(client, lost.username, NEW_PASSWORD).status_code == 302
    assert {"reset_requested", "reset_used"} <= set(actions_for(lost.id))


def test_only_the_hash_of_the_link_is_stored(client, mailbox, lost):
    ask_for_reset(client, lost.email)
    token = path_of(mailbox.last_link_to(lost.email)).rsplit("/", 1)[1]
    stored = db.session.query(AccountToken).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)


def test_request_answers_the_same_whether_the_address_is_known_or_not(
    client, english, mailbox, lost
):
    known = ask_for_reset(client, lost.email)
    known_messages = page_messages(client.get("/login").text)
    unknown = ask_for_reset(client, "nobody@example.com")
    unknown_messages = page_messages(client.get("/login").text)
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert known_messages == unknown_messages and "30 minutes" in known_messages[0]
    assert mailbox.recipients() == [lost.email]
    entry = db.session.query(AuditLog).filter_by(action="reset_requested", object_id=None).one()
    assert '"nobody@example.com"' in entry.changes and '"known": false' in entry.changes


def test_reset_link_works_only_once(client, english, mailbox, lost):
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    assert choose_password(client, link).status_code == 302
    again = choose_password(client, link, password="yet-another-password")
    assert again.status_code == 400
    assert any("already been used" in m for m in page_messages(again.text))
    assert password_of(lost.id, NEW_PASSWORD)


def test_expired_link_is_refused_and_changes_nothing(client, english, mailbox, lost):
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    token = db.session.query(AccountToken).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused = choose_password(client, link)
    assert refused.status_code == 400
    assert any("expired" in m for m in page_messages(refused.text))
    assert password_of(lost.id, PASSWORD)


def test_tampered_link_is_refused(client, english, mailbox, lost):
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    refused = choose_password(client, tampered)
    assert refused.status_code == 400
    assert any("not valid" in m for m in page_messages(refused.text))
    assert password_of(lost.id, PASSWORD)
    assert db.session.query(AccountToken).one().used_at is None


def test_tampered_form_post_is_refused_too(client, english, mailbox, lost):
    """A POST straight to an altered link (no GET first) changes nothing either."""
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    token = csrf_from(client.get(path_of(link)).text)
    refused = client.post(
        path_of(link) + "x",
        data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert refused.status_code == 400 and password_of(lost.id, PASSWORD)


def test_another_users_link_is_refused_while_signed_in(client, english, mailbox, lost, login_as):
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    login_as("auditor")
    refused = choose_password(client, link)
    assert refused.status_code == 400
    assert any("another account" in m for m in page_messages(refused.text))
    assert password_of(lost.id, PASSWORD)


def test_a_new_link_replaces_the_earlier_one(client, english, mailbox, lost):
    ask_for_reset(client, lost.email)
    first = mailbox.last_link_to(lost.email)
    ask_for_reset(client, lost.email)
    second = mailbox.last_link_to(lost.email)
    assert first != second
    assert choose_password(client, first).status_code == 400
    assert choose_password(client, second).status_code == 302


def test_short_or_mismatched_password_is_refused_and_the_link_still_works(
    client, english, mailbox, lost
):
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    short = choose_password(client, link, password="too-short")
    assert short.status_code == 200 and any("10" in m for m in page_messages(short.text))
    differ = choose_password(client, link, confirm="something-else-entirely")
    assert differ.status_code == 200 and any("differ" in m for m in page_messages(differ.text))
    assert password_of(lost.id, PASSWORD)
    assert choose_password(client, link).status_code == 302


def test_inactive_and_invited_accounts_get_no_reset_mail(client, mailbox, make):
    make.user("auditor", email="gone@example.com", is_active=False)
    invited = make.user("auditor", email="invited@example.com")
    invited.password_hash = None
    db.session.commit()
    for address in ("gone@example.com", "invited@example.com"):
        assert ask_for_reset(client, address).status_code == 302
    assert mailbox.recipients() == [] and db.session.query(AccountToken).count() == 0


def test_reset_requests_are_throttled_per_address(client, english, mailbox, lost):
    for _ in range(3):
        assert ask_for_reset(client, lost.email).status_code == 302
    blocked = ask_for_reset(client, lost.email.upper())
    assert blocked.status_code == 429
    assert len(mailbox.to(lost.email)) == 3
    assert ask_for_reset(client, "someone-else@example.com").status_code == 302


def test_refused_links_are_throttled_per_client(client, english, mailbox, lost, app, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_FAILURE_LIMIT", "3 per 15 minutes")
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    for n in range(3):
        assert client.get(f"/password/reset/guess{n}").status_code == 400
    assert client.get(path_of(link)).status_code == 429
    assert password_of(lost.id, PASSWORD)


def test_mail_links_use_the_configured_address_not_the_host_header(
    client, mailbox, lost, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "https://portal.example.com/")
    page = client.get("/password/forgot", headers={"Host": "evil.example"})
    client.post(
        "/password/forgot",
        headers={"Host": "evil.example"},
        data={"csrf_token": csrf_from(page.text), "email": lost.email},
    )
    assert mailbox.last_link_to(lost.email).startswith("https://portal.example.com/password/reset/")


def test_unreachable_mail_server_stores_no_link_and_answers_the_same(
    client, english, mailbox, lost, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    response = ask_for_reset(client, lost.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert db.session.query(AccountToken).count() == 0
    entry = db.session.query(AuditLog).filter_by(action="reset_requested").one()
    assert "mail_error" in entry.changes


def test_forgot_password_form_needs_its_csrf_token(client, mailbox, lost):
    response = client.post("/password/forgot", data={"email": lost.email})
    assert response.status_code == 400 and mailbox.recipients() == []


def test_a_link_of_a_deactivated_account_is_refused(client, english, mailbox, lost):
    ask_for_reset(client, lost.email)
    link = mailbox.last_link_to(lost.email)
    lost.is_active = False
    db.session.commit()
    refused = choose_password(client, link)
    assert refused.status_code == 400 and password_of(lost.id, PASSWORD)


def test_two_requests_cannot_both_spend_one_link(app_ctx, make):
    """Both pass the check; only the first conditional UPDATE marks the link used."""
    from portal.services import account_tokens

    user = make.user("auditor")
    raw = account_tokens.issue(db.session, user, account_tokens.RESET)
    db.session.commit()
    first = account_tokens.check(db.session, raw, account_tokens.RESET)
    second = account_tokens.check(db.session, raw, account_tokens.RESET)
    account_tokens.spend(db.session, first)
    with app_ctx.test_request_context(), pytest.raises(account_tokens.LinkRefused):
        account_tokens.spend(db.session, second)


def test_link_pages_send_no_referrer(client, mailbox, lost):
    ask_for_reset(client, lost.email)
    page = client.get(path_of(mailbox.last_link_to(lost.email)))
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/password/reset/guess").headers["Referrer-Policy"] == "no-referrer"


def test_development_prints_mail_to_the_console_instead_of_sending(app, capsys, monkeypatch):
    from portal.config import load_config
    from portal.services.mail import send_mail

    assert load_config("development", {})["MAIL_BACKEND"] == "console"
    assert (
        load_config("production", {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})["MAIL_BACKEND"]
        == "smtp"
    )
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    with app.app_context():
        send_mail("someone@example.com", "Hello", "http://localhost/password/reset/abc")
    printed = capsys.readouterr().out
    assert "To: someone@example.com" in printed and "/password/reset/abc" in printed
