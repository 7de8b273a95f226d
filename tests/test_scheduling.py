"""Scheduling: the business rules, delete refusals, optimistic locking, bulk scheduling, the day
view and the bulk actions, through the real forms (CSRF on) on SQLite and MariaDB alike."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from portal import access
from portal.extensions import db
from portal.models import Cinema, Hall, Movie, Schedule
from portal.services.scheduling import compute_ends_at

from .conftest import csrf_from, page_messages
from .factories import PASSWORD, grant_covering_right

DAY = dt.date(2030, 3, 4)
TEN = dt.datetime.combine(DAY, dt.time(10, 0))
# 120-minute films (the factory default) + 15 minutes of clean-up
SHOW = dt.timedelta(minutes=135)


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute))


def stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def sign_in(client, user):
    page = client.get("/login?lang=en")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    return client


def submit(client, url, data):
    """GET the form page, then POST it with its CSRF token and `data` (no redirect followed)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data})


def schedule_form(movie, hall, starts_at, price="45.00", status="scheduled"):
    """The form's fields; the hall's cinema holds the movie's rights (see test_rights.py)."""
    grant_covering_right(db.session, movie, hall.cinema)
    return {
        "movie": movie.id,
        "hall": hall.id,
        "starts_at": stamp(starts_at),
        "price": price,
        "language_version": "国语",
        "status": status,
    }


def create_schedule(client, movie, hall, starts_at, **kwargs):
    return submit(client, "/admin/schedule/new/", schedule_form(movie, hall, starts_at, **kwargs))


def run_action(client, endpoint, action, ids):
    token = csrf_from(client.get(f"/admin/{endpoint}/").text)
    return client.post(
        f"/admin/{endpoint}/action/",
        data={
            "csrf_token": token,
            "action": action,
            "rowid": [str(i) for i in ids],
        },
        follow_redirects=True,
    )


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def stored_schedules():
    db.session.expire_all()
    return db.session.query(Schedule).order_by(Schedule.starts_at).all()


@pytest.fixture(autouse=True)
def in_english(english):
    """Messages are asserted in English (the portal's default language is Chinese)."""


@pytest.fixture()
def admin(login_as):
    return login_as(access.PLATFORM_ADMIN)


# -- ends_at -----------------------------------------------------------------------------------
def test_ends_at_is_start_plus_duration_plus_cleanup(client, admin, make):
    movie, hall = make.movie(duration_minutes=100), make.hall()
    response = create_schedule(client, movie, hall, TEN)
    assert response.status_code == 302, page_messages(response.text)
    assert stored_schedules()[0].ends_at == TEN + dt.timedelta(minutes=100 + 15)


def test_ends_at_follows_the_configured_cleanup_minutes(app_ctx, make, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SCHEDULE_CLEANUP_MINUTES", 30)
    assert compute_ends_at(make.movie(duration_minutes=90), TEN) == at(12, 0)


def test_ends_at_posted_with_the_form_is_ignored(client, admin, make):
    movie, hall = make.movie(), make.hall()
    data = {**schedule_form(movie, hall, TEN), "ends_at": "2030-03-04 23:59"}
    assert submit(client, "/admin/schedule/new/", data).status_code == 302
    assert stored_schedules()[0].ends_at == TEN + SHOW


def test_ends_at_is_read_only_in_the_form_and_shown_in_the_list(client, admin, make):
    schedule = make.schedule(starts_at=TEN)
    form = client.get(f"/admin/schedule/edit/?id={schedule.id}").text
    field = re.search(r'<input[^>]*name="ends_at"[^>]*>', form).group(0)
    assert "readonly" in field and "2030-03-04 12:15" in field
    listing = client.get("/admin/schedule/").text
    assert "12:15" in listing


def test_ends_at_is_recomputed_when_the_start_time_changes(client, admin, make):
    schedule = make.schedule(starts_at=TEN)
    data = {
        **schedule_form(schedule.movie, schedule.hall, at(14)),
        "form_version": schedule.version,
    }
    response = submit(client, f"/admin/schedule/edit/?id={schedule.id}", data)
    assert response.status_code == 302, page_messages(response.text)
    assert fresh(Schedule, schedule.id).ends_at == at(14) + SHOW


def test_ends_at_is_recomputed_when_the_movie_changes(client, admin, make):
    schedule = make.schedule(starts_at=TEN)
    longer = make.movie(duration_minutes=180)
    data = {**schedule_form(longer, schedule.hall, TEN), "form_version": schedule.version}
    response = submit(client, f"/admin/schedule/edit/?id={schedule.id}", data)
    assert response.status_code == 302, page_messages(response.text)
    assert fresh(Schedule, schedule.id).ends_at == TEN + dt.timedelta(minutes=195)


# -- what may be scheduled ---------------------------------------------------------------------
RULES = {
    "inactive hall": (lambda make: (make.movie(), make.hall(is_active=False)), "is not active"),
    "inactive cinema": (
        lambda make: (make.movie(), make.hall(cinema=make.cinema(is_active=False))),
        "is not active",
    ),
    "offline movie": (lambda make: (make.movie(status="offline"), make.hall()), "is offline"),
    "before release date": (
        lambda make: (make.movie(release_date=DAY + dt.timedelta(days=1)), make.hall()),
        "is released on Mar 5, 2030",
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_schedule_breaking_a_rule_is_refused_with_its_message(client, admin, make, rule):
    build, message = RULES[rule]
    movie, hall = build(make)
    response = create_schedule(client, movie, hall, TEN)
    assert response.status_code == 200
    assert any(message in m for m in page_messages(response.text)), page_messages(response.text)
    assert stored_schedules() == []


def test_schedule_on_the_release_date_is_accepted(client, admin, make):
    movie = make.movie(release_date=DAY, status="coming_soon")
    assert create_schedule(client, movie, make.hall(), TEN).status_code == 302


@pytest.mark.parametrize("price", ["0.00", "-1", "10000.00", "abc", ""])
def test_price_outside_bounds_is_refused(client, admin, make, price):
    response = create_schedule(client, make.movie(), make.hall(), TEN, price=price)
    assert response.status_code == 200
    assert stored_schedules() == []


@pytest.mark.parametrize("price", ["0.01", "9999.99"])
def test_price_at_the_bounds_is_accepted(client, admin, make, price):
    response = create_schedule(client, make.movie(), make.hall(), TEN, price=price)
    assert response.status_code == 302, page_messages(response.text)
    assert stored_schedules()[0].price == Decimal(price)


# -- no two shows in one hall at once ----------------------------------------------------------
def test_overlapping_schedule_is_refused_naming_the_one_it_collides_with(client, admin, make):
    existing = make.schedule(starts_at=TEN, movie=make.movie(title="满江红"))
    response = create_schedule(client, make.movie(), existing.hall, at(11, 30))
    assert response.status_code == 200
    text = " ".join(page_messages(response.text))
    assert f"#{existing.id}" in text and "满江红" in text and "10:00" in text
    assert len(stored_schedules()) == 1


def test_schedule_containing_another_is_refused(client, admin, make):
    existing = make.schedule(starts_at=at(11), movie=make.movie(duration_minutes=30))
    response = create_schedule(client, make.movie(), existing.hall, TEN)
    assert response.status_code == 200
    assert len(stored_schedules()) == 1


@pytest.mark.parametrize("starts_at", [TEN + SHOW, TEN - SHOW], ids=["right after", "right before"])
def test_schedules_touching_at_the_boundary_are_allowed(client, admin, make, starts_at):
    existing = make.schedule(starts_at=TEN)
    response = create_schedule(client, existing.movie, existing.hall, starts_at)
    assert response.status_code == 302, page_messages(response.text)
    assert len(stored_schedules()) == 2


def test_cancelled_schedule_does_not_block_the_hall(client, admin, make):
    cancelled = make.schedule(starts_at=TEN, status="cancelled")
    response = create_schedule(client, make.movie(), cancelled.hall, TEN)
    assert response.status_code == 302, page_messages(response.text)


def test_same_time_in_another_hall_is_allowed(client, admin, make):
    existing = make.schedule(starts_at=TEN)
    other_hall = make.hall(cinema=existing.hall.cinema)
    assert create_schedule(client, existing.movie, other_hall, TEN).status_code == 302


def test_editing_a_schedule_does_not_collide_with_itself(client, admin, make):
    schedule = make.schedule(starts_at=TEN)
    data = {
        **schedule_form(schedule.movie, schedule.hall, at(10, 30), price="60.00"),
        "form_version": schedule.version,
    }
    response = submit(client, f"/admin/schedule/edit/?id={schedule.id}", data)
    assert response.status_code == 302, page_messages(response.text)
    assert fresh(Schedule, schedule.id).price == Decimal("60.00")


def test_moving_a_schedule_into_a_busy_hall_is_refused(client, admin, make):
    busy = make.schedule(starts_at=TEN)
    moving = make.schedule(starts_at=TEN, hall=make.hall(cinema=busy.hall.cinema))
    data = {**schedule_form(moving.movie, busy.hall, TEN), "form_version": moving.version}
    response = submit(client, f"/admin/schedule/edit/?id={moving.id}", data)
    assert response.status_code == 200
    assert f"#{busy.id}" in " ".join(page_messages(response.text))
    assert fresh(Schedule, moving.id).hall_id != busy.hall_id


def test_uncancelling_into_a_collision_is_refused(client, admin, make):
    active = make.schedule(starts_at=TEN)
    cancelled = make.schedule(starts_at=TEN, hall=active.hall, status="cancelled")
    data = {
        **schedule_form(cancelled.movie, cancelled.hall, TEN),
        "form_version": cancelled.version,
    }
    response = submit(client, f"/admin/schedule/edit/?id={cancelled.id}", data)
    assert response.status_code == 200
    assert fresh(Schedule, cancelled.id).status == "cancelled"


@pytest.mark.parametrize("retire", ["hall", "movie"])
def test_show_can_still_be_cancelled_through_the_form_after_its_hall_or_movie_retired(
    client, admin, make, retire
):
    schedule = make.schedule(starts_at=TEN)
    if retire == "hall":
        schedule.hall.is_active = False
    else:
        schedule.movie.status = "offline"
    db.session.commit()
    data = {
        **schedule_form(schedule.movie, schedule.hall, TEN, status="cancelled"),
        "form_version": schedule.version,
    }
    response = submit(client, f"/admin/schedule/edit/?id={schedule.id}", data)
    assert response.status_code == 302, page_messages(response.text)
    assert fresh(Schedule, schedule.id).status == "cancelled"


def test_manager_cannot_schedule_in_another_cinemas_hall(client, login_as, make):
    mine, theirs = make.hall(), make.hall()
    login_as(access.CINEMA_MANAGER, cinemas=[mine.cinema])
    response = create_schedule(client, make.movie(), theirs, TEN)
    assert response.status_code == 200
    assert "Not a valid choice" in " ".join(page_messages(response.text))
    assert stored_schedules() == []


# -- deleting what is in use -------------------------------------------------------------------
IN_USE = {
    "cinema with halls": (
        Cinema,
        "cinema",
        lambda make: make.hall().cinema,
        "deactivate it instead",
    ),
    "hall with schedules": (
        Hall,
        "hall",
        lambda make: make.schedule().hall,
        "cancel its schedules",
    ),
    "movie with schedules": (Movie, "movie", lambda make: make.schedule().movie, "take it offline"),
}


@pytest.mark.parametrize("case", IN_USE)
def test_single_delete_of_a_row_in_use_is_refused_with_a_message(client, admin, make, case):
    model, endpoint, build, message = IN_USE[case]
    row_id = build(make).id
    token = csrf_from(client.get(f"/admin/{endpoint}/").text)
    response = client.post(
        f"/admin/{endpoint}/delete/",
        data={"csrf_token": token, "id": row_id},
        follow_redirects=True,
    )
    assert any(message in m for m in page_messages(response.text)), page_messages(response.text)
    assert fresh(model, row_id) is not None


@pytest.mark.parametrize("case", IN_USE)
def test_bulk_delete_of_rows_in_use_is_refused_with_a_message(client, admin, make, case):
    model, endpoint, build, message = IN_USE[case]
    row_id = build(make).id
    response = run_action(client, endpoint, "delete", [row_id])
    assert any(message in m for m in page_messages(response.text)), page_messages(response.text)
    assert fresh(model, row_id) is not None


@pytest.mark.parametrize("case", IN_USE)
def test_database_foreign_keys_refuse_deleting_a_row_in_use(app_ctx, make, case):
    model, _, build, _ = IN_USE[case]
    row = build(make)
    db.session.delete(row)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert fresh(model, row.id) is not None


def test_hall_with_only_cancelled_schedules_is_still_refused(client, admin, make):
    hall = make.schedule(status="cancelled").hall
    response = run_action(client, "hall", "delete", [hall.id])
    assert any("cancel its schedules" in m for m in page_messages(response.text))
    assert fresh(Hall, hall.id) is not None


def test_unused_hall_is_deleted(client, admin, make):
    hall = make.hall()
    run_action(client, "hall", "delete", [hall.id])
    assert fresh(Hall, hall.id) is None


# -- optimistic locking ------------------------------------------------------------------------
def _schedule_form(row, price):
    return schedule_form(row.movie, row.hall, row.starts_at, price=price)


def _movie_form(row, title):
    return {
        "title": title,
        "duration_minutes": "120",
        "status": "showing",
        "release_date": "2020-01-01",
    }


def _hall_form(row, name):
    return {
        "cinema": row.cinema_id,
        "name": name,
        "hall_type": "2D",
        "seat_rows": "10",
        "seat_cols": "12",
        "is_active": "y",
    }


def _cinema_form(row, name):
    return {"name": name, "city": row.city_id, "address": "路1号", "phone": "1", "is_active": "y"}


# endpoint -> (model, build a row, its edit form with one field set, that field, two values)
LOCKED = {
    "schedule": (
        Schedule,
        lambda make: make.schedule(starts_at=TEN),
        _schedule_form,
        "price",
        ("88.00", "99.00"),
    ),
    "movie": (Movie, lambda make: make.movie(title="原名"), _movie_form, "title", ("甲改", "乙改")),
    "hall": (Hall, lambda make: make.hall(name="原厅"), _hall_form, "name", ("甲厅", "乙厅")),
    "cinema": (
        Cinema,
        lambda make: make.cinema(name="原影城"),
        _cinema_form,
        "name",
        ("甲影城", "乙影城"),
    ),
}


@pytest.mark.parametrize("endpoint", LOCKED)
def test_stale_edit_is_refused_naming_the_last_editor(app_ctx, client, admin, make, endpoint):
    model, build, form, field, (first_value, second_value) = LOCKED[endpoint]
    row = build(make)
    url = f"/admin/{endpoint}/edit/?id={row.id}"
    stale_page = client.get(url).text
    stale_version = re.search(
        r'name="form_version"[^>]*value="(\d+)"|'
        r'value="(\d+)"[^>]*name="form_version"',
        stale_page,
    )
    assert stale_version, "no version in the edit form"

    colleague = make.user(access.PLATFORM_ADMIN, username="colleague")
    other = sign_in(app_ctx.test_client(), colleague)
    saved = submit(other, url, {**form(row, first_value), "form_version": row.version})
    assert saved.status_code == 302, page_messages(saved.text)

    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(stale_page),
            "form_version": next(g for g in stale_version.groups() if g),
            **form(row, second_value),
        },
    )
    assert response.status_code == 200
    assert any("colleague" in m and "not saved" in m for m in page_messages(response.text)), (
        page_messages(response.text)
    )
    assert str(getattr(fresh(model, row.id), field)) == first_value


@pytest.mark.parametrize("endpoint", LOCKED)
def test_edit_without_a_version_is_refused(client, admin, make, endpoint):
    model, build, form, field, (new_value, _) = LOCKED[endpoint]
    row = build(make)
    before = getattr(row, field)
    response = submit(client, f"/admin/{endpoint}/edit/?id={row.id}", form(row, new_value))
    assert response.status_code == 200
    assert getattr(fresh(model, row.id), field) == before


# -- cancel and put on sale --------------------------------------------------------------------
def test_cancel_action_cancels_the_selected_schedules(client, admin, make):
    first, second = make.schedule(), make.schedule()
    run_action(client, "schedule", "cancel", [first.id, second.id])
    assert {fresh(Schedule, s.id).status for s in (first, second)} == {"cancelled"}


def test_put_on_sale_puts_the_selected_schedules_on_sale(client, admin, make):
    first, second = make.schedule(), make.schedule()
    response = run_action(client, "schedule", "put_on_sale", [first.id, second.id])
    assert any("2" in m for m in page_messages(response.text))
    assert {fresh(Schedule, s.id).status for s in (first, second)} == {"on_sale"}


def test_put_on_sale_rechecks_collisions_and_changes_none_when_one_collides(client, admin, make):
    active = make.schedule(starts_at=TEN)
    fine = make.schedule(starts_at=at(15), hall=active.hall)
    clashing = make.schedule(starts_at=at(11), hall=active.hall, status="cancelled")
    response = run_action(client, "schedule", "put_on_sale", [fine.id, clashing.id])
    assert any(f"#{active.id}" in m for m in page_messages(response.text)), page_messages(
        response.text
    )
    assert fresh(Schedule, fine.id).status == "scheduled"
    assert fresh(Schedule, clashing.id).status == "cancelled"


def test_put_on_sale_of_two_cancelled_shows_that_overlap_each_other_is_refused(client, admin, make):
    first = make.schedule(starts_at=TEN, status="cancelled")
    second = make.schedule(starts_at=at(11), hall=first.hall, status="cancelled")
    run_action(client, "schedule", "put_on_sale", [first.id, second.id])
    assert {fresh(Schedule, s.id).status for s in (first, second)} == {"cancelled"}


def test_put_on_sale_refuses_a_show_of_an_offline_movie(client, admin, make):
    schedule = make.schedule()
    schedule.movie.status = "offline"
    db.session.commit()
    response = run_action(client, "schedule", "put_on_sale", [schedule.id])
    assert any("offline" in m for m in page_messages(response.text))
    assert fresh(Schedule, schedule.id).status == "scheduled"


@pytest.mark.parametrize("action,status", [("cancel", "cancelled"), ("put_on_sale", "on_sale")])
def test_bulk_status_actions_ignore_ids_outside_the_managers_scope(
    client, login_as, make, action, status
):
    mine, theirs = make.schedule(), make.schedule()
    login_as(access.CINEMA_MANAGER, cinemas=[mine.hall.cinema])
    run_action(client, "schedule", action, [mine.id, theirs.id])
    assert fresh(Schedule, mine.id).status == status
    assert fresh(Schedule, theirs.id).status == "scheduled"


def test_auditor_cannot_run_status_actions(client, login_as, make):
    schedule = make.schedule()
    login_as(access.AUDITOR)
    token = csrf_from(client.get("/admin/schedule/").text)
    response = client.post(
        "/admin/schedule/action/",
        data={"csrf_token": token, "action": "cancel", "rowid": [str(schedule.id)]},
    )
    assert response.status_code == 403
    assert fresh(Schedule, schedule.id).status == "scheduled"


# -- bulk scheduling ---------------------------------------------------------------------------
def bulk_form(
    movie,
    hall,
    first_day=DAY,
    last_day=DAY + dt.timedelta(days=2),
    times="10:00, 13:30, 19:00",
    price="50.00",
    status="scheduled",
):
    grant_covering_right(db.session, movie, hall.cinema)
    return {
        "movie": movie.id,
        "hall": hall.id,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "start_times": times,
        "price": price,
        "language_version": "国语",
        "status": status,
    }


def bulk(client, *args, **kwargs):
    return submit(client, "/admin/schedule/bulk/", bulk_form(*args, **kwargs))


def bulk_problems(html):
    return [
        re.sub(r"\s+", " ", p).strip()
        for p in re.findall(r'class="list-group-item bulk-problem">(.*?)</li>', html, re.S)
    ]


def test_bulk_scheduling_creates_every_show_of_the_range(client, admin, make):
    movie, hall = make.movie(), make.hall()
    response = bulk(client, movie, hall)
    assert response.status_code == 302, page_messages(response.text)
    shows = stored_schedules()
    assert [s.starts_at for s in shows] == [
        at(h, m, DAY + dt.timedelta(days=d))
        for d in range(3)
        for h, m in ((10, 0), (13, 30), (19, 0))
    ]
    assert all(s.ends_at == s.starts_at + SHOW and s.hall_id == hall.id for s in shows)
    assert {s.price for s in shows} == {Decimal("50.00")}


def test_bulk_scheduling_creates_none_and_lists_every_collision(client, admin, make):
    movie, hall = make.movie(), make.hall()
    first = make.schedule(hall=hall, starts_at=at(9), movie=make.movie(title="早场片"))
    second = make.schedule(hall=hall, starts_at=at(19, 30, DAY + dt.timedelta(days=2)))
    response = bulk(client, movie, hall)
    assert response.status_code == 200
    problems = bulk_problems(response.text)
    assert len(problems) == 2, problems
    assert "Mar 4, 2030, 10:00 AM" in problems[0] and f"#{first.id}" in problems[0]
    assert "早场片" in problems[0]
    assert "Mar 6, 2030, 7:00 PM" in problems[1] and f"#{second.id}" in problems[1]
    assert len(stored_schedules()) == 2


def test_bulk_scheduling_refuses_start_times_that_collide_with_each_other(client, admin, make):
    response = bulk(client, make.movie(), make.hall(), last_day=DAY, times="10:00, 11:00")
    assert response.status_code == 200
    problems = bulk_problems(response.text)
    assert len(problems) == 1 and "Mar 4, 2030, 11:00 AM" in problems[0], problems
    assert stored_schedules() == []


def test_bulk_scheduling_ignores_cancelled_shows_and_allows_touching_ones(client, admin, make):
    hall = make.hall()
    make.schedule(hall=hall, starts_at=TEN, status="cancelled")
    make.schedule(hall=hall, starts_at=TEN + SHOW)
    response = bulk(client, make.movie(), hall, last_day=DAY, times="10:00")
    assert response.status_code == 302, bulk_problems(response.text)


def test_bulk_scheduling_before_the_release_date_creates_none(client, admin, make):
    movie = make.movie(release_date=DAY + dt.timedelta(days=1), status="coming_soon")
    response = bulk(client, movie, make.hall(), times="10:00, 19:00")
    problems = bulk_problems(response.text)
    assert problems and all("Mar 4, 2030" in p for p in problems), problems
    assert "released on Mar 5, 2030" in problems[0]
    assert stored_schedules() == []


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda make: (make.movie(status="offline"), make.hall()), "is offline"),
        (lambda make: (make.movie(), make.hall(is_active=False)), "is not active"),
        (
            lambda make: (make.movie(), make.hall(cinema=make.cinema(is_active=False))),
            "is not active",
        ),
    ],
    ids=["offline movie", "inactive hall", "inactive cinema"],
)
def test_bulk_scheduling_states_a_broken_rule_once(client, admin, make, build, message):
    movie, hall = build(make)
    problems = bulk_problems(bulk(client, movie, hall).text)
    assert len(problems) == 1 and message in problems[0], problems
    assert stored_schedules() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"start_times": "10:00, 25:00"},
        {"start_times": "ten o'clock"},
        {"start_times": ""},
        {"first_day": "2030-02-30"},
        {"last_day": "2030-03-01"},
        {"last_day": "2030-06-30"},
        {"price": "0.00"},
        {"price": "10000"},
        {"movie": "999999"},
        {"hall": "abc"},
        {"status": "cancelled"},
    ],
    ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()),
)
def test_bad_bulk_input_is_refused_without_creating_anything(client, admin, make, changes):
    data = {**bulk_form(make.movie(), make.hall()), **changes}
    response = submit(client, "/admin/schedule/bulk/", data)
    assert response.status_code == 200
    assert page_messages(response.text) or bulk_problems(response.text)
    assert stored_schedules() == []


def test_manager_bulk_schedules_in_their_own_hall(client, login_as, make):
    hall = make.hall()
    login_as(access.CINEMA_MANAGER, cinemas=[hall.cinema])
    response = bulk(client, make.movie(), hall)
    assert response.status_code == 302, page_messages(response.text)
    assert len(stored_schedules()) == 9


def test_manager_cannot_bulk_schedule_in_another_cinemas_hall(client, login_as, make):
    mine, theirs = make.hall(), make.hall()
    login_as(access.CINEMA_MANAGER, cinemas=[mine.cinema])
    response = bulk(client, make.movie(), theirs)
    assert response.status_code == 200
    assert stored_schedules() == []


@pytest.mark.parametrize("role", [access.AUDITOR, access.CONTENT_EDITOR])
def test_bulk_scheduling_needs_schedule_create(client, login_as, make, role):
    movie, hall = make.movie(), make.hall()
    login_as(role)
    assert client.get("/admin/schedule/bulk/").status_code == 403
    token = csrf_from(client.get("/admin/").text)
    response = client.post(
        "/admin/schedule/bulk/", data={"csrf_token": token, **bulk_form(movie, hall)}
    )
    assert response.status_code == 403
    assert stored_schedules() == []


def test_schedule_list_links_to_bulk_scheduling_and_the_day_view(client, admin):
    listing = client.get("/admin/schedule/").text
    assert 'href="/admin/schedule/bulk/"' in listing
    assert 'href="/admin/schedule/day/"' in listing


def test_auditor_schedule_list_has_no_bulk_scheduling_link(client, login_as):
    login_as(access.AUDITOR)
    listing = client.get("/admin/schedule/").text
    assert "/admin/schedule/bulk/" not in listing
    assert 'href="/admin/schedule/day/"' in listing


# -- the day view ------------------------------------------------------------------------------
def day_url(cinema, day=DAY):
    return f"/admin/schedule/day/?cinema_id={cinema.id}&date={day.isoformat()}"


def blocks(html):
    """{hall id: [(schedule id, status), ...]} as the day view draws them."""
    rows = {}
    for hall_id, body in re.findall(
        r'<div class="day-row" id="hall-(\d+)">(.*?)</div>\s*</div>', html, re.S
    ):
        rows[int(hall_id)] = [
            (int(i), s) for i, s in re.findall(r'id="schedule-(\d+)" data-status="([a-z_]+)"', body)
        ]
    return rows


@pytest.fixture()
def two_cinemas(make):
    a, b = make.cinema(name="甲影城"), make.cinema(name="乙影城")
    hall_a1, hall_a2 = make.hall(cinema=a, name="1号厅"), make.hall(cinema=a, name="2号厅")
    hall_b = make.hall(cinema=b, name="B厅")
    shows = {
        "a1_morning": make.schedule(hall=hall_a1, starts_at=TEN),
        "a1_evening": make.schedule(hall=hall_a1, starts_at=at(19), status="on_sale"),
        "a2_cancelled": make.schedule(hall=hall_a2, starts_at=at(14), status="cancelled"),
        "a1_next_day": make.schedule(hall=hall_a1, starts_at=at(10, day=DAY + dt.timedelta(1))),
        "b": make.schedule(hall=hall_b, starts_at=TEN),
    }
    return a, b, (hall_a1, hall_a2, hall_b), shows


def test_day_view_shows_each_halls_shows_of_that_day(client, admin, two_cinemas):
    a, _, (hall_a1, hall_a2, _), shows = two_cinemas
    response = client.get(day_url(a))
    assert response.status_code == 200
    assert blocks(response.text) == {
        hall_a1.id: [(shows["a1_morning"].id, "scheduled"), (shows["a1_evening"].id, "on_sale")],
        hall_a2.id: [(shows["a2_cancelled"].id, "cancelled")],
    }


def test_day_view_places_blocks_on_the_time_axis(client, admin, two_cinemas):
    a, _, _, shows = two_cinemas
    html = client.get(day_url(a)).text
    morning = re.search(
        rf'id="schedule-{shows["a1_morning"].id}"[^>]*style="left: ([\d.]+)%; '
        rf'width: ([\d.]+)%"',
        html,
    )
    # axis 08:00-24:00 (16 h): 10:00 is 2 h in, a 2 h 15 min show is 2.25 h wide
    assert float(morning.group(1)) == pytest.approx(12.5)
    assert float(morning.group(2)) == pytest.approx(14.0625, abs=0.001)


def test_day_view_draws_cancelled_shows_differently(client, admin, two_cinemas):
    a, _, _, shows = two_cinemas
    html = client.get(day_url(a)).text
    assert f'class="day-block status-cancelled" id="schedule-{shows["a2_cancelled"].id}"' in html
    assert f'class="day-block status-scheduled" id="schedule-{shows["a1_morning"].id}"' in html


def test_day_view_axis_stretches_for_a_late_show(client, admin, make):
    hall = make.hall()
    make.schedule(hall=hall, starts_at=at(23, 30))
    html = client.get(day_url(hall.cinema)).text
    assert ">26:00<" in html and ">08:00<" in html


def test_manager_sees_their_cinemas_day_and_gets_404_for_another(client, login_as, two_cinemas):
    a, b, (hall_a1, _, _), shows = two_cinemas
    login_as(access.CINEMA_MANAGER, cinemas=[a])
    mine = client.get(day_url(a))
    assert mine.status_code == 200
    assert (shows["a1_morning"].id, "scheduled") in blocks(mine.text)[hall_a1.id]
    assert client.get(day_url(b)).status_code == 404


def test_manager_of_one_cinema_gets_it_without_choosing(client, login_as, two_cinemas):
    a, _, (hall_a1, _, _), _ = two_cinemas
    login_as(access.CINEMA_MANAGER, cinemas=[a])
    html = client.get(f"/admin/schedule/day/?date={DAY.isoformat()}").text
    assert hall_a1.id in blocks(html)


def test_day_view_chooser_offers_only_cinemas_in_scope(client, login_as, make, two_cinemas):
    a, b, _, _ = two_cinemas
    login_as(access.CINEMA_MANAGER, cinemas=[a, make.cinema(name="丙影城")])
    html = client.get("/admin/schedule/day/").text
    options = re.findall(r'<option value="(\d+)"', html)
    assert str(a.id) in options and str(b.id) not in options and len(options) == 2


def test_auditor_sees_every_cinemas_day(client, login_as, two_cinemas):
    _, b, (_, _, hall_b), shows = two_cinemas
    login_as(access.AUDITOR)
    html = client.get(day_url(b)).text
    assert blocks(html) == {hall_b.id: [(shows["b"].id, "scheduled")]}


def test_content_editor_may_not_open_the_day_view(client, login_as, two_cinemas):
    a, _, _, _ = two_cinemas
    login_as(access.CONTENT_EDITOR)
    assert client.get(day_url(a)).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "cinema_id=abc",
        "cinema_id=999999",
        "date=2030-13-01",
        "date=9999-12-31",
        "date=0001-01-01",
        "cinema_id=&date=",
    ],
)
def test_day_view_answers_bad_input_without_an_error(client, admin, make, query):
    make.hall()
    response = client.get(f"/admin/schedule/day/?{query}")
    assert response.status_code in (200, 404)


def test_cinema_list_links_each_cinema_to_its_day_view(client, login_as, make):
    cinema = make.cinema()
    login_as(access.CINEMA_MANAGER, cinemas=[cinema])
    listing = client.get("/admin/cinema/").text
    assert f"/admin/schedule/day/?cinema_id={cinema.id}" in listing


def test_content_editor_cinema_list_has_no_day_view_link(client, login_as, make):
    make.cinema()
    login_as(access.CONTENT_EDITOR)
    assert "/admin/schedule/day/" not in client.get("/admin/cinema/").text
