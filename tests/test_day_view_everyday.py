"""The day view in everyday use: shows from the evening before, whole blocks that open the
show, empty hours that create one, copying a day all or none, a line at now, and no offers
for inactive halls."""

import datetime as dt
import re

import pytest

from portal.extensions import db
from portal.i18n import wall_clock_now
from portal.models import Schedule

from .conftest import csrf_from, page_messages

DAY = dt.date(2030, 12, 5)


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute))


def day_url(cinema, day=DAY):
    return f"/admin/schedule/day/?cinema_id={cinema.id}&date={day.isoformat()}"


@pytest.fixture()
def admin(english, login_as):
    return login_as("platform_admin")


def test_a_show_from_the_evening_before_appears_from_midnight(client, admin, make):
    hall = make.hall()
    late = make.schedule(hall=hall, starts_at=at(23, 0, DAY - dt.timedelta(days=1)))
    html = client.get(day_url(hall.cinema)).text
    block = re.search(
        rf'<a class="day-block[^"]*" id="schedule-{late.id}"[^>]*'
        r'style="left: ([\d.]+)%',
        html,
    )
    assert block and float(block.group(1)) == 0
    assert "from the day before" in html


def test_the_whole_block_is_the_link_to_the_show(client, admin, make):
    show = make.schedule(starts_at=at(10))
    html = client.get(day_url(show.hall.cinema)).text
    block = re.search(
        rf'<a class="day-block[^"]*" id="schedule-{show.id}"[^>]*href="([^"]+)"', html, re.S
    )
    assert block and block.group(1).startswith(f"/admin/schedule/edit/?id={show.id}")


def test_an_empty_hour_creates_a_show_there_with_hall_and_time_filled(client, admin, make):
    hall = make.hall(name="3号厅")
    html = client.get(day_url(hall.cinema)).text
    slot = f"/admin/schedule/new/?hall_id={hall.id}&amp;starts_at=2030-12-05T14:00"
    assert slot in html
    form = client.get(slot.replace("&amp;", "&")).text
    assert 'value="2030-12-05 14:00"' in form
    assert re.search(rf'id="hall"[^>]*value="{hall.id}"|value="{hall.id}"[^>]*id="hall"', form)


def test_inactive_halls_offer_no_empty_hours(client, admin, make):
    hall = make.hall(is_active=False)
    html = client.get(day_url(hall.cinema)).text
    assert f"hall_id={hall.id}" not in html and "(inactive)" in html


def test_a_line_marks_now_on_todays_view(client, admin, make, monkeypatch):
    # The clock pinned at 14:00: past midnight the line is on the evening before's axis.
    afternoon = wall_clock_now().replace(hour=14, minute=0)
    monkeypatch.setattr("portal.admin_views.schedule_day.wall_clock_now", lambda: afternoon)
    hall = make.hall()
    today = afternoon.date()
    assert 'class="day-now"' in client.get(day_url(hall.cinema, today)).text
    assert 'class="day-now"' not in client.get(day_url(hall.cinema, DAY)).text


def copy(client, cinema, day, first, last=""):
    page = client.get(day_url(cinema, day))
    return client.post(
        "/admin/schedule/day/copy/",
        data={
            "csrf_token": csrf_from(page.text),
            "cinema_id": cinema.id,
            "date": day.isoformat(),
            "first_day": first.isoformat(),
            "last_day": last and last.isoformat(),
        },
    )


def test_copying_a_day_creates_its_shows_on_every_target_day(client, admin, make):
    first, second = make.hall(name="1号厅"), None
    second = make.hall(name="2号厅", cinema=first.cinema)
    make.schedule(hall=first, starts_at=at(10))
    make.schedule(hall=second, starts_at=at(19, 30))
    make.schedule(hall=first, starts_at=at(14), status="cancelled")
    response = copy(
        client, first.cinema, DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=3)
    )
    assert response.status_code == 302, page_messages(response.text)
    copies = db.session.query(Schedule).filter(Schedule.starts_at > at(23, 59)).all()
    assert sorted((s.hall.name, s.starts_at) for s in copies) == sorted(
        [("1号厅", at(10, day=DAY + dt.timedelta(days=n))) for n in (1, 2, 3)]
        + [("2号厅", at(19, 30, day=DAY + dt.timedelta(days=n))) for n in (1, 2, 3)]
    )
    assert "Copied 6 shows to Dec 6–Dec 8." in page_messages(
        client.get(response.headers["Location"]).text
    )


def test_copying_a_day_is_all_or_none_and_lists_the_collisions(client, admin, make):
    hall = make.hall(name="1号厅")
    make.schedule(hall=hall, starts_at=at(10))
    make.schedule(hall=hall, starts_at=at(18))
    blocker = make.schedule(hall=hall, starts_at=at(11, day=DAY + dt.timedelta(days=2)))
    before = db.session.query(Schedule).count()
    response = copy(
        client, hall.cinema, DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)
    )
    assert response.status_code == 200
    assert db.session.query(Schedule).count() == before
    problems = [
        re.sub(r"\s+", " ", p).strip()
        for p in re.findall(
            r'class="list-group-item list-group-item-danger copy-problem">(.*?)</li>',
            response.text,
            re.S,
        )
    ]
    assert len(problems) == 1 and problems[0].startswith("1号厅: Dec 7, 2030, 10:00 AM")
    assert f"#{blocker.id}" in problems[0]


def test_copying_needs_schedule_create(client, login_as, make):
    hall = make.hall()
    make.schedule(hall=hall, starts_at=at(10))
    login_as("auditor")
    assert 'id="copy-day"' not in client.get(day_url(hall.cinema)).text
    page = client.get(day_url(hall.cinema))
    response = client.post(
        "/admin/schedule/day/copy/",
        data={
            "csrf_token": csrf_from(page.text),
            "cinema_id": hall.cinema.id,
            "date": DAY.isoformat(),
            "first_day": (DAY + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 403
