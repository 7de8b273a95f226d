"""When the database is down, pages answer a translated 503 in the portal's look with
Retry-After, and service resumes by itself when the database is back.

On MariaDB a second app reaches the test database through a TCP proxy on 127.0.0.1 that the
test cuts (every live connection killed, new ones closed at once) and restores; on SQLite the
second app opens its database file per request and the test moves the file's folder away and
back.
"""

import contextlib
import os
import shutil
import socket
import threading

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.extensions import db

from .conftest import csrf_from
from .factories import PASSWORD


class TcpProxy:
    """127.0.0.1:<port> forwarded to `target`, which the test can take down and bring back."""

    def __init__(self, host, port):
        self.target, self.up, self.closed = (host, port), True, False
        self.sockets, self.lock = [], threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def go_down(self):
        self.up = False
        with self.lock:
            for end in self.sockets:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                    end.close()
                except OSError:
                    pass
            self.sockets = []

    def come_back(self):
        self.up = True

    def close(self):
        self.closed = True
        self.go_down()
        self.listener.close()


class MysqlOutage:
    def __init__(self, url, tmp_path):
        target = make_url(url)
        self.proxy = TcpProxy(target.host or "127.0.0.1", target.port or 3306)
        self.url = target.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )
        self.engine_options = {"pool_pre_ping": True}

    def prepare(self):
        pass

    def go_down(self):
        self.proxy.go_down()

    def come_back(self):
        self.proxy.come_back()

    def close(self):
        self.proxy.close()


class SqliteOutage:
    def __init__(self, url, tmp_path):
        self.source, self.folder = make_url(url).database, tmp_path / "db"
        self.folder.mkdir()
        self.url = f"sqlite:///{self.folder / 'portal.db'}"
        self.engine_options = {"poolclass": NullPool}

    def prepare(self):
        """A copy of the test database, with the rows the test made."""
        shutil.copy(self.source, self.folder / "portal.db")

    def go_down(self):
        os.rename(self.folder, self.folder.with_name("db-away"))

    def come_back(self):
        os.rename(self.folder.with_name("db-away"), self.folder)

    def close(self):
        pass


@pytest.fixture()
def outage(app, tmp_path, request):
    """A second portal app on the test database, a user of it, and the means to cut it off."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    kind = MysqlOutage if url.startswith("mysql") else SqliteOutage
    outage = kind(url, tmp_path)
    # Built before the test's own app context opens (building an app inside another app's
    # context would translate its labels for a request that does not exist).
    outage.app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=outage.url,
        SQLALCHEMY_ENGINE_OPTIONS=outage.engine_options,
        UPLOADS_DEST=str(tmp_path / "uploads"),
        RATELIMIT_STORAGE_URI="memory://",
    )
    user = request.getfixturevalue("make").user("platform_admin")
    outage.prepare()
    outage.client = outage.app.test_client()
    page = outage.client.get("/login")
    response = outage.client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    yield outage
    outage.close()
    with outage.app.app_context():
        db.engine.dispose()


def test_pages_answer_a_503_in_the_portals_look_with_retry_after_when_the_database_is_down(outage):
    assert outage.client.get("/admin/movie/").status_code == 200
    outage.go_down()
    for url in ("/admin/movie/", "/admin/", "/admin/schedule/?search=x", "/admin/hall/new/"):
        response = outage.client.get(url)
        assert response.status_code == 503, (url, response.status_code)
        assert int(response.headers["Retry-After"]) > 0
        assert 'class="portal-error' in response.text and "navbar" in response.text
        assert "数据库暂时无法连接" in response.text, response.text


def test_the_503_page_is_in_the_readers_language(outage):
    assert outage.client.get("/admin/movie/?lang=en").status_code == 200
    outage.go_down()
    response = outage.client.get("/admin/movie/")
    assert response.status_code == 503
    assert "The database cannot be reached right now." in response.text
    assert "数据库" not in response.text


def test_a_form_sent_while_the_database_is_down_answers_503(outage):
    token = csrf_from(outage.client.get("/admin/movie/new/").text)
    outage.go_down()
    response = outage.client.post(
        "/admin/movie/new/",
        data={"csrf_token": token, "title": "停电", "duration_minutes": "100", "status": "showing"},
    )
    assert response.status_code == 503


def test_service_resumes_by_itself_when_the_database_is_back(outage):
    assert outage.client.get("/admin/movie/").status_code == 200
    outage.go_down()
    assert outage.client.get("/admin/movie/").status_code == 503
    assert outage.client.get("/admin/movie/").status_code == 503
    outage.come_back()
    response = outage.client.get("/admin/movie/")
    assert response.status_code == 200
    assert outage.client.get("/admin/schedule/").status_code == 200
