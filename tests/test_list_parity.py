"""The fast list pages are stock Flask-Admin's pages: the parity test of the seam.

Every admin list, as every default role, in both languages, is rendered twice: with
PORTAL_FAST_LISTS on (FastListMixin: capped count, deferred page, rows and row actions
written in Python, the portal's cache) and off (stock Flask-Admin: its get_list, its row
actions, its delete form, its templates, nothing cached). The markup that matters must be
the same: the menu bar with the row count, the table (header, rows, cells, row actions with
their icons, links and delete forms), the pager, and then the whole page. Only the CSRF
tokens differ between two requests, so their values are set aside.
"""

import importlib
from html.parser import HTMLParser
from pathlib import Path

import flask_admin
import pytest

from portal import access
from portal.admin_views.base import SecuredModelView
from portal.admin_views.listing import FLASK_ADMIN_INTERNALS, ROW_ID
from portal.extensions import db

from .test_query_counts import fill_every_list

LANGUAGES = ("zh_Hans_CN", "en")
# Beyond the first page: the pager's other state and a search (default sorts end in a unique
# column, so every row has one place).
LIST_STATES = ("page=1", "search=1")
# Descending sorts by list columns (their index in the list) whose values have no ties in
# the data below: stock Flask-Admin sorts by that column alone and the database orders
# ties as it likes, so a tied sort has no single right page to compare with. (Every
# sortable column of the audit log repeats: time to the second, action, model.) The
# schedule list's movie column is a sort by a related column (an INNER JOIN on the fast path).
SORTS_WITHOUT_TIES = [
    ("movie", 1),
    ("cinema", 0),
    ("hall", 1),
    ("schedule", 0),
    ("schedule", 2),
    ("city", 0),
    ("user", 0),
    ("role", 0),
    ("permission", 0),
]


class _Tokens(HTMLParser):
    """Markup as (kind, tag or text, attributes) tokens: no whitespace between tags, entities
    decoded, attributes in order, CSRF token values replaced."""

    def __init__(self):
        super().__init__()
        self.tokens = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("name") == "csrf_token":
            attrs["value"] = "<csrf>"
        self.tokens.append(("<", tag, tuple(sorted(attrs.items(), key=lambda kv: kv[0]))))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.tokens.append(("/", tag, ()))

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.tokens.append(("text", text, ()))


def tokens_of(html):
    parser = _Tokens()
    parser.feed(html)
    return parser.tokens


def sections(tokens, tag, css_class):
    """Every element `tag` whose class list has `css_class`, each as its tokens."""
    found, depth, current = [], 0, None
    for token in tokens:
        kind, name, attrs = token
        if current is None:
            if kind == "<" and name == tag and css_class in dict(attrs).get("class", "").split():
                current, depth = [token], 1
            continue
        current.append(token)
        if name == tag and kind == "<":
            depth += 1
        elif name == tag and kind == "/":
            depth -= 1
            if depth == 0:
                found.append(current)
                current = None
    return found


def essentials(html):
    """The parts of a list page compared one by one (clear failures), then the body."""
    tokens = tokens_of(html)
    body = tokens[next(i for i, t in enumerate(tokens) if t[:2] == ("<", "body")) :]
    return {
        "menu bar and count": sections(tokens, "ul", "nav-tabs"),
        "table: header, rows, cells, row actions": sections(tokens, "table", "model-list"),
        "pager": sections(tokens, "ul", "pagination"),
        "whole page": body,
    }


def render_both_ways(client, monkeypatch, app, url):
    """(fast page, stock page) for `url`: the same request with the seam on, then off."""
    fast = client.get(url)
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "PORTAL_FAST_LISTS", False)
        stock = client.get(url)
    return fast, stock


def assert_same_markup(client, monkeypatch, app, url):
    fast, stock = render_both_ways(client, monkeypatch, app, url)
    assert fast.status_code == stock.status_code, url
    if stock.status_code != 200:
        return None
    fast_parts, stock_parts = essentials(fast.text), essentials(stock.text)
    for part, stock_tokens in stock_parts.items():
        assert fast_parts[part] == stock_tokens, f"{url}: {part} differs from stock"
    return fast_parts


def list_endpoints(app):
    """Every list of the portal's admin: each view built on SecuredModelView."""
    admin = app.extensions["admin"][0]
    return [view.endpoint for view in admin._views if isinstance(view, SecuredModelView)]


@pytest.fixture()
def every_list_filled(make):
    """Rows in every list (pages of them), with a poster and markup-hostile text."""
    cinemas = fill_every_list(db.session)
    make.movie(title='<b>"危险" & 标题</b>', poster="abc.jpg")
    return cinemas


@pytest.mark.parametrize("role", list(access.DEFAULT_ROLES))
def test_every_list_as_every_role_in_both_languages_is_stock_markup(
    role, app, client, login_as, monkeypatch, every_list_filled
):
    login_as(role, cinemas=every_list_filled[:1])
    rendered = 0
    for endpoint in list_endpoints(app):
        for lang in LANGUAGES:
            if (
                assert_same_markup(client, monkeypatch, app, f"/admin/{endpoint}/?lang={lang}")
                is not None
            ):
                rendered += 1
    assert rendered >= 2 * 2, "each default role reads at least two lists"


@pytest.mark.parametrize("state", LIST_STATES)
def test_other_pages_sorts_and_searches_are_stock_markup(
    state, app, client, login_as, monkeypatch, every_list_filled
):
    login_as(access.PLATFORM_ADMIN)
    for endpoint in list_endpoints(app):
        parts = assert_same_markup(client, monkeypatch, app, f"/admin/{endpoint}/?{state}")
        assert parts is not None, endpoint


@pytest.mark.parametrize(("endpoint", "column"), SORTS_WITHOUT_TIES)
def test_a_descending_sort_is_stock_markup(
    endpoint, column, app, client, login_as, monkeypatch, every_list_filled
):
    login_as(access.PLATFORM_ADMIN)
    assert (
        assert_same_markup(client, monkeypatch, app, f"/admin/{endpoint}/?sort={column}&desc=1")
        is not None
    )


def test_the_lists_compared_have_rows_row_actions_and_a_pager(
    app, client, login_as, monkeypatch, every_list_filled
):
    """The comparison above is not vacuous: rows, each kind of row action and pagers are
    on the pages it compares."""
    login_as(access.PLATFORM_ADMIN)
    seen = ""
    for endpoint in list_endpoints(app):
        fast, _stock = render_both_ways(client, monkeypatch, app, f"/admin/{endpoint}/")
        seen += fast.text
    for markup in (
        'class="list-buttons-column"',
        "fa fa-eye",
        "fa fa-pencil",
        "fa fa-trash",
        "fa fa-calendar",
        'class="pagination',
        "poster-thumb",
        "&lt;b&gt;&#34;危险&#34; &amp; 标题&lt;/b&gt;",
    ):
        assert markup in seen, markup


def test_a_search_for_the_row_id_placeholder_keeps_every_rows_links(
    app, client, make, login_as, monkeypatch
):
    """Row actions are built once a page with a placeholder for the id; a page URL that
    contains the placeholder itself must still link every row to its own id."""
    movie = make.movie(title=ROW_ID)
    login_as(access.PLATFORM_ADMIN)
    url = f"/admin/movie/?search={ROW_ID}"
    assert_same_markup(client, monkeypatch, app, url)
    assert f"/admin/movie/details/?id={movie.id}&amp;" in client.get(url).text


def test_every_flask_admin_internal_the_seam_uses_exists(app):
    """setup.cfg pins Flask-Admin's minor version; this names what an upgrade must keep."""
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "schedule")
    templates = Path(flask_admin.__file__).parent / "templates" / "bootstrap4"
    for internal in FLASK_ADMIN_INTERNALS:
        if "#" in internal:
            template, block = internal.split("#")
            assert f"{{% block {block}" in (templates / template).read_text(), internal
        elif internal.startswith("ModelView."):
            with app.test_request_context():
                assert hasattr(view, internal.split(".", 1)[1]), internal
        else:
            module, name = internal.rsplit(".", 1)
            assert hasattr(importlib.import_module(f"flask_admin.{module}"), name), internal
