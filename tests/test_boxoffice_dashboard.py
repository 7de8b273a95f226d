"""The dashboard's box office cards: today against the same weekday last week, the 30-day
trend, this week's top films, occupancy by hour, today's shows with their fill rate, the
online orders awaiting confirmation; scoped; each card links to what is behind it; a page
of at most 10 queries."""

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import Seat
from portal.services import selling

from .factories import sell_first_seats

HOSTILE_NAME = "别人的影城"


def sell(show, count, token):
    sell_first_seats(db.session, show, count, token)


@pytest.fixture()
def today_sales(app_ctx, make, ten_in_the_morning):
    """A show later today in each of two cinemas, 2 and 3 tickets sold; one a week ago is
    written as sold (its row's figures, as the rebuild would have them)."""
    later = selling.local_now() + dt.timedelta(hours=1)
    ours, theirs = make.cinema(name="我们的影城"), make.cinema(name=HOSTILE_NAME)
    mine = make.show_on_sale(layout="SSSS\nSSSS", cinema=ours, starts_at=later)
    other = make.show_on_sale(layout="SSSS\nSSSS", cinema=theirs, starts_at=later)
    sell(mine, 2, "ours")
    sell(other, 3, "theirs")
    awaiting = make.online_order(
        other,
        [
            db.session.scalars(
                select(Seat).where(Seat.layout_id == other.seat_layout_id).order_by(Seat.id.desc())
            ).first()
        ],
        status="awaiting_confirmation",
    )
    db.session.commit()
    return ours, theirs, mine, awaiting


def test_a_manager_sees_their_cinemas_box_office_only(client, make, login_as, english, today_sales):
    ours, _theirs, mine, _awaiting = today_sales
    login_as("cinema_manager", cinemas=[ours])

    page = client.get("/admin/").text

    assert re.search(r'id="today-tickets">2<', page) and 'id="today-net">100.00<' in page
    assert HOSTILE_NAME not in page and "我们的影城" in page
    assert f"/admin/schedule/seats/?id={mine.id}" in page
    assert re.search(r"<td class=\"text-right\">2 / 8</td>\s*<td class=\"text-right\">25.0%", page)
    films = re.search(r'id="films-table">(.*?)</table>', page, re.S).group(1)
    assert films.count("<tr>") == 2  # the head and our one film


def test_the_platform_admin_sees_every_cinema_and_the_orders_awaiting(
    client, make, login_as, english, today_sales
):
    login_as("platform_admin")
    page = client.get("/admin/").text
    assert 'id="today-net">250.00<' in page and HOSTILE_NAME in page
    assert re.search(r'id="count-awaiting">1<', page)
    link = re.search(r'id="awaiting-card".*?href="([^"]+)" id="awaiting-link"', page, re.S)
    listed = client.get(link.group(1).replace("&amp;", "&")).text
    assert today_sales[3].order_no in listed


def test_every_card_links_to_the_report_behind_it(client, make, login_as, english, today_sales):
    login_as("auditor")
    page = client.get("/admin/").text
    links = set(re.findall(r'href="(/admin/boxoffice/\?[^"]+)"', page))
    assert {
        "/admin/boxoffice/?period=today&amp;group=cinema",
        "/admin/boxoffice/?period=last_30&amp;group=day",
        "/admin/boxoffice/?period=this_week&amp;group=movie",
        "/admin/boxoffice/?period=last_30&amp;group=hour",
    } <= links
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("role", ["box_office", "content_editor"])
def test_roles_without_the_box_office_see_no_figures(client, make, login_as, role, today_sales):
    login_as(role, cinemas=[today_sales[0]])
    assert 'id="box-office-cards"' not in client.get("/admin/").text


@pytest.mark.parametrize("role", ["platform_admin", "cinema_manager", "auditor"])
def test_the_dashboard_costs_at_most_ten_queries(client, make, login_as, role, today_sales):
    login_as(role, cinemas=[today_sales[0]])
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/admin/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 10, statements
