"""Finding your work: after creating shows you land where they are seen, told what was
created by name; the schedule list starts with what is coming, with quick filters, search
over hall and cinema names, a hall filter and day-range filters on the start."""

import datetime as dt
import re

import pytest
from flask_admin.contrib.sqla.filters import FilterLike

from portal.admin_views.day_filters import BetweenDays, FromDay, OnDay, UntilDay
from portal.extensions import db
from portal.i18n import wall_clock_now
from portal.models import Hall, Schedule

from .conftest import csrf_from, page_messages

DAY = dt.date(2030, 12, 5)


@pytest.fixture()
def admin(english, login_as):
    return login_as("platform_admin")


def submit(client, url, data, **kwargs):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data}, **kwargs)


def row_titles(html):
    return re.findall(r'<td class="col-movie">(?:<a [^>]*>)?([^<]*)', html)


def test_a_new_show_lands_on_its_day_and_is_named(client, admin, make):
    movie, hall = make.movie(title="流浪地球2"), make.hall(name="1号厅")
    make.right(movie, hall.cinema)
    response = submit(
        client,
        "/admin/schedule/new/",
        {
            "movie": movie.id,
            "hall": hall.id,
            "starts_at": "2030-12-05 14:00",
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    assert response.headers["Location"].endswith(
        f"/admin/schedule/day/?cinema_id={hall.cinema_id}&date=2030-12-05"
    )
    day = client.get(response.headers["Location"]).text
    assert "Schedule “流浪地球2, 1号厅, Dec 5, 2030, 2:00\u202fPM” was created." in page_messages(
        day
    )
    assert "流浪地球2" in day


@pytest.mark.parametrize(
    "lang, message",
    [
        ("en", "Created 9 shows: 流浪地球2, 1号厅, Dec 5–Dec 7."),
        ("zh_Hans_CN", "已创建 9 个场次：流浪地球2，1号厅，12月5日–12月7日。"),
    ],
)
def test_bulk_creation_lands_on_the_first_day_and_says_what_was_created(
    client, admin, make, lang, message
):
    client.get(f"/admin/?lang={lang}")
    movie, hall = make.movie(title="流浪地球2"), make.hall(name="1号厅")
    make.right(movie, hall.cinema)
    response = submit(
        client,
        "/admin/schedule/bulk/",
        {
            "movie": movie.id,
            "hall": hall.id,
            "first_day": "2030-12-05",
            "last_day": "2030-12-07",
            "start_times": "10:00, 14:00, 19:00",
            "price": "50.00",
            "language_version": "",
            "status": "scheduled",
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    assert f"cinema_id={hall.cinema_id}&date=2030-12-05" in response.headers["Location"]
    assert message in page_messages(client.get(response.headers["Location"]).text)


def test_schedule_list_starts_with_upcoming_shows_soonest_first(client, admin, make):
    today = wall_clock_now().replace(second=0, microsecond=0)
    hall = make.hall()
    for title, when in (
        ("昨天", today - dt.timedelta(days=1)),
        ("后天", today + dt.timedelta(days=2)),
        ("明天", today + dt.timedelta(days=1)),
        ("下月", today + dt.timedelta(days=30)),
    ):
        make.schedule(hall=hall, movie=make.movie(title=title), starts_at=when)
    assert row_titles(client.get("/admin/schedule/").text) == ["明天", "后天", "下月"]
    assert row_titles(client.get("/admin/schedule/?when=tomorrow").text) == ["明天"]
    assert row_titles(client.get("/admin/schedule/?when=past").text) == ["昨天"]
    assert row_titles(client.get("/admin/schedule/?when=all").text) == [
        "下月",
        "后天",
        "明天",
        "昨天",
    ]
    listing = client.get("/admin/schedule/").text
    for name in ("today", "tomorrow", "week", "past"):
        assert f'href="/admin/schedule/?when={name}"' in listing


def test_search_matches_hall_and_cinema_names(client, admin, make):
    first = make.hall(name="激光厅", cinema=make.cinema(name="星河影城"))
    second = make.hall(name="普通厅", cinema=make.cinema(name="海上影城"))
    make.schedule(hall=first, movie=make.movie(title="甲"))
    make.schedule(hall=second, movie=make.movie(title="乙"))
    assert row_titles(client.get("/admin/schedule/?search=激光").text) == ["甲"]
    assert row_titles(client.get("/admin/schedule/?search=海上").text) == ["乙"]


def filter_index(app, column, kind):
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "schedule")
    return next(i for i, f in enumerate(view._filters) if type(f) is kind and f.column is column)


def test_hall_filter_and_start_filters_by_day(client, app, admin, make):
    hall, other = make.hall(name="巨幕厅"), make.hall(name="小厅")
    make.schedule(hall=hall, movie=make.movie(title="五号"), starts_at=dt.datetime(2030, 12, 5, 23))
    make.schedule(hall=hall, movie=make.movie(title="六号"), starts_at=dt.datetime(2030, 12, 6, 9))
    make.schedule(hall=other, movie=make.movie(title="七号"), starts_at=dt.datetime(2030, 12, 7))
    on = filter_index(app, Schedule.starts_at, OnDay)
    between = filter_index(app, Schedule.starts_at, BetweenDays)
    by_hall = filter_index(app, Hall.__table__.c.name, FilterLike)
    assert row_titles(client.get(f"/admin/schedule/?flt0_{on}=2030-12-05").text) == ["五号"]
    assert sorted(
        row_titles(client.get(f"/admin/schedule/?flt0_{between}=2030-12-05+to+2030-12-06").text)
    ) == ["五号", "六号"]
    assert sorted(row_titles(client.get(f"/admin/schedule/?flt0_{by_hall}=巨幕").text)) == [
        "五号",
        "六号",
    ]
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "schedule")
    on_start = [f for f in view._filters if f.column is Schedule.starts_at]
    assert {type(f) for f in on_start} == {OnDay, BetweenDays, FromDay, UntilDay}


def test_a_past_start_needs_a_ticked_confirmation(client, admin, make):
    movie, hall = make.movie(), make.hall()
    make.right(movie, hall.cinema)
    past = (wall_clock_now() - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    form = {
        "movie": movie.id,
        "hall": hall.id,
        "starts_at": past,
        "price": "45.00",
        "language_version": "",
        "status": "scheduled",
    }
    refused = submit(client, "/admin/schedule/new/", form)
    assert refused.status_code == 200
    assert "This show starts in the past. Tick the box to save it anyway." in page_messages(
        refused.text
    )
    assert db.session.query(Schedule).count() == 0
    accepted = submit(client, "/admin/schedule/new/", {**form, "confirm_past": "y"})
    assert accepted.status_code == 302
    assert db.session.query(Schedule).count() == 1


def test_bulk_days_in_the_past_need_a_ticked_confirmation(client, admin, make):
    movie, hall = make.movie(), make.hall()
    make.right(movie, hall.cinema)
    yesterday = (wall_clock_now() - dt.timedelta(days=1)).date().isoformat()
    form = {
        "movie": movie.id,
        "hall": hall.id,
        "first_day": yesterday,
        "last_day": yesterday,
        "start_times": "10:00",
        "price": "50.00",
        "language_version": "",
        "status": "scheduled",
    }
    refused = submit(client, "/admin/schedule/bulk/", form)
    assert refused.status_code == 200 and db.session.query(Schedule).count() == 0
    assert submit(client, "/admin/schedule/bulk/", {**form, "confirm_past": "y"}).status_code == 302


def test_the_form_asks_the_server_for_the_end_and_takes_minutes(client, admin, make):
    movie = make.movie(duration_minutes=100)
    answer = client.get(f"/admin/schedule/ends_at/?movie={movie.id}&starts_at=2030-12-05+19:30")
    assert answer.get_json() == {"ends_at": "2030-12-05 21:25"}
    form = client.get("/admin/schedule/new/").text
    assert 'data-date-format="YYYY-MM-DD HH:mm"' in form
    assert "/static/schedule_form.js" in form
    assert client.get("/admin/schedule/ends_at/?movie=x&starts_at=soon").get_json() == {
        "ends_at": ""
    }


def test_schedule_details_show_the_cinema_and_titles_link_to_the_movie(client, admin, make):
    show = make.schedule(
        hall=make.hall(cinema=make.cinema(name="星河影城")),
        starts_at=wall_clock_now() + dt.timedelta(days=1),
    )
    details = client.get(f"/admin/schedule/details/?id={show.id}").text
    assert "星河影城" in details and "Version" not in details and 'id="fa_filter"' not in details
    assert f'href="/admin/movie/details/?id={show.movie_id}"' in client.get("/admin/schedule/").text


def test_bulk_delete_is_last_and_apart_from_cancelling_shows(client, admin, make):
    make.schedule(starts_at=wall_clock_now() + dt.timedelta(days=1))
    listing = client.get("/admin/schedule/").text
    actions = re.findall(r"modelActions\.execute\('(\w+)'\);\">([^<]+)<", listing)
    assert actions == [
        ("put_on_sale", "Put on sale"),
        ("cancel", "Cancel shows"),
        ("reprice", "Re-price"),
        ("delete", "Delete permanently"),
    ]


def test_bulk_status_changes_name_the_shows(client, admin, make):
    hall = make.hall(name="1号厅")
    show = make.schedule(
        hall=hall, movie=make.movie(title="满江红"), starts_at=dt.datetime(2030, 12, 5, 19, 30)
    )
    token = csrf_from(client.get("/admin/schedule/").text)
    response = client.post(
        "/admin/schedule/action/",
        data={"csrf_token": token, "action": "cancel", "rowid": [str(show.id)]},
        follow_redirects=True,
    )
    assert "Now “Cancelled” (1): “满江红, 1号厅, Dec 5, 2030, 7:30\u202fPM”." in page_messages(
        response.text
    )
