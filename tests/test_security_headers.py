"""Every response carries the security headers; the CSP lets the portal's own scripts run and
nothing else (tests/browser fails on any CSP violation in a real Chromium)."""

import base64
import hashlib
import html
import re

import pytest

from portal import create_app
from portal.extensions import db

PAGES = [
    "/login",
    "/admin/",
    "/admin/movie/",
    "/admin/movie/new/",
    "/admin/schedule/",
    "/admin/schedule/new/",
    "/admin/hall/",
    "/admin/user/",
    "/admin/user/new/",
    "/admin/role/",
    "/admin/auditlog/",
    "/admin/city/",
    "/admin/cinema/",
    "/admin/boxoffice/",
    "/admin/no-such-page/",
]
INLINE_HANDLER = re.compile(r'\son[a-z]+="([^"]*)"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")
JAVASCRIPT_URL = re.compile(r'href="(javascript:[^"]*)"')


def directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {
        name: rest for name, _, rest in (part.strip().partition(" ") for part in policy.split(";"))
    }


def hash_source(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_forbids_framing_sniffing_and_foreign_referrers(client, login_as, path):
    if path != "/login":
        login_as("platform_admin")
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = directives(response)
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["default-src"] == "'self'" and policy["base-uri"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]


@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_the_policy_allows_exactly_the_inline_handlers_the_pages_carry(
    client, login_as, make, path, lang
):
    """Hash by hash: a handler Flask-Admin adds (a new bulk action, a new confirmation) and
    the policy does not list fails here, before it fails silently in a browser."""
    make.schedule()
    login_as("platform_admin")
    response = client.get(f"{path}?lang={lang}")
    allowed = directives(response)["script-src"].split()
    page = response.text
    assert not INLINE_SCRIPT.search(page), "an inline <script> the policy blocks"
    for handler in INLINE_HANDLER.findall(page) + JAVASCRIPT_URL.findall(page):
        assert hash_source(html.unescape(handler)) in allowed, handler


def test_other_responses_run_and_embed_nothing(client, login_as):
    login_as("platform_admin")
    for path in (
        "/static/portal.css",
        "/admin/user/ajax/lookup/?name=cinemas&query=a",
        "/admin/city/export/csv/",
    ):
        response = client.get(path)
        assert (
            response.headers["Content-Security-Policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        ), path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_hsts_outside_staging_and_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_production_sends_hsts(app):
    production = create_app(
        "production",
        SECRET_KEY="s3cret-from-vault",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    try:
        response = production.test_client().get("/login")
        assert (
            response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        )
    finally:
        with production.app_context():
            db.engine.dispose()
