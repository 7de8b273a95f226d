"""The parts of admin pages built once and reused (admin_views/chrome.py) never leak
between users of different permissions or between languages."""

import json
import re

from portal.extensions import db


def menu_of(html):
    start = html.index('<ul class="nav navbar-nav mr-auto">')
    return html[start : html.index('<ul class="nav navbar-nav navbar-right">', start)]


def filter_groups_of(html):
    found = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', html, re.S)
    return json.loads(found.group(1))


def test_the_menu_follows_each_users_permissions(client, make, login_as):
    cinema = make.cinema()
    db.session.commit()
    login_as("platform_admin")
    assert "/admin/user/" in menu_of(client.get("/admin/hall/").text)
    login_as("cinema_manager", cinemas=[cinema])
    manager_menu = menu_of(client.get("/admin/hall/").text)
    assert "/admin/user/" not in manager_menu and "/admin/auditlog/" not in manager_menu
    assert "/admin/hall/" in manager_menu
    login_as("auditor")
    assert "/admin/auditlog/" in menu_of(client.get("/admin/hall/").text)


def test_the_menu_marks_the_page_it_is_on(client, login_as):
    login_as("platform_admin")
    for page in ("movie", "hall"):
        menu = menu_of(client.get(f"/admin/{page}/").text)
        active = re.findall(r'class="dropdown-item active[^"]*" href="([^"]+)"', menu)
        assert active == [f"/admin/{page}/"], page


def test_menu_and_filters_follow_the_language(client, login_as):
    login_as("platform_admin")
    zh = client.get("/admin/schedule/?lang=zh_Hans_CN").text
    en = client.get("/admin/schedule/?lang=en").text
    assert "用户" in menu_of(zh) and "Users" not in menu_of(zh)
    assert "Users" in menu_of(en) and "用户" not in menu_of(en)
    assert "Status" in filter_groups_of(en) and "状态" in filter_groups_of(zh)
    zh_again = client.get("/admin/schedule/?lang=zh_Hans_CN").text
    assert menu_of(zh_again) == menu_of(zh)


def menu_bar_of(html):
    start = html.index('<ul class="nav nav-tabs">')
    return html[start : html.index("</ul>", start)]


def test_the_list_menu_bar_follows_permissions_and_the_row_count(client, make, login_as):
    """The same address, two roles: the admin's bar offers Create, the auditor's does not;
    and the count in it follows the data."""
    make.movie()
    db.session.commit()
    login_as("platform_admin")
    admin_bar = menu_bar_of(client.get("/admin/movie/?lang=en").text)
    login_as("auditor")
    auditor_bar = menu_bar_of(client.get("/admin/movie/?lang=en").text)
    assert "/admin/movie/new/" in admin_bar and "/admin/movie/new/" not in auditor_bar
    assert "List (1)" in auditor_bar
    make.movie()
    db.session.commit()
    assert "List (2)" in menu_bar_of(client.get("/admin/movie/?lang=en").text)
