"""Turning on a second factor through the real pages, and codes computed from its secret."""

import re
import time

import pyotp

from .conftest import csrf_from

SECRET_RE = re.compile(r'<code id="two-factor-secret">([A-Z2-7]+)</code>')
CODES_RE = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def code_at(secret, offset_seconds=0):
    return pyotp.TOTP(secret).at(time.time() + offset_seconds)


def next_code(secret):
    """The code of the next 30-second step: accepted (clock drift) and never used yet."""
    return code_at(secret, 30)


def turn_on_two_factor(client):
    """Set up the signed-in user's second factor on the profile; (secret, recovery codes)."""
    page = client.get("/admin/profile/two-factor")
    secret = SECRET_RE.search(page.text).group(1)
    done = client.post(
        "/admin/profile/two-factor",
        data={"csrf_token": csrf_from(page.text), "code": code_at(secret)},
    )
    assert done.status_code == 200, done.text[:300]
    return secret, CODES_RE.findall(done.text)


def password_step(client, username, password):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": username, "password": password},
    )


def code_step(client, code):
    page = client.get("/login/two-factor")
    return client.post("/login/two-factor", data={"csrf_token": csrf_from(page.text), "code": code})


def sign_out(client):
    client.post(
        "/logout", data={"csrf_token": csrf_from(client.get("/login", follow_redirects=True).text)}
    )
