"""A real server and a real headless Chromium for the browser journeys.

The portal runs in a werkzeug server thread on 127.0.0.1 with its own freshly migrated and
demo-seeded database (a temporary SQLite file, or `<name>_browser` next to the MySQL database
of PORTAL_TEST_DATABASE_URL) and its own uploads folder. CSRF stays on.

Without /usr/bin/chromium (PORTAL_CHROMIUM names another) or the playwright package the
journeys are skipped, the reason printed in the summary; with PORTAL_REQUIRE_BROWSER=1 (CI)
that absence is an error instead.
"""

import os
import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import create_app
from portal.extensions import db
from portal.services.demo import seed_demo

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
VIEWPORT = {"width": 1366, "height": 860}


def _missing_browser():
    """Why the journeys cannot run here, or None when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[test]'"
    return None


def _browser_required():
    return os.environ.get("PORTAL_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class QuietRequestHandler(WSGIRequestHandler):
    """Keeps hundreds of static-file requests out of the test output."""

    def log_request(self, *args, **kwargs):
        pass


# -- the server --------------------------------------------------------------------------
def _browser_database(tmp_dir):
    """(url, drop) for a database of our own: never the one the other tests empty."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url or not url.startswith("mysql"):
        return f"sqlite:///{tmp_dir / 'browser.db'}", lambda: None
    url = sa.engine.make_url(url)
    url = url.set(database=f"{url.database}_browser")
    server = sa.create_engine(
        sa.engine.URL.create(
            url.drivername, url.username, url.password, url.host, url.port, query=url.query
        )
    )
    with server.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{url.database}`"))
        conn.execute(
            sa.text(
                f"CREATE DATABASE `{url.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )

    def drop():
        with server.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{url.database}`"))
        server.dispose()

    return url.render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def outbox():
    """The real SMTP server (loopback) the portal under test sends its mail to."""
    from ..mailbox import start_smtp_server

    mailbox, controller = start_smtp_server()
    yield mailbox, controller
    controller.stop()


@pytest.fixture()
def browser_mailbox(outbox):
    """The mail received by the portal's SMTP server since this test began."""
    outbox[0].clear()
    return outbox[0]


@pytest.fixture(scope="session")
def portal_server(tmp_path_factory, outbox):
    """The portal, demo-seeded, served on 127.0.0.1; yields its base URL."""
    reason = _missing_browser()
    if reason:
        if _browser_required():
            pytest.fail(f"PORTAL_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"browser journeys skipped: {reason}")
    for stale in ARTIFACTS.glob("*.png"):
        stale.unlink()
    base = tmp_path_factory.mktemp("browser")
    url, drop_database = _browser_database(base)
    _mailbox, smtp = outbox
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        UPLOADS_DEST=str(base / "uploads"),
        RATELIMIT_STORAGE_URI="memory://",
        WTF_CSRF_ENABLED=True,
        MAIL_BACKEND="smtp",
        MAIL_SERVER=smtp.hostname,
        MAIL_PORT=smtp.port,
    )
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="portal-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()
    drop_database()


# -- the browser -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium(portal_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Chromium reports a blocked script or style in the console too; this names the directive.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} `
                + `in ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""


def _artifact_name(item):
    return re.sub(r"[^\w.-]+", "_", item.name)


@pytest.fixture()
def page(request, chromium, portal_server):
    """A fresh browser tab (own cookies), English unless a journey switches language."""
    from playwright.sync_api import Error as PlaywrightError

    context = chromium.new_context(base_url=portal_server, locale="en-US", viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    tab = context.new_page()
    problems = []
    tab.on(
        "console",
        lambda message: (
            problems.append(
                f"console {message.type}: {message.text} ({message.location.get('url')})"
            )
            if message.type in ("error", "warning")
            else None
        ),
    )
    tab.on("pageerror", lambda error: problems.append(f"uncaught error: {error}"))
    yield tab
    failed = [getattr(request.node, f"report_{when}", None) for when in ("setup", "call")]
    if any(report is not None and report.failed for report in failed):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(
                path=ARTIFACTS / f"{_artifact_name(request.node)}-failure.png", full_page=True
            )
        except PlaywrightError as exc:  # the tab may be the very thing that broke
            print(f"could not save a failure screenshot: {exc}")
    context.close()
    if problems:
        pytest.fail(
            "the page's scripts broke or the browser complained (a Content-Security-"
            "Policy violation, a script error):\n" + "\n".join(problems),
            pytrace=False,
        )


@pytest.fixture()
def snapshot(request, page):
    """snapshot(label): a full-page screenshot of the tab into tests/browser/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(label="end"):
        path = ARTIFACTS / f"{_artifact_name(request.node)}-{label}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
