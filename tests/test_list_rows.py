"""List rows written in Python (listing.ListRows) are the rows Flask-Admin's template writes.

Every admin list, as a platform admin and as a cinema manager, in both languages: the
table must be the same markup (ignoring whitespace between tags) either way, so the
fast path cannot drift from what Flask-Admin's JavaScript and our browser tests expect.
"""
import re

import pytest

from portal.admin_views.base import SecuredModelView
from portal.extensions import db

from .test_query_counts import ADMIN_LISTS, MANAGER_LISTS, fill_every_list


def table_of(html):
    start = html.index('class="table table-striped table-bordered table-hover model-list"')
    table = html[start:html.index("</table>", start)]
    table = re.sub(r">\s+", ">", table)
    # Each request signs its CSRF token afresh (with the time): same session, other text.
    table = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r'\1TOKEN"', table)
    return re.sub(r"\s+<", "<", table)


def both_ways(client, monkeypatch, url):
    fast = client.get(url)
    with monkeypatch.context() as patch:
        patch.setattr(SecuredModelView, "rows_in_python", False)
        stock = client.get(url)
    assert fast.status_code == stock.status_code == 200, url
    return table_of(fast.text), table_of(stock.text)


@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_python_rows_match_flask_admins_for_every_list(lang, client, make, login_as,
                                                       monkeypatch):
    cinemas = fill_every_list(db.session)
    make.movie(title='<b>"危险" & 标题</b>', poster=None)  # escaping
    login_as("platform_admin")
    for name in ADMIN_LISTS + ("role", "permission"):
        fast, stock = both_ways(client, monkeypatch, f"/admin/{name}/?lang={lang}")
        assert fast == stock, name
        assert fast.count("<tr>") > 1, name
    login_as("cinema_manager", cinemas=cinemas[:1])
    for name in MANAGER_LISTS:
        fast, stock = both_ways(client, monkeypatch, f"/admin/{name}/?lang={lang}")
        assert fast == stock, name


def test_a_search_for_the_row_id_placeholder_keeps_the_links_right(client, make, login_as,
                                                                  monkeypatch):
    """Row actions are built once with a placeholder for the id; a page URL containing the
    placeholder itself must still link every row to its own id."""
    movie = make.movie(title="0PORTALROWID0")
    login_as("platform_admin")
    fast, stock = both_ways(client, monkeypatch, "/admin/movie/?search=0PORTALROWID0")
    assert fast == stock
    assert f"/admin/movie/details/?id={movie.id}&amp;" in fast
