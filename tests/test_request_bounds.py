"""Each request found to raise a 500 (issue 12) answers a page, a redirect or a message instead:
reserved query arguments, a page or look-up far past any offset, integers no column can store,
a show on the last day the calendar holds. On SQLite and MariaDB alike."""

import datetime as dt
import json

import pytest

from portal import access
from portal.extensions import db
from portal.models import City, Schedule

from .conftest import csrf_from, page_messages

LISTS = ["movie", "city", "cinema", "hall", "schedule", "user", "role", "permission", "auditlog"]
HUGE = "9223372036854775807"


@pytest.fixture()
def admin(english, login_as):
    return login_as(access.PLATFORM_ADMIN)


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("argument", ["export_type=x", "_method=POST", "endpoint=x", "_external=1"])
def test_list_with_a_reserved_query_argument_redirects_to_the_list_without_it(
    client, admin, endpoint, argument
):
    response = client.get(f"/admin/{endpoint}/?search=a&{argument}&page=0")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/{endpoint}/?search=a&page=0"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("endpoint", LISTS)
def test_page_number_beyond_any_offset_shows_an_empty_page(client, admin, make, endpoint):
    make.schedule()
    response = client.get(f"/admin/{endpoint}/?page={HUGE}")
    assert response.status_code == 200
    assert client.get(f"/admin/{endpoint}/export/csv/?page={HUGE}").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "offset=-1",
        "limit=-1",
        "limit=0",
        f"offset={HUGE}9",
        f"limit={HUGE}9",
        "offset=-99999999999999999999",
    ],
)
def test_ajax_lookup_with_negative_or_huge_offset_and_limit_answers_json(
    client, admin, make, query
):
    make.movie(title="星际穿越")
    response = client.get(f"/admin/schedule/ajax/lookup/?name=movie&query=星际&{query}")
    assert response.status_code == 200
    assert isinstance(json.loads(response.text), list)


def test_ajax_lookup_returns_at_most_one_page_whatever_the_limit(client, admin, make):
    for n in range(30):
        make.movie(title=f"同名电影{n}")
    response = client.get("/admin/schedule/ajax/lookup/?name=movie&query=同名&limit=100000000")
    assert response.status_code == 200
    assert len(json.loads(response.text)) == 20  # the look-up's page size (form_ajax_refs)


def test_ajax_lookup_from_a_negative_offset_starts_at_the_first_row(client, admin, make):
    for n in range(3):
        make.movie(title=f"同名电影{n}")
    first = json.loads(client.get("/admin/schedule/ajax/lookup/?name=movie&query=同名").text)
    negative = json.loads(
        client.get("/admin/schedule/ajax/lookup/?name=movie&query=同名&offset=-2").text
    )
    assert negative == first and len(first) == 3


@pytest.mark.parametrize("field", ["city_code", "parent_id"])
@pytest.mark.parametrize("value", [str(2**31), "-2147483649", "99999999999999999999"])
def test_city_numbers_beyond_an_int_are_refused_with_a_message(client, admin, field, value):
    page = client.get("/admin/city/new/")
    data = {
        "csrf_token": csrf_from(page.text),
        "name": "溢出市",
        "pinyin": "YICHU",
        "letter": "Y",
        "city_code": "110100",
        "parent_id": "0",
        field: value,
    }
    response = client.post("/admin/city/new/", data=data)
    assert response.status_code == 200
    assert any("Number must be between" in m for m in page_messages(response.text)), page_messages(
        response.text
    )
    assert db.session.query(City).filter_by(name="溢出市").count() == 0


def test_city_numbers_at_the_int_limit_are_stored(client, admin):
    page = client.get("/admin/city/new/")
    response = client.post(
        "/admin/city/new/",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "边界市",
            "pinyin": "BIANJIE",
            "letter": "B",
            "city_code": str(2**31 - 1),
            "parent_id": "0",
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    assert db.session.query(City).filter_by(name="边界市").one().city_code == 2**31 - 1


LAST_DAY_MESSAGE = "The show would end after the last day the calendar holds (9999-12-31)."


def test_bulk_scheduling_on_the_last_day_of_the_calendar_is_refused_with_a_message(
    client, admin, make
):
    movie, hall = make.movie(), make.hall()
    make.right(movie, hall.cinema, ends_on=dt.date(9999, 12, 31))  # held to the last day
    page = client.get("/admin/schedule/bulk/")
    response = client.post(
        "/admin/schedule/bulk/",
        data={
            "csrf_token": csrf_from(page.text),
            "movie": movie.id,
            "hall": hall.id,
            "first_day": "9999-12-31",
            "last_day": "9999-12-31",
            "start_times": "10:00, 23:00",
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
        },
    )
    assert response.status_code == 200
    assert LAST_DAY_MESSAGE in response.text
    assert db.session.query(Schedule).count() == 0


def test_a_show_ending_after_the_last_day_of_the_calendar_is_refused_with_a_message(
    client, admin, make
):
    movie, hall = make.movie(), make.hall()
    make.right(movie, hall.cinema, ends_on=dt.date(9999, 12, 31))  # held to the last day
    page = client.get("/admin/schedule/new/")
    response = client.post(
        "/admin/schedule/new/",
        data={
            "csrf_token": csrf_from(page.text),
            "movie": movie.id,
            "hall": hall.id,
            "starts_at": "9999-12-31 23:00:00",
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
        },
    )
    assert response.status_code == 200
    assert LAST_DAY_MESSAGE in page_messages(response.text)
    assert db.session.query(Schedule).count() == 0


def test_a_show_on_the_last_day_that_ends_in_time_is_stored(client, admin, make):
    movie, hall = make.movie(), make.hall()
    make.right(movie, hall.cinema, ends_on=dt.date(9999, 12, 31))  # held to the last day
    page = client.get("/admin/schedule/new/")
    response = client.post(
        "/admin/schedule/new/",
        data={
            "csrf_token": csrf_from(page.text),
            "movie": movie.id,
            "hall": hall.id,
            "starts_at": "9999-12-31 10:00:00",
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    assert db.session.query(Schedule).one().ends_at == dt.datetime(9999, 12, 31, 12, 15)


@pytest.mark.parametrize("field", ["id", "cityCode", "parentId"])
def test_importing_a_city_number_beyond_an_int_fails_cleanly(runner, tmp_path, field):
    entry = {
        "id": 110100,
        "regionName": "北京",
        "pinYin": "BEIJING",
        "cityCode": 110100,
        "parentId": 0,
        field: 2**31,
    }
    path = tmp_path / "cities.json"
    path.write_text(
        json.dumps({"returnCode": "0", "returnValue": {"B": [entry]}}), encoding="utf-8"
    )
    result = runner.invoke(args=["import-cities", str(path)])
    assert result.exit_code != 0 and "beyond the INT range" in result.output
    assert db.session.query(City).count() == 0
