"""Every catalogue view lists, creates, edits and deletes through its real form (CSRF on)."""

import datetime as dt

import pytest

from portal.extensions import db
from portal.models import Cinema, City, Hall, Movie, Schedule

from .conftest import csrf_from, page_messages


def submit(client, url, data, **kwargs):
    """GET the form page, then POST it with its CSRF token and `data`."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data}, **kwargs)


def delete(client, endpoint, row_id):
    token = csrf_from(client.get(f"/admin/{endpoint}/").text)
    return client.post(
        f"/admin/{endpoint}/delete/",
        data={"csrf_token": token, "id": row_id},
        follow_redirects=True,
    )


@pytest.fixture()
def admin(english, login_as):
    return login_as("platform_admin")


def test_admin_creates_city_cinema_hall_movie_and_schedule(client, admin, make):
    r = submit(
        client,
        "/admin/city/new/",
        {
            "name": "杭州",
            "pinyin": "HANGZHOU",
            "letter": "H",
            "city_code": "330100",
            "parent_id": "0",
        },
        follow_redirects=True,
    )
    assert "City “杭州” was created." in page_messages(r.text)
    city = db.session.query(City).filter_by(name="杭州").one()

    submit(
        client,
        "/admin/cinema/new/",
        {
            "name": "西湖影城",
            "city": city.id,
            "address": "西湖区1号",
            "phone": "0571-1",
            "is_active": "y",
        },
    )
    cinema = db.session.query(Cinema).filter_by(name="西湖影城").one()
    assert cinema.city_id == city.id

    submit(
        client,
        "/admin/hall/new/",
        {
            "cinema": cinema.id,
            "name": "1号厅",
            "hall_type": "IMAX",
            "seat_rows": "12",
            "seat_cols": "20",
            "is_active": "y",
        },
    )
    hall = db.session.query(Hall).filter_by(name="1号厅").one()
    assert (hall.cinema_id, hall.hall_type) == (cinema.id, "IMAX")

    submit(
        client,
        "/admin/movie/new/",
        {
            "title": "流浪地球3",
            "duration_minutes": "150",
            "release_date": "2027-01-01",
            "status": "coming_soon",
            "rating": "",
            "synopsis": "",
        },
    )
    movie = db.session.query(Movie).filter_by(title="流浪地球3").one()

    r = submit(
        client,
        "/admin/screeningright/new/",
        {  # the cinema may show the film
            "movie": movie.id,
            "cinema": cinema.id,
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
            "distributor_share": "43.00",
        },
    )
    assert r.status_code == 302, page_messages(r.text)

    r = submit(
        client,
        "/admin/schedule/new/",
        {
            "movie": movie.id,
            "hall": hall.id,
            "starts_at": "2027-02-01 19:30:00",
            "price": "59.90",
            "language_version": "国语",
            "status": "scheduled",
        },
    )
    assert r.status_code == 302, page_messages(r.text)
    schedule = db.session.query(Schedule).one()
    assert schedule.ends_at == dt.datetime(2027, 2, 1, 19, 30) + dt.timedelta(minutes=165)

    listing = client.get("/admin/schedule/").text
    assert "流浪地球3" in listing and "西湖影城" in listing


@pytest.mark.parametrize("endpoint", ["city", "cinema", "hall", "movie", "schedule"])
def test_list_shows_rows_and_details(client, admin, make, endpoint):
    schedule = make.schedule()
    rows = {
        "city": schedule.hall.cinema.city,
        "cinema": schedule.hall.cinema,
        "hall": schedule.hall,
        "movie": schedule.movie,
        "schedule": schedule,
    }
    listing = client.get(f"/admin/{endpoint}/")
    assert listing.status_code == 200
    details = client.get(f"/admin/{endpoint}/details/?id={rows[endpoint].id}")
    assert details.status_code == 200


def test_admin_edits_a_hall(client, admin, make):
    hall = make.hall(name="旧名")
    r = submit(
        client,
        f"/admin/hall/edit/?id={hall.id}",
        {
            "cinema": hall.cinema_id,
            "name": "新名",
            "hall_type": "3D",
            "seat_rows": "9",
            "seat_cols": "9",
            "is_active": "y",
            "form_version": hall.version,
        },
    )
    assert r.status_code == 302, r.text[-1500:]
    db.session.expire_all()
    assert db.session.get(Hall, hall.id).name == "新名"


def test_admin_deletes_an_unused_movie(client, admin, make):
    movie = make.movie()
    r = delete(client, "movie", movie.id)
    assert r.status_code == 200
    assert db.session.get(Movie, movie.id) is None


def test_delete_of_cinema_with_halls_is_refused_with_message(client, admin, make):
    hall = make.hall()
    r = delete(client, "cinema", hall.cinema_id)
    assert "deactivate it instead" in r.text
    assert db.session.get(Cinema, hall.cinema_id) is not None


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "duration_minutes": "90", "status": "showing"},
        {"title": "X", "duration_minutes": "abc", "status": "showing"},
        {"title": "X", "duration_minutes": "-5", "status": "showing"},
        {"title": "X", "duration_minutes": "90", "status": "bogus"},
        {"title": "X", "duration_minutes": "90", "status": "showing", "rating": "11"},
        {"title": "X", "duration_minutes": "90", "status": "showing", "release_date": "2024-13-45"},
        {"title": "X" * 500, "duration_minutes": "90", "status": "showing"},
    ],
)
def test_bad_movie_input_rerenders_form_without_saving(client, admin, data):
    r = submit(client, "/admin/movie/new/", data)
    assert r.status_code == 200
    assert db.session.query(Movie).count() == 0


def test_csv_export_starts_with_bom_for_excel(client, admin, make):
    make.movie(title="满江红")
    r = client.get("/admin/movie/export/csv/")
    assert r.status_code == 200
    assert r.data.startswith("\ufeff".encode())
    assert "满江红" in r.data.decode("utf-8-sig")
