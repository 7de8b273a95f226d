"""Screening rights (PRODUCT.md: "A show needs a screening right for its movie, cinema and
date"): the check on every path that creates or moves a show, granting one or many rights
all-or-none, bad input, rights about to end with shows after them, and the cinema scope.
SQLite and MariaDB alike."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from portal import access
from portal.extensions import db
from portal.models import Schedule, ScreeningRight

from .conftest import csrf_from, page_messages

DAY = dt.date(2030, 3, 4)


def at(hour, day=DAY):
    return dt.datetime.combine(day, dt.time(hour))


@pytest.fixture(autouse=True)
def in_english(english):
    """Messages are asserted in English (the portal's default language is Chinese)."""


@pytest.fixture()
def admin(login_as):
    return login_as(access.PLATFORM_ADMIN)


def submit(client, url, data, follow=False):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(
        url, data={"csrf_token": csrf_from(page.text), **data}, follow_redirects=follow
    )


def stored_schedules():
    db.session.expire_all()
    return db.session.query(Schedule).order_by(Schedule.starts_at).all()


def stored_rights():
    db.session.expire_all()
    return db.session.query(ScreeningRight).order_by(ScreeningRight.cinema_id).all()


def schedule_form(movie, hall, starts_at, **extra):
    return {
        "movie": movie.id,
        "hall": hall.id,
        "starts_at": starts_at.strftime("%Y-%m-%d %H:%M:%S"),
        "price": "45.00",
        "language_version": "",
        "status": "scheduled",
        **extra,
    }


def bulk_form(
    movie, hall, first_day=DAY, last_day=DAY + dt.timedelta(days=3), times="10:00, 19:00"
):
    return {
        "movie": movie.id,
        "hall": hall.id,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "start_times": times,
        "price": "45.00",
        "language_version": "",
        "status": "scheduled",
    }


def bulk_problems(html):
    return [
        re.sub(r"\s+", " ", p).strip()
        for p in re.findall(r'class="list-group-item bulk-problem">(.*?)</li>', html, re.S)
    ]


def a_cinema_without_rights(make):
    hall = make.hall()
    hall.cinema.name = "和平影城"
    movie = make.movie(title="长安三万里")
    db.session.commit()
    return movie, hall


# -- every path that creates or moves a show checks the right -----------------------------------
def test_show_of_a_movie_without_any_right_is_refused_naming_the_gap(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    response = submit(client, "/admin/schedule/new/", schedule_form(movie, hall, at(19)))
    assert response.status_code == 200
    assert (
        "和平影城 holds no screening right for 长安三万里; it cannot show it on Mar 4, 2030."
        in page_messages(response.text)
    )
    assert stored_schedules() == []


def test_show_outside_the_rights_days_is_refused_naming_the_rights_held(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, hall.cinema, DAY - dt.timedelta(days=10), DAY - dt.timedelta(days=1))
    make.right(movie, hall.cinema, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=5))
    response = submit(client, "/admin/schedule/new/", schedule_form(movie, hall, at(19)))
    assert (
        "和平影城 holds no screening right for 长安三万里 on Mar 4, 2030 (its rights cover "
        "Feb 22, 2030–Mar 3, 2030, Mar 5, 2030–Mar 9, 2030)."
    ) in page_messages(response.text)
    assert stored_schedules() == []


def test_show_on_the_first_and_the_last_day_of_a_right_is_accepted(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, hall.cinema, DAY, DAY + dt.timedelta(days=1))
    for starts_at in (at(10), at(22, DAY + dt.timedelta(days=1))):
        response = submit(client, "/admin/schedule/new/", schedule_form(movie, hall, starts_at))
        assert response.status_code == 302, page_messages(response.text)
    assert len(stored_schedules()) == 2


def test_right_of_another_cinema_does_not_count(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, make.cinema())
    response = submit(client, "/admin/schedule/new/", schedule_form(movie, hall, at(19)))
    assert response.status_code == 200 and stored_schedules() == []


def test_bulk_scheduling_lists_every_uncovered_day_and_creates_none(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, hall.cinema, DAY, DAY + dt.timedelta(days=1))
    response = submit(client, "/admin/schedule/bulk/", bulk_form(movie, hall))
    problems = bulk_problems(response.text)
    assert [p.split(": ")[0] for p in problems] == [
        "Mar 6, 2030, 10:00 AM",
        "Mar 6, 2030, 7:00 PM",
        "Mar 7, 2030, 10:00 AM",
        "Mar 7, 2030, 7:00 PM",
    ]
    assert all("no screening right for 长安三万里 on" in p for p in problems)
    assert stored_schedules() == []


def edit_form(show, **changes):
    return {
        **schedule_form(show.movie, show.hall, show.starts_at),
        "form_version": show.version,
        **changes,
    }


def test_moving_a_show_past_the_end_of_its_right_is_refused(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, hall.cinema, DAY, DAY + dt.timedelta(days=1))
    show = make.schedule(movie=movie, hall=hall, starts_at=at(19), right=False)
    later = at(19, DAY + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    response = submit(
        client, f"/admin/schedule/edit/?id={show.id}", edit_form(show, starts_at=later)
    )
    assert any(
        "no screening right for 长安三万里 on Mar 6, 2030" in m
        for m in page_messages(response.text)
    )
    assert stored_schedules()[0].starts_at == at(19)


def test_moving_a_show_to_a_cinema_without_the_right_is_refused(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, hall.cinema)
    show = make.schedule(movie=movie, hall=hall, starts_at=at(19), right=False)
    elsewhere = make.hall()
    response = submit(
        client, f"/admin/schedule/edit/?id={show.id}", edit_form(show, hall=elsewhere.id)
    )
    assert response.status_code == 200
    assert stored_schedules()[0].hall_id == hall.id


def test_day_view_edit_link_refuses_a_move_outside_the_right(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, hall.cinema, DAY, DAY)
    show = make.schedule(movie=movie, hall=hall, starts_at=at(19), right=False)
    day = client.get(f"/admin/schedule/day/?cinema_id={hall.cinema_id}&date={DAY}").text
    link = re.search(rf'id="schedule-{show.id}".*?href="([^"]+)"', day, re.S).group(1)
    url = link.replace("&amp;", "&")
    assert url.startswith(f"/admin/schedule/edit/?id={show.id}")
    tomorrow = at(19, DAY + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    response = submit(client, url, edit_form(show, starts_at=tomorrow))
    assert any("no screening right" in m for m in page_messages(response.text))
    assert stored_schedules()[0].starts_at == at(19)


def test_putting_on_sale_a_show_whose_right_was_shortened_is_refused(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    right = make.right(movie, hall.cinema, DAY, DAY + dt.timedelta(days=5))
    show = make.schedule(
        movie=movie, hall=hall, starts_at=at(19, DAY + dt.timedelta(days=3)), right=False
    )
    right.ends_on = DAY + dt.timedelta(days=1)
    db.session.commit()
    token = csrf_from(client.get("/admin/schedule/").text)
    response = client.post(
        "/admin/schedule/action/",
        data={"csrf_token": token, "action": "put_on_sale", "rowid": [str(show.id)]},
        follow_redirects=True,
    )
    assert any("no screening right" in m for m in page_messages(response.text))
    assert stored_schedules()[0].status == "scheduled"


def test_cancelling_a_show_needs_no_right(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    show = make.schedule(movie=movie, hall=hall, starts_at=at(19), right=False)
    response = submit(
        client, f"/admin/schedule/edit/?id={show.id}", edit_form(show, status="cancelled")
    )
    assert response.status_code == 302, page_messages(response.text)


# -- granting: one right through the form ---------------------------------------------------------
def right_form(movie, cinema, starts_on=DAY, ends_on=DAY + dt.timedelta(days=30), share="43.00"):
    return {
        "movie": movie.id,
        "cinema": cinema.id,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "distributor_share": share,
    }


def test_editor_grants_a_right_that_lets_the_cinema_schedule(client, login_as, make):
    movie, hall = a_cinema_without_rights(make)
    login_as(access.CONTENT_EDITOR)
    response = submit(client, "/admin/screeningright/new/", right_form(movie, hall.cinema))
    assert response.status_code == 302, page_messages(response.text)
    (right,) = stored_rights()
    assert (right.starts_on, right.distributor_share) == (DAY, Decimal("43.00"))
    login_as(access.CINEMA_MANAGER, cinemas=[hall.cinema])
    response = submit(client, "/admin/schedule/new/", schedule_form(movie, hall, at(19)))
    assert response.status_code == 302, page_messages(response.text)


@pytest.mark.parametrize(
    "changes,message",
    [
        (
            {"ends_on": (DAY - dt.timedelta(days=1)).isoformat()},
            "cannot end (Mar 3, 2030) before it starts (Mar 4, 2030)",
        ),
        ({"distributor_share": "100.01"}, "Number must be between 0 and 100"),
        ({"distributor_share": "-1"}, "Number must be between 0 and 100"),
        ({"starts_on": "2030-02-30"}, "Not a valid date value"),
    ],
    ids=["ends before it starts", "share above 100", "negative share", "not a date"],
)
def test_bad_right_is_refused_with_a_message(client, admin, make, changes, message):
    movie, hall = a_cinema_without_rights(make)
    response = submit(
        client, "/admin/screeningright/new/", {**right_form(movie, hall.cinema), **changes}
    )
    assert response.status_code == 200
    assert any(message in m for m in page_messages(response.text)), page_messages(response.text)
    assert stored_rights() == []


def test_right_for_an_offline_movie_is_refused(client, admin, make):
    movie = make.movie(title="热辣滚烫", status="offline")
    response = submit(client, "/admin/screeningright/new/", right_form(movie, make.cinema()))
    assert "Movie 热辣滚烫 is offline; no screening right can be granted for it." in page_messages(
        response.text
    )
    assert stored_rights() == []


def test_right_overlapping_one_the_cinema_holds_is_refused(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    make.right(movie, hall.cinema, DAY + dt.timedelta(days=20), DAY + dt.timedelta(days=40))
    response = submit(client, "/admin/screeningright/new/", right_form(movie, hall.cinema))
    assert any(
        "和平影城 already holds a right for 长安三万里 from Mar 24, 2030 to Apr 13, 2030" in m
        for m in page_messages(response.text)
    )
    assert len(stored_rights()) == 1


def test_right_can_be_shortened_while_shows_are_scheduled_after_it(client, admin, make):
    movie, hall = a_cinema_without_rights(make)
    right = make.right(movie, hall.cinema, DAY, DAY + dt.timedelta(days=30))
    make.schedule(
        movie=movie, hall=hall, starts_at=at(19, DAY + dt.timedelta(days=20)), right=False
    )
    response = submit(
        client,
        f"/admin/screeningright/edit/?id={right.id}",
        right_form(movie, hall.cinema, ends_on=DAY + dt.timedelta(days=5)),
    )
    assert response.status_code == 302, page_messages(response.text)
    assert stored_rights()[0].ends_on == DAY + dt.timedelta(days=5)


# -- granting: one movie to many cinemas, all or none ---------------------------------------------
def grant_form(movie, city=None, cinemas=(), share="43.00"):
    return {
        "movie": movie.id,
        "city": city.id if city else "__None",
        "cinemas": [c.id for c in cinemas],
        "starts_on": DAY.isoformat(),
        "ends_on": (DAY + dt.timedelta(days=30)).isoformat(),
        "distributor_share": share,
    }


def test_grant_reaches_every_cinema_of_a_city_and_the_chosen_ones(client, login_as, make):
    city = make.city(name="杭州")
    in_city = [make.cinema(city=city) for _ in range(3)]
    chosen, left_out = make.cinema(), make.cinema()
    movie = make.movie()
    login_as(access.CONTENT_EDITOR)
    response = submit(
        client,
        "/admin/screeningright/grant/",
        grant_form(movie, city=city, cinemas=[chosen, in_city[0]]),
    )
    assert response.status_code == 302, page_messages(response.text)
    granted = {r.cinema_id for r in stored_rights()}
    assert granted == {c.id for c in in_city + [chosen]} and left_out.id not in granted
    assert len(stored_rights()) == 4


def test_grant_is_all_or_none_and_lists_every_cinema_that_holds_one(client, admin, make):
    city = make.city()
    cinemas = [make.cinema(city=city, name=f"影城{n}号") for n in range(4)]
    movie = make.movie(title="封神")
    for cinema in cinemas[1:3]:
        make.right(movie, cinema, DAY + dt.timedelta(days=5), DAY + dt.timedelta(days=50))
    response = submit(client, "/admin/screeningright/grant/", grant_form(movie, city=city))
    assert response.status_code == 200
    problems = re.findall(r'class="list-group-item grant-problem">(.*?)</li>', response.text)
    assert [p.split(" ")[0] for p in problems] == ["影城1号", "影城2号"]
    assert len(stored_rights()) == 2


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"city": "__None", "cinemas": []}, "Choose a city with cinemas, or at least one cinema"),
        ({"cinemas": ["999999"]}, "Not a valid choice"),
        ({"distributor_share": "101"}, "Number must be between 0 and 100"),
    ],
    ids=["nowhere", "unknown cinema", "share above 100"],
)
def test_bad_grant_is_refused_and_grants_nothing(client, admin, make, changes, message):
    data = {**grant_form(make.movie(), cinemas=[make.cinema()]), **changes}
    response = submit(client, "/admin/screeningright/grant/", data)
    assert response.status_code == 200
    said = page_messages(response.text) + re.findall(
        r'class="list-group-item grant-problem">(.*?)</li>', response.text
    )
    assert any(message in m for m in said), said
    assert stored_rights() == []


def test_grant_for_an_offline_movie_grants_nothing(client, admin, make):
    movie = make.movie(title="热辣滚烫", status="offline")
    response = submit(
        client, "/admin/screeningright/grant/", grant_form(movie, cinemas=[make.cinema()])
    )
    assert "Movie 热辣滚烫 is offline" in response.text
    assert stored_rights() == []


@pytest.mark.parametrize("role", [access.CINEMA_MANAGER, access.AUDITOR])
def test_managers_and_auditors_cannot_grant(client, login_as, make, role):
    cinema = make.cinema()
    movie = make.movie()
    login_as(role, cinemas=[cinema])
    assert client.get("/admin/screeningright/grant/").status_code == 403
    assert client.get("/admin/screeningright/new/").status_code == 403
    token = csrf_from(client.get("/admin/").text)
    response = client.post(
        "/admin/screeningright/grant/",
        data={"csrf_token": token, **grant_form(movie, cinemas=[cinema])},
    )
    assert response.status_code == 403
    assert stored_rights() == []


# -- rights about to end while shows are scheduled after them ------------------------------------
def flagged_world(make, today):
    """Rights ending in 3 days: one with a show after its end (flagged); one whose later show
    is covered by a renewal, one whose later show is cancelled, one ending in 10 days."""
    movie = make.movie(title="满江红")
    hall = make.hall()
    ends = today + dt.timedelta(days=3)
    flagged = make.right(movie, hall.cinema, today, ends)
    make.schedule(
        movie=movie,
        hall=hall,
        right=False,
        starts_at=dt.datetime.combine(ends + dt.timedelta(days=1), dt.time(19)),
    )
    renewed_hall = make.hall()
    make.right(movie, renewed_hall.cinema, today, ends)
    make.right(
        movie, renewed_hall.cinema, ends + dt.timedelta(days=1), ends + dt.timedelta(days=30)
    )
    make.schedule(
        movie=movie,
        hall=renewed_hall,
        right=False,
        starts_at=dt.datetime.combine(ends + dt.timedelta(days=2), dt.time(19)),
    )
    cancelled_hall = make.hall()
    make.right(movie, cancelled_hall.cinema, today, ends)
    make.schedule(
        movie=movie,
        hall=cancelled_hall,
        right=False,
        status="cancelled",
        starts_at=dt.datetime.combine(ends + dt.timedelta(days=2), dt.time(19)),
    )
    far_hall = make.hall()
    make.right(movie, far_hall.cinema, today, today + dt.timedelta(days=10))
    make.schedule(
        movie=movie,
        hall=far_hall,
        right=False,
        starts_at=dt.datetime.combine(today + dt.timedelta(days=11), dt.time(19)),
    )
    return flagged


def test_list_filter_shows_only_rights_ending_soon_with_later_shows(client, admin, make):
    flagged = flagged_world(make, dt.date.today())
    listing = client.get("/admin/screeningright/?flt0_0=1").text
    ids = set(re.findall(r'name="rowid"[^>]*value="(\d+)"', listing))
    assert ids == {str(flagged.id)}


def test_dashboard_counts_rights_ending_soon_with_later_shows(client, admin, make):
    flagged_world(make, dt.date.today())
    page = client.get("/admin/").text
    assert re.search(r'id="count-rights-ending">1<', page)
    link = re.search(r'id="rights-ending-card".*?href="([^"]+)"', page, re.S).group(1)
    assert link.replace("&amp;", "&") == "/admin/screeningright/?flt0_0=1"


def test_manager_dashboard_counts_only_their_cinemas_rights(client, login_as, make):
    flagged = flagged_world(make, dt.date.today())
    login_as(access.CINEMA_MANAGER, cinemas=[make.cinema()])
    assert re.search(r'id="count-rights-ending">0<', client.get("/admin/").text)
    login_as(access.CINEMA_MANAGER, cinemas=[flagged.cinema])
    assert re.search(r'id="count-rights-ending">1<', client.get("/admin/").text)


# -- scope: managers read their own cinemas' rights ----------------------------------------------
def test_manager_reads_only_their_cinemas_rights(client, login_as, make):
    movie = make.movie()
    mine, theirs = make.cinema(name="我的影城"), make.cinema(name="别人影城")
    own, other = make.right(movie, mine), make.right(movie, theirs)
    login_as(access.CINEMA_MANAGER, cinemas=[mine])
    listing = client.get("/admin/screeningright/").text
    assert "我的影城" in listing and "别人影城" not in listing
    assert client.get(f"/admin/screeningright/details/?id={own.id}").status_code == 200
    assert client.get(f"/admin/screeningright/details/?id={other.id}").status_code == 404
    assert client.get(f"/admin/screeningright/edit/?id={own.id}").status_code == 403
    token = csrf_from(listing)
    assert (
        client.post(
            "/admin/screeningright/delete/", data={"csrf_token": token, "id": own.id}
        ).status_code
        == 403
    )
    assert client.get("/admin/screeningright/export/csv/").status_code == 403
    assert len(stored_rights()) == 2


def test_auditor_exports_every_right(client, login_as, make):
    movie = make.movie(title="导出片")
    make.right(movie, make.cinema(name="甲影城"))
    make.right(movie, make.cinema(name="乙影城"))
    login_as(access.AUDITOR)
    export = client.get("/admin/screeningright/export/csv/").data.decode("utf-8-sig")
    assert "甲影城" in export and "乙影城" in export and "导出片" in export


def test_editor_ajax_lookup_offers_cinemas_and_movies(client, login_as, make):
    make.cinema(name="查找影城")
    make.movie(title="查找片")
    login_as(access.CONTENT_EDITOR)
    cinemas = client.get("/admin/screeningright/ajax/lookup/?name=cinema&query=查找").get_json()
    movies = client.get("/admin/screeningright/ajax/lookup/?name=movie&query=查找").get_json()
    assert [label for _, label in cinemas] == ["查找影城"]
    assert [label for _, label in movies] == ["查找片"]
