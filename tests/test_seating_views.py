"""Seat layout pages through HTTP: who may see and change them, the editor's real form (CSRF
on), tampered ids of other cinemas, and a show's seat map."""

import html
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Hall, Schedule, Seat, SeatLayout
from portal.services.seating import change_layout, current_layout, plan_layout

from .conftest import csrf_from, page_messages

DRAWN = "SSSS.SSSS\nVVVV.VVVV\nCCSS.SSXW"


def layout_url(hall):
    return f"/admin/seatlayout/hall/?hall_id={hall.id}"


def save_url(hall):
    return f"/admin/seatlayout/hall/save/?hall_id={hall.id}"


def post_layout(client, hall, do="save", **fields):
    """Open the hall's editor, then send its form with `fields` changed (CSRF token and the
    version the editor was opened from included, as a browser sends them)."""
    page = client.get(layout_url(hall)).text
    based_on = re.search(r'name="based_on" type="hidden" value="(\d+)"', page).group(1)
    data = {
        "csrf_token": csrf_from(page),
        "based_on": based_on,
        "layout": DRAWN,
        "numbering": "ltr",
        "row_labels": "",
        "copy_from": "",
        "do": do,
        **fields,
    }
    return client.post(save_url(hall), data=data)


def textarea(page):
    """The text form as the editor shows it."""
    return re.search(r'<textarea[^>]*name="layout"[^>]*>\r?\n?(.*?)</textarea>', page, re.S).group(
        1
    )


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(SeatLayout)),
        db.session.scalar(select(func.count()).select_from(Seat)),
    )


@pytest.fixture()
def world(make):
    """Cinema A (the manager's) and cinema B, a hall and a show in each."""
    a, b = make.cinema(name="甲影城"), make.cinema(name="乙影城")
    hall_a, hall_b = make.hall(cinema=a, name="甲1厅"), make.hall(cinema=b, name="乙1厅")
    hall_a2 = make.hall(cinema=a, name="甲2厅")
    change_layout(db.session, hall_a2.id, plan_layout("VV.VV\nCC.CC"))
    db.session.commit()
    return dict(
        a=a,
        b=b,
        hall_a=hall_a,
        hall_a2=hall_a2,
        hall_b=hall_b,
        show_a=make.schedule(hall=hall_a),
        show_b=make.schedule(hall=hall_b),
    )


# -- the gate: written out from PRODUCT.md's role table, not read from access.py -------------
# route -> permission needed: layouts are looked at with hall.view, changed with hall.edit;
# a show's seat map needs schedule.view.
ROUTES = ("list", "hall_page", "details", "save", "seat_map")
ALLOWED = {
    "platform_admin": {"list", "hall_page", "details", "save", "seat_map"},
    "cinema_manager": {"list", "hall_page", "details", "save", "seat_map"},
    "auditor": {"list", "hall_page", "details", "seat_map"},
    "content_editor": set(),
}


def request_route(client, route, world):
    hall, show = world["hall_a"], world["show_a"]
    if route == "list":
        return client.get("/admin/seatlayout/")
    if route == "hall_page":
        return client.get(layout_url(hall))
    if route == "details":
        return client.get(f"/admin/seatlayout/details/?id={current_layout(db.session, hall.id).id}")
    if route == "seat_map":
        return client.get(f"/admin/schedule/seats/?id={show.id}")
    token = csrf_from(client.get("/admin/", follow_redirects=True).text)
    return client.post(
        save_url(hall),
        data={
            "csrf_token": token,
            "layout": DRAWN,
            "numbering": "ltr",
            "do": "save",
            "based_on": "1",
        },
    )


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("route", ROUTES)
def test_each_role_may_use_exactly_its_routes(client, login_as, world, role, route):
    login_as(role, cinemas=[world["a"]])
    response = request_route(client, route, world)
    if route in ALLOWED[role]:
        assert response.status_code in (200, 302), response.text[:300]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_users_are_sent_to_sign_in(client, world, route):
    if route == "save":
        response = client.post(save_url(world["hall_a"]), data={})
        assert response.status_code in (302, 400)
    else:
        response = request_route(client, route, world)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_auditor_sees_the_layout_but_no_editor(client, login_as, world):
    login_as("auditor")
    page = client.get(layout_url(world["hall_a"])).text
    assert 'id="layout-text"' in page and 'id="layout-form"' not in page


def test_denied_save_changes_nothing_and_is_audited(client, login_as, world):
    login_as("auditor")
    before = counts()
    assert request_route(client, "save", world).status_code == 403
    assert counts() == before
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "denied")
        )
        == 1
    )


# -- the scope: another cinema's ids answer 404 -------------------------------------------------
@pytest.fixture()
def manager_of_a(login_as, world):
    return login_as("cinema_manager", cinemas=[world["a"]])


def test_manager_gets_404_for_another_cinemas_hall_layout(client, manager_of_a, world):
    assert client.get(layout_url(world["hall_b"])).status_code == 404


def test_manager_cannot_save_another_cinemas_layout(client, manager_of_a, world):
    token = csrf_from(client.get(layout_url(world["hall_a"])).text)
    before = counts()
    response = client.post(
        save_url(world["hall_b"]),
        data={
            "csrf_token": token,
            "layout": DRAWN,
            "numbering": "ltr",
            "do": "save",
            "based_on": "1",
        },
    )
    assert response.status_code == 404
    assert counts() == before


def test_manager_gets_404_for_another_cinemas_layout_details(client, manager_of_a, world):
    layout = current_layout(db.session, world["hall_b"].id)
    assert client.get(f"/admin/seatlayout/details/?id={layout.id}").status_code == 404


def test_manager_gets_404_for_another_cinemas_seat_map(client, manager_of_a, world):
    assert client.get(f"/admin/schedule/seats/?id={world['show_b'].id}").status_code == 404


def test_manager_cannot_copy_another_cinemas_layout(client, manager_of_a, world):
    response = post_layout(client, world["hall_a"], do="copy", copy_from=world["hall_b"].id)
    assert response.status_code == 404


def test_manager_lists_only_their_cinemas_layouts(client, manager_of_a, world):
    page = client.get("/admin/seatlayout/").text
    assert "甲1厅" in page and "甲2厅" in page and "乙1厅" not in page


@pytest.mark.parametrize("bad_id", ["abc", "-1", "1 OR 1=1", "99999999", ""])
def test_malformed_hall_ids_answer_404(client, manager_of_a, world, bad_id):
    assert client.get(f"/admin/seatlayout/hall/?hall_id={bad_id}").status_code == 404
    assert client.get(f"/admin/schedule/seats/?id={bad_id}").status_code == 404


# -- the editor's form ---------------------------------------------------------------------------
def test_preview_shows_the_new_layout_and_saves_nothing(client, manager_of_a, world):
    before = counts()
    response = post_layout(client, world["hall_a"], do="preview")
    assert response.status_code == 200
    assert 'id="layout-preview"' in response.text
    assert response.text.count('data-kind="vip"') == 8
    assert counts() == before


def test_saving_makes_a_new_version_and_says_who_keeps_the_old_one(
    client, manager_of_a, world, make
):
    client.get("/admin/?lang=en")
    hall = world["hall_a"]
    make.schedule(hall=hall, status="on_sale")
    make.schedule(hall=hall, status="scheduled")
    response = post_layout(client, hall, do="save")
    assert response.status_code == 302
    layout = current_layout(db.session, hall.id)
    assert (layout.version, layout.capacity) == (2, 23)
    page = client.get(response.headers["Location"])
    message = html.unescape(" ".join(page_messages(page.text)))
    assert (
        f"Seat layout of “{hall.cinema.name} · {hall.name}”: version 2 saved: 23 seats in "
        "3 rows." in message
    ), message
    assert "Shows not yet on sale moved to it: 2." in message  # with the world's show
    assert "Shows on sale keeping their earlier version: 1." in message
    summary = db.session.scalars(
        select(AuditLog.changes).where(
            AuditLog.model == "seat_layout", AuditLog.object_id == str(layout.id)
        )
    ).one()
    assert "rows 10 -> 3, seats 120 -> 23; vip 8; couple 1 pair; wheelchair 1; blocked 1" in summary


def test_the_editor_is_filled_with_the_current_layout(client, manager_of_a, world):
    client.get("/admin/?lang=en")
    page = client.get(layout_url(world["hall_a2"])).text
    assert textarea(page) == "VV.VV\nCC.CC"
    assert "Current version: 2 · Capacity: 8 seats · Rows: 2" in " ".join(page.split())


@pytest.mark.parametrize(
    "layout",
    [
        "SSSS\nSSS",
        "SSQS",
        "SCCC",
        "",
        "\n".join(["S"] * 61),
        "S" * 81,
        "XX\nXX",
    ],
)
def test_bad_layouts_are_refused_and_nothing_is_saved(client, manager_of_a, world, layout):
    before = counts()
    response = post_layout(client, world["hall_a"], layout=layout)
    assert response.status_code == 200
    assert 'id="layout-problems"' in response.text
    assert re.search(r'class="list-group-item layout-problem">[^<]*\S', response.text)
    assert counts() == before


def test_duplicate_row_labels_are_refused_naming_the_row(client, manager_of_a, world):
    client.get("/admin/?lang=en")
    response = post_layout(client, world["hall_a"], row_labels="1 1 2")
    assert "Row 2, column 1: the row label “1” is already used by row 1" in response.text
    assert current_layout(db.session, world["hall_a"].id).version == 1


def test_a_form_opened_before_someone_elses_save_is_refused(client, manager_of_a, world):
    hall = world["hall_a"]
    page = client.get(layout_url(hall)).text
    change_layout(db.session, hall.id, plan_layout("SS.SS"))
    db.session.commit()
    response = client.post(
        save_url(hall),
        data={
            "csrf_token": csrf_from(page),
            "based_on": "1",
            "layout": DRAWN,
            "numbering": "ltr",
            "do": "save",
        },
    )
    assert response.status_code == 200 and 'id="layout-problems"' in response.text
    assert current_layout(db.session, hall.id).version == 2


def test_copying_another_hall_fills_the_editor_without_saving(client, manager_of_a, world):
    hall = world["hall_a"]
    before = counts()
    response = post_layout(client, hall, do="copy", copy_from=world["hall_a2"].id)
    assert response.status_code == 200
    assert textarea(response.text) == "VV.VV\nCC.CC"
    assert counts() == before
    saved = post_layout(client, hall, do="save", layout="VV.VV\nCC.CC")
    assert saved.status_code == 302
    assert current_layout(db.session, hall.id).capacity == 8


def test_right_to_left_numbering_is_stored(client, manager_of_a, world):
    post_layout(client, world["hall_a"], layout="SS.S", numbering="rtl")
    seats = current_layout(db.session, world["hall_a"].id).seats
    assert [(s.col_no, s.seat_label) for s in seats] == [(1, "3"), (2, "2"), (4, "1")]


def test_the_editor_script_is_a_static_file_with_the_pages_nonce(client, manager_of_a, world):
    page = client.get(layout_url(world["hall_a"])).text
    assert re.search(r'<script[^>]*src="/static/seat_editor.js', page)
    assert "seat-palette" in page and " hidden>" in page  # the palette needs the script


# -- capacity and the seat map --------------------------------------------------------------------
def test_hall_list_and_details_show_the_current_capacity(client, manager_of_a, world):
    hall = world["hall_a2"]  # VV.VV / CC.CC: 8 seats
    listing = client.get("/admin/hall/").text
    assert re.search(r'甲2厅.*?<td class="col-capacity">\s*8\s*</td>', listing, re.S)
    details = client.get(f"/admin/hall/details/?id={hall.id}").text
    assert re.search(r">\s*8\s*</td>", details)


def test_show_seat_map_shows_rows_as_the_ticket_prints_them(client, manager_of_a, world, make):
    hall = world["hall_a"]
    change_layout(db.session, hall.id, plan_layout("SSX\n...\nCCW"))
    db.session.commit()
    show = make.schedule(hall=hall)
    page = client.get(f"/admin/schedule/seats/?id={show.id}&lang=en").text
    assert page.count('data-state="blocked"') == 1
    assert page.count('data-state="free"') == 5
    assert "Row 2, seat 3" in page  # the wheelchair place: second row with seats, third seat
    assert "seat-screen" in page


def test_show_seat_map_of_a_show_on_sale_keeps_the_old_layout(client, manager_of_a, world, make):
    hall = world["hall_a"]
    show = make.schedule(hall=hall, status="on_sale")
    change_layout(db.session, hall.id, plan_layout("SS"))
    db.session.commit()
    page = client.get(f"/admin/schedule/seats/?id={show.id}").text
    # still version 1: 10 x 12 free seats (shown to sell for a manager who may sell)
    assert len(re.findall(r'data-state="free"|state-free seat-pick', page)) == 120
    assert db.session.get(Schedule, show.id).seat_layout.version == 1


def test_deleting_a_hall_without_shows_deletes_its_layouts(client, manager_of_a, make, world):
    hall = make.hall(cinema=world["a"], name="空厅")
    token = csrf_from(client.get("/admin/hall/").text)
    response = client.post("/admin/hall/delete/", data={"csrf_token": token, "id": hall.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Hall, hall.id) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(SeatLayout).where(SeatLayout.hall_id == hall.id)
        )
        == 0
    )


def test_hall_edit_form_does_not_change_rows_and_seats(client, manager_of_a, world):
    hall = world["hall_a2"]  # its layout: 2 rows of 5 places
    token = csrf_from(client.get(f"/admin/hall/edit/?id={hall.id}").text)
    response = client.post(
        f"/admin/hall/edit/?id={hall.id}",
        data={
            "csrf_token": token,
            "cinema": hall.cinema_id,
            "name": "甲2厅改",
            "hall_type": "3D",
            "seat_rows": "40",
            "seat_cols": "40",
            "is_active": "y",
            "form_version": hall.version,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    hall = db.session.get(Hall, hall.id)
    assert (hall.name, hall.seat_rows, hall.seat_cols) == ("甲2厅改", 2, 5)


def test_copy_lookup_offers_only_the_managers_halls(client, manager_of_a, world):
    response = client.get("/admin/seatlayout/ajax/lookup/?name=hall&query=厅")
    assert response.status_code == 200
    offered = {text for _id, text in response.get_json()}
    assert offered == {"甲影城 · 甲1厅", "甲影城 · 甲2厅"}
