"""A cinema manager of cinema A, editing URLs and form fields by hand, cannot touch cinema B."""

import pytest

from portal.extensions import db
from portal.models import Cinema, Hall, Schedule

from .conftest import csrf_from, page_messages


@pytest.fixture()
def two_cinemas(make, login_as):
    a, b = make.cinema(name="甲影城"), make.cinema(name="乙影城")
    hall_a, hall_b = make.hall(cinema=a, name="甲1厅"), make.hall(cinema=b, name="乙1厅")
    movie = make.movie()
    schedule_a = make.schedule(hall=hall_a, movie=movie)
    schedule_b = make.schedule(hall=hall_b, movie=movie)
    manager = login_as("cinema_manager", cinemas=[a])
    return dict(
        a=a,
        b=b,
        hall_a=hall_a,
        hall_b=hall_b,
        movie=movie,
        schedule_a=schedule_a,
        schedule_b=schedule_b,
        manager=manager,
    )


def post_form(client, url, data):
    token = csrf_from(client.get("/admin/").text)
    return client.post(url, data={"csrf_token": token, **data})


def test_manager_cannot_create_a_hall_in_another_cinema(client, two_cinemas):
    response = post_form(
        client,
        "/admin/hall/new/",
        {
            "cinema": two_cinemas["b"].id,
            "name": "偷偷厅",
            "hall_type": "2D",
            "seat_rows": "5",
            "seat_cols": "5",
            "is_active": "y",
        },
    )
    assert response.status_code == 200
    assert "Not a valid choice" in " ".join(
        page_messages(response.text)
    ) or "不是有效的选择" in " ".join(page_messages(response.text))
    assert db.session.query(Hall).filter_by(name="偷偷厅").count() == 0


def test_manager_cannot_move_their_hall_into_another_cinema(client, two_cinemas):
    hall = two_cinemas["hall_a"]
    post_form(
        client,
        f"/admin/hall/edit/?id={hall.id}",
        {
            "cinema": two_cinemas["b"].id,
            "name": hall.name,
            "hall_type": "2D",
            "seat_rows": "5",
            "seat_cols": "5",
            "is_active": "y",
            "form_version": hall.version,
        },
    )
    db.session.expire_all()
    assert db.session.get(Hall, hall.id).cinema_id == two_cinemas["a"].id


def test_manager_cannot_schedule_in_another_cinemas_hall(client, two_cinemas):
    before = db.session.query(Schedule).count()
    response = post_form(
        client,
        "/admin/schedule/new/",
        {
            "movie": two_cinemas["movie"].id,
            "hall": two_cinemas["hall_b"].id,
            "starts_at": "2031-05-01 10:00:00",
            "price": "40",
            "status": "scheduled",
        },
    )
    assert response.status_code == 200
    assert db.session.query(Schedule).count() == before


@pytest.mark.parametrize(
    "endpoint,key", [("cinema", "b"), ("hall", "hall_b"), ("schedule", "schedule_b")]
)
def test_manager_gets_404_for_another_cinemas_rows_by_id(client, two_cinemas, endpoint, key):
    row = two_cinemas[key]
    assert client.get(f"/admin/{endpoint}/edit/?id={row.id}").status_code == 404
    assert client.get(f"/admin/{endpoint}/details/?id={row.id}").status_code == 404
    response = post_form(client, f"/admin/{endpoint}/edit/?id={row.id}", {"name": "改"})
    assert response.status_code == 404


def test_manager_cannot_edit_other_cinemas_hall_by_post(client, two_cinemas):
    hall = two_cinemas["hall_b"]
    post_form(
        client,
        f"/admin/hall/edit/?id={hall.id}",
        {
            "cinema": two_cinemas["a"].id,
            "name": "改名",
            "hall_type": "2D",
            "seat_rows": "5",
            "seat_cols": "5",
            "is_active": "y",
            "form_version": hall.version,
        },
    )
    db.session.expire_all()
    assert db.session.get(Hall, hall.id).name == "乙1厅"


def test_bulk_actions_ignore_ids_outside_the_scope(client, two_cinemas):
    ids = [two_cinemas["schedule_a"].id, two_cinemas["schedule_b"].id]
    post_form(client, "/admin/schedule/action/", {"action": "cancel", "rowid": ids})
    db.session.expire_all()
    assert db.session.get(Schedule, ids[0]).status == "cancelled"
    assert db.session.get(Schedule, ids[1]).status == "scheduled"
    post_form(client, "/admin/schedule/action/", {"action": "delete", "rowid": ids})
    assert db.session.get(Schedule, ids[1]) is not None


@pytest.mark.parametrize("bad_id", ["abc", "-1", "1 OR 1=1", "99999999", "0", "1.5"])
@pytest.mark.parametrize("page", ["edit", "details"])
def test_malformed_or_unknown_ids_answer_404_not_500(client, two_cinemas, page, bad_id):
    response = client.get(f"/admin/hall/{page}/?id={bad_id}")
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["", "?id="])
def test_an_edit_page_without_an_id_sends_back_to_the_list(client, two_cinemas, query):
    response = client.get(f"/admin/hall/edit/{query}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/hall/")


def test_manager_dashboard_counts_only_their_cinema(client, two_cinemas):
    page = client.get("/admin/").text
    assert 'id="count-cinemas">1<' in page and 'id="count-halls">1<' in page


def test_manager_with_no_cinema_sees_no_cinema_rows(client, make, login_as):
    make.hall()
    login_as("cinema_manager")
    for endpoint in ("cinema", "hall", "schedule"):
        page = client.get(f"/admin/{endpoint}/")
        assert page.status_code == 200
    assert db.session.query(Cinema).count() == 1
    assert "影城" not in client.get("/admin/cinema/").text.split("<tbody>")[-1].split("</tbody>")[0]
