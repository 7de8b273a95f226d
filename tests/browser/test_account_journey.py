"""Journey: an invited manager chooses a password, turns on two-factor sign-in, signs out,
signs in again with a code computed here from the secret the page showed, and later resets
a lost password by mail. Every mail goes through a real SMTP server (tests/mailbox.py)."""

import re
import time
from urllib.parse import urlsplit

import pyotp

from .ui import click_and_wait, flashes, sign_in, sign_out

NEW_MANAGER = "zhang_wei"
EMAIL = "zhang.wei@example.com"
FIRST_PASSWORD = "first-password-2026"
SECOND_PASSWORD = "second-password-2026"
CINEMA = "万达影城（CBD店）"


def path_of(link):
    parts = urlsplit(link)
    return parts.path


def choose_password(page, link, password):
    page.goto(path_of(link))
    page.locator("#password").fill(password)
    page.locator("#confirm").fill(password)
    click_and_wait(page, page.locator("#save-password"))
    page.wait_for_url(re.compile(r"/login$"))


def password_step(page, username, password):
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    click_and_wait(page, page.locator("#sign-in"))


def test_invited_manager_sets_a_password_and_a_second_factor_then_resets_the_password(
    page, browser_mailbox, snapshot
):
    # The admin invites a manager for one cinema.
    sign_in(page, "admin")
    page.goto("/admin/user/")
    click_and_wait(page, page.locator("#invite-user-link"))
    page.locator("#username").fill(NEW_MANAGER)
    page.locator("#email").fill(EMAIL)
    page.locator("label", has_text="Cinema manager").locator("input").check()
    page.locator("#cinemas").select_option(label=CINEMA)
    click_and_wait(page, page.locator("#send-invitation"))
    assert f"User “{NEW_MANAGER}” was invited: the invitation went to {EMAIL}." in flashes(page)
    assert "Invited; the link works until" in page.locator("#account-panel").inner_text()
    sign_out(page)

    # The invitation arrives; its link lets the manager choose a password.
    invitation = browser_mailbox.last_link_to(EMAIL)
    choose_password(page, invitation, FIRST_PASSWORD)
    assert "Your password is set. Sign in with it." in flashes(page)
    sign_in(page, NEW_MANAGER, FIRST_PASSWORD)

    # From the user name in the navbar to the profile, where two-factor sign-in is turned on.
    click_and_wait(page, page.locator("#signed-in-as"))
    click_and_wait(page, page.locator("#two-factor-on"))
    assert page.locator("#two-factor-qr svg").count() == 1
    snapshot("two-factor-setup")
    secret = page.locator("#two-factor-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.locator("#code").fill(totp.now())
    click_and_wait(page, page.locator("#enable-two-factor"))
    recovery_codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(recovery_codes) == 10
    snapshot("recovery-codes")
    click_and_wait(page, page.locator("#continue"))
    assert "On since" in page.locator("#two-factor-state").inner_text()
    assert page.locator("#profile-sessions .user-session").count() == 1
    snapshot("profile")
    sign_out(page)

    # Signing in now takes the password and then a code from the authenticator app.
    password_step(page, NEW_MANAGER, FIRST_PASSWORD)
    page.wait_for_url(re.compile(r"/login/two-factor$"))
    page.locator("#code").fill(totp.at(time.time() + 30))  # the next step: never used yet
    click_and_wait(page, page.locator("#verify-code"))
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.locator("#signed-in-as").inner_text() == NEW_MANAGER
    sign_out(page)

    # Later the password is lost: a reset link by mail, a new password, every session ended.
    page.goto("/login")
    click_and_wait(page, page.locator("#forgot-password"))
    page.locator("#email").fill(EMAIL)
    click_and_wait(page, page.locator("#send-reset-link"))
    assert any("a link to choose a new password is on its way" in m for m in flashes(page))
    choose_password(page, browser_mailbox.last_link_to(EMAIL), SECOND_PASSWORD)
    assert any("signed out everywhere" in m for m in flashes(page))

    # The old password no longer works; the new one does, with a recovery code this time.
    password_step(page, NEW_MANAGER, FIRST_PASSWORD)
    assert "Invalid username or password." in flashes(page)
    password_step(page, NEW_MANAGER, SECOND_PASSWORD)
    page.wait_for_url(re.compile(r"/login/two-factor$"))
    page.locator("#code").fill(recovery_codes[0])
    click_and_wait(page, page.locator("#verify-code"))
    page.wait_for_url(re.compile(r"/admin/$"))
    assert any("9 left" in m for m in flashes(page))
    assert page.locator("#signed-in-as").inner_text() == NEW_MANAGER
