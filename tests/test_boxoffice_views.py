"""The box office reports at /admin/boxoffice/: who may read and export them (PRODUCT.md:
managers read their cinemas' box office, auditors read everything, platform admins all),
the cinema scope in every row, total, chart and export, bad parameters answered with a
message, CSV and XLSX that spreadsheets open safely (Chinese, no formulas)."""

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Permission, Role

from .factories import sell_first_seats

DAY = dt.date(2030, 5, 6)
REPORT = f"/admin/boxoffice/?period=custom&start={DAY}&end={DAY}"
HOSTILE_NAME = '=HYPERLINK("http://x")影城'


def sell(show, count, token):
    sell_first_seats(db.session, show, count, token)


@pytest.fixture()
def two_cinemas(make):
    """Two cinemas in two cities, each with a show on DAY that sold tickets (2 and 3)."""
    ours = make.cinema(name="我们的影城")
    theirs = make.cinema(name=HOSTILE_NAME)
    mine = make.show_on_sale(
        layout="SSSS\nSSSS", cinema=ours, starts_at=dt.datetime.combine(DAY, dt.time(19, 30))
    )
    other = make.show_on_sale(
        layout="SSSS\nSSSS", cinema=theirs, starts_at=dt.datetime.combine(DAY, dt.time(14, 0))
    )
    sell(mine, 2, "ours")
    sell(other, 3, "theirs")
    return ours, theirs


def chart_of(html):
    match = re.search(r"data-chart='([^']*)'", html)
    return (
        json.loads(
            match.group(1)
            .replace("&#39;", "'")
            .replace("&quot;", '"')
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
        )
        if match
        else None
    )


# -- the gate ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("platform_admin", 200),
        ("auditor", 200),
        ("cinema_manager", 200),
        ("content_editor", 403),
        ("box_office", 403),
        (None, 403),
    ],
)
def test_who_reads_the_box_office(client, make, login_as, role, status):
    login_as(make.user(role, cinemas=[make.cinema()]) if role else make.user())
    assert client.get("/admin/boxoffice/").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("platform_admin", 200),
        ("auditor", 200),
        ("cinema_manager", 403),
        ("content_editor", 403),
        ("box_office", 403),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_who_exports_the_box_office(client, make, login_as, role, status, kind):
    login_as(make.user(role, cinemas=[make.cinema()]))
    assert client.get(f"/admin/boxoffice/export/{kind}/").status_code == status


def test_a_refused_reader_is_written_to_the_audit_log(client, make, login_as):
    login_as("content_editor")
    client.get("/admin/boxoffice/")
    denied = db.session.scalars(select(AuditLog).where(AuditLog.action == "denied")).all()
    assert [d.model for d in denied] == ["boxoffice"]


def test_the_menu_offers_the_box_office_only_to_its_readers(client, make, login_as, english):
    login_as("auditor")
    assert 'href="/admin/boxoffice/"' in client.get("/admin/").text
    login_as("box_office")
    assert 'href="/admin/boxoffice/"' not in client.get("/admin/").text


def test_signed_out_readers_are_sent_to_sign_in(client):
    assert "/login" in client.get("/admin/boxoffice/").headers["Location"]


# -- the scope -----------------------------------------------------------------------------------
@pytest.mark.parametrize("group", ["day", "cinema", "city", "movie", "hall", "hour"])
def test_a_manager_sees_only_their_cinema_in_rows_totals_and_chart(
    client, make, login_as, two_cinemas, group
):
    ours, _theirs = two_cinemas
    login_as("cinema_manager", cinemas=[ours])

    page = client.get(f"{REPORT}&group={group}").text

    assert "HYPERLINK" not in page and ours.city.name not in ("",)
    total = re.search(r'<tr id="report-total">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="text-right">([^<]*)</td>', total)
    assert cells[0] == "2" and cells[1] == "100.00"  # two tickets of 50.00, theirs not added
    chart = chart_of(page)
    assert chart["series"][1]["data"] == [2] and "HYPERLINK" not in json.dumps(chart)


def test_the_platform_admin_sees_every_cinema(client, make, login_as, two_cinemas):
    login_as("platform_admin")
    page = client.get(f"{REPORT}&group=cinema").text
    assert "我们的影城" in page and "HYPERLINK" in page
    total = re.search(r'<tr id="report-total">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="text-right">([^<]*)</td>', total)[:2] == ["5", "250.00"]


def test_an_exporting_role_without_every_cinema_exports_only_its_cinemas(
    client, make, login_as, two_cinemas
):
    ours, _theirs = two_cinemas
    role = Role(
        code="regional",
        name="区域经理",
        permissions=db.session.scalars(
            select(Permission).where(Permission.code.in_(["boxoffice.view", "boxoffice.export"]))
        ).all(),
    )
    db.session.add(role)
    user = make.user(cinemas=[ours])
    user.roles = [role]
    db.session.commit()
    login_as(user)

    text = client.get(
        f"/admin/boxoffice/export/csv/?period=custom&start={DAY}&end={DAY}&group=cinema"
    ).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ["我们的影城", rows[-1][0]] and "HYPERLINK" not in text
    assert rows[-1][1:3] == ["2", "100.00"]


def test_a_manager_without_cinemas_sees_no_figures(client, make, login_as, two_cinemas):
    login_as("cinema_manager")
    page = client.get(f"{REPORT}&group=cinema").text
    assert 'id="report-empty"' in page and "我们的影城" not in page


# -- bad parameters --------------------------------------------------------------------------------
REFUSED = [
    "period=forever",
    "group=password_hash",
    "period=custom",
    "period=custom&start=x&end=y",
    "period=custom&start=2030-05-06&end=2030-05-01",
    "period=custom&start=2000-01-01&end=2030-01-01",
    "period=custom&start=0001-01-01&end=0001-01-02",
    "period=month&month=9999-12",
    "period=month&month=2030-13",
    "period=month&month=%00",
    "group=" + "x" * 5000,
]
ODD_BUT_HARMLESS = [
    "period[]=today",
    "start=%E2%80%AE",
    "period=custom&start=9999-12-30&end=9999-12-30",
]


@pytest.mark.parametrize("query", REFUSED + ODD_BUT_HARMLESS)
def test_bad_parameters_answer_a_message_never_a_500(client, make, login_as, english, query):
    login_as("platform_admin")
    page = client.get(f"/admin/boxoffice/?{query}")
    assert page.status_code == 200
    refused = query in REFUSED
    assert ('id="report-error"' in page.text) is refused
    for kind in ("csv", "xlsx"):
        export = client.get(f"/admin/boxoffice/export/{kind}/?{query}")
        assert export.status_code == (400 if refused else 200)


@pytest.mark.parametrize(
    "period", ["today", "yesterday", "this_week", "last_7", "last_30", "month"]
)
def test_every_period_preset_makes_a_report(client, make, login_as, english, period):
    login_as("platform_admin")
    page = client.get(f"/admin/boxoffice/?period={period}&group=hour")
    assert page.status_code == 200 and 'id="report-table"' in page.text
    assert 'id="report-error"' not in page.text


def test_the_report_compares_with_the_previous_period_of_the_same_length(
    client, make, login_as, two_cinemas
):
    ours, _theirs = two_cinemas
    earlier = make.show_on_sale(
        layout="SSSS\nSSSS",
        cinema=ours,
        starts_at=dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(19, 30)),
    )
    sell(earlier, 1, "earlier")
    login_as("cinema_manager", cinemas=[ours])
    page = client.get(f"{REPORT}&group=cinema").text
    total = re.search(r'<tr id="report-total">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="text-right">([^<]*)</td>', total)[-1] == "+100.0%"


# -- exports --------------------------------------------------------------------------------------
def test_the_csv_export_is_excel_safe_chinese_with_formula_safe_cells(
    client, make, login_as, two_cinemas
):
    login_as("auditor")
    response = client.get(
        f"/admin/boxoffice/export/csv/?period=custom&start={DAY}&end={DAY}&group=cinema"
    )
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "影院" and rows[0][1] == "售出票数" and rows[0][5] == "净票房"
    labels = [r[0] for r in rows[1:-1]]
    assert "'" + HOSTILE_NAME in labels and "我们的影城" in labels
    assert rows[-1][1:3] == ["5", "250.00"]


def test_the_xlsx_export_opens_with_numbers_chinese_and_no_formula(
    client, make, login_as, two_cinemas
):
    login_as("platform_admin")
    response = client.get(
        f"/admin/boxoffice/export/xlsx/?period=custom&start={DAY}&end={DAY}&group=cinema"
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0].value == "影院" and rows[0][0].font.bold
    by_label = {row[0].value: row for row in rows[1:]}
    hostile = by_label["'" + HOSTILE_NAME]
    assert hostile[0].data_type == "s"
    assert all(cell.data_type != "f" for row in rows for cell in row)
    assert by_label["我们的影城"][1].value == 2
    assert Decimal(str(by_label["我们的影城"][2].value)) == Decimal("100")
    total = rows[-1]
    assert total[1].value == 5 and float(total[5].value) == 250.0


def test_a_long_report_shows_its_first_rows_and_exports_them_all(
    client, make, login_as, english, monkeypatch, two_cinemas
):
    from portal.admin_views import boxoffice as view

    monkeypatch.setattr(view, "PAGE_ROWS", 1)
    login_as("platform_admin")
    page = client.get(f"{REPORT}&group=cinema").text
    assert page.count('class="report-row"') == 1 and 'id="report-cut"' in page
    total = re.search(r'<tr id="report-total">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="text-right">([^<]*)</td>', total)[:2] == ["5", "250.00"]
    exported = client.get(
        f"/admin/boxoffice/export/csv/?period=custom&start={DAY}&end={DAY}&group=cinema"
    ).data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(exported)))) == 4  # head, two cinemas, total
