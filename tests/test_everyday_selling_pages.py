"""#18's everyday points on the pages that came with selling and accounts: seat layouts and
the seat editor, screening rights, ticket types, price cards, user accounts, invitations and
the profile. History links, in-page delete naming the record, flashes that name it, exports
named after the list and the local time, required marks, no lock column on details pages,
one date style per language, and a role matrix whose every offered code gates something."""

import datetime as dt
import re
from urllib.parse import unquote

import pytest

from portal.extensions import db
from portal.i18n import wall_clock_now
from portal.models import Permission, PriceCard, Role, ScreeningRight, TicketType
from portal.services.seating import change_layout, current_layout, plan_layout

from .conftest import csrf_from, page_messages


def submit(client, url, data, **kwargs):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data}, **kwargs)


def a_right(make):
    cinema = make.cinema(name="星河影城")
    return make.right(
        make.movie(title="流浪地球2"),
        cinema,
        starts_on=dt.date(2030, 12, 1),
        ends_on=dt.date(2030, 12, 31),
    )


def a_card(make):
    return make.price_card(make.cinema(name="星河影城"), name="平日价")


def a_ticket_type(make):
    ticket_type = TicketType(code="probe", name="试映票")
    db.session.add(ticket_type)
    db.session.commit()
    return ticket_type


# endpoint, table, the record, its name as flashes and confirmations say it (English)
RECORDS = {
    "screeningright": (
        "screening_right",
        a_right,
        "Screening right “流浪地球2 · 星河影城, Dec 1, 2030–Dec 31, 2030”",
    ),
    "pricecard": ("price_card", a_card, "Price card “星河影城 · 平日价”"),
    "tickettype": ("ticket_type", a_ticket_type, "Ticket type “试映票”"),
    "user": ("user", lambda make: make.user("auditor", username="zhang.wei"), "User “zhang.wei”"),
}


@pytest.mark.parametrize("endpoint", RECORDS)
def test_details_and_edit_pages_link_to_the_records_history(
    client, english, make, login_as, endpoint
):
    login_as("platform_admin")
    table, build, _name = RECORDS[endpoint]
    record = build(make)
    history = f"/admin/auditlog/history/?model={table}&amp;id={record.id}"
    for page in ("details", "edit"):
        html = client.get(f"/admin/{endpoint}/{page}/?id={record.id}").text
        assert history in html, page
    assert client.get(history.replace("&amp;", "&")).status_code == 200


def test_seat_layout_pages_link_to_the_layouts_history(client, make, login_as):
    login_as("platform_admin")
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SS.SS"))
    db.session.commit()
    layout = current_layout(db.session, hall.id)
    history = f"/admin/auditlog/history/?model=seat_layout&amp;id={layout.id}"
    assert history in client.get(f"/admin/seatlayout/details/?id={layout.id}").text
    assert history in client.get(f"/admin/seatlayout/hall/?hall_id={hall.id}").text
    entries = client.get(history.replace("&amp;", "&") + "&lang=en")
    assert entries.status_code == 200 and 'class="history-entry"' in entries.text
    # the entry reads in words: field names, not the stored keys
    assert "Shows moved to it" in entries.text and "shows_moved" not in entries.text


@pytest.mark.parametrize("endpoint", RECORDS)
def test_details_and_edit_pages_offer_a_delete_naming_the_record(
    client, english, make, login_as, endpoint
):
    login_as("platform_admin")
    _table, build, name = RECORDS[endpoint]
    record = build(make)
    for page in ("details", "edit"):
        html = client.get(f"/admin/{endpoint}/{page}/?id={record.id}").text
        assert f"Delete {name}? This cannot be undone." in html, page
        assert "confirm(" not in html


@pytest.mark.parametrize(
    "endpoint, model",
    [("screeningright", ScreeningRight), ("pricecard", PriceCard), ("tickettype", TicketType)],
)
def test_deleting_from_the_details_page_names_the_deleted_record(
    client, english, make, login_as, endpoint, model
):
    login_as("platform_admin")
    _table, build, name = RECORDS[endpoint]
    record_id = build(make).id
    html = client.get(f"/admin/{endpoint}/details/?id={record_id}").text
    form = re.search(r'<details class="delete-record.*?</details>', html, re.S).group(0)
    response = client.post(
        f"/admin/{endpoint}/delete/",
        data={"csrf_token": csrf_from(form), "id": str(record_id), "url": f"/admin/{endpoint}/"},
        follow_redirects=True,
    )
    assert f"{name} was deleted." in page_messages(response.text)
    assert db.session.get(model, record_id) is None


def test_saving_a_ticket_type_names_it(client, english, login_as):
    login_as("platform_admin")
    created = submit(
        client, "/admin/tickettype/new/", {"code": "probe", "name": "试映票"}, follow_redirects=True
    )
    assert "Ticket type “试映票” was created." in page_messages(created.text)
    ticket_type = db.session.query(TicketType).filter_by(code="probe").one()
    saved = submit(
        client,
        f"/admin/tickettype/edit/?id={ticket_type.id}",
        {"code": "probe", "name": "首映票"},
        follow_redirects=True,
    )
    assert "Ticket type “首映票” was saved." in page_messages(saved.text)


def test_granting_rights_names_the_movie_the_cinemas_and_the_days(client, english, make, login_as):
    login_as("content_editor")
    movie = make.movie(title="流浪地球2")
    first, second = make.cinema(name="星河影城"), make.cinema(name="万达影城")
    response = submit(
        client,
        "/admin/screeningright/grant/",
        {
            "movie": str(movie.id),
            "cinemas": [str(first.id), str(second.id)],
            "starts_on": "2030-12-01",
            "ends_on": "2030-12-31",
            "distributor_share": "43.00",
        },
        follow_redirects=True,
    )
    assert (
        "Granted 2 screening rights: 流浪地球2; 万达影城, 星河影城; Dec 1, 2030–Dec 31, "
        "2030." in page_messages(response.text)
    )


def test_saving_a_seat_layout_names_the_hall(client, english, make, login_as):
    login_as("platform_admin")
    hall = make.hall(name="1号厅", cinema=make.cinema(name="星河影城"))
    page = client.get(f"/admin/seatlayout/hall/?hall_id={hall.id}").text
    based_on = re.search(r'name="based_on" type="hidden" value="(\d*)"', page)
    response = client.post(
        f"/admin/seatlayout/hall/save/?hall_id={hall.id}",
        data={
            "csrf_token": csrf_from(page),
            "layout": "SSS.SSS",
            "numbering": "ltr",
            "row_labels": "",
            "based_on": based_on.group(1) if based_on else "",
            "do": "save",
        },
        follow_redirects=True,
    )
    assert any(
        m.startswith("Seat layout of “星河影城 · 1号厅”: version ")
        for m in page_messages(response.text)
    ), page_messages(response.text)


@pytest.mark.parametrize(
    "endpoint, list_name",
    [
        ("seatlayout", "座位图"),
        ("screeningright", "播放权"),
        ("pricecard", "价目表"),
        ("tickettype", "票种"),
        ("user", "用户"),
    ],
)
def test_exports_are_named_after_the_list_and_the_local_time(client, login_as, endpoint, list_name):
    login_as("auditor")
    before = wall_clock_now()
    response = client.get(f"/admin/{endpoint}/export/csv/?lang=zh_Hans_CN")
    after = wall_clock_now()
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name in {f"{list_name}_{moment:%Y-%m-%d_%H%M}.csv" for moment in (before, after)}


def required_fields(html):
    return set(re.findall(r'<label for="(\w+)"[^>]*>[^<]*<strong class="text-danger"', html))


@pytest.mark.parametrize(
    "url, required",
    [
        ("/admin/screeningright/grant/", {"movie", "starts_on", "ends_on", "distributor_share"}),
        (
            "/admin/screeningright/new/",
            {"movie", "cinema", "starts_on", "ends_on", "distributor_share"},
        ),
        ("/admin/tickettype/new/", {"code", "name"}),
        ("/admin/pricecard/new/", {"cinema", "name"}),
        ("/admin/user/invite/", {"username", "email", "roles"}),
    ],
)
def test_required_fields_are_marked(client, english, login_as, url, required):
    login_as("platform_admin")
    assert required <= required_fields(client.get(url).text)


def test_the_profiles_password_form_marks_its_required_fields(client, english, login_as):
    login_as("cinema_manager")
    assert {"current_password", "new_password", "confirm"} <= required_fields(
        client.get("/admin/profile/").text
    )


def test_details_hide_the_lock_column_but_a_layout_keeps_its_version(
    client, english, make, login_as
):
    login_as("platform_admin")
    card = a_card(make)
    details = client.get(f"/admin/pricecard/details/?id={card.id}").text
    assert not re.search(r"<td>\s*<b>\s*Version\s*</b>\s*</td>", details)
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SS.SS"))
    db.session.commit()
    layout = current_layout(db.session, hall.id)
    assert "Layout version" in client.get(f"/admin/seatlayout/details/?id={layout.id}").text


@pytest.mark.parametrize(
    "lang, day, stamp",
    [
        ("zh_Hans_CN", "2030年12月1日", r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}"),
        ("en", "Dec 1, 2030", r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M"),
    ],
)
def test_rights_and_layouts_read_dates_in_the_one_style(client, make, login_as, lang, day, stamp):
    login_as("platform_admin")
    client.get(f"/admin/?lang={lang}")
    a_right(make)
    rights = client.get("/admin/screeningright/").text
    assert day in rights and "2030-12-01" not in rights and "2030/12/1" not in rights
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SS.SS"))
    db.session.commit()
    editor = client.get(f"/admin/seatlayout/hall/?hall_id={hall.id}").text
    versions = re.search(r'id="layout-versions".*?</table>', editor, re.S).group(0)
    assert re.search(stamp, versions), versions


# -- the role matrix: every code it offers for these resources gates something ---------------
def sign_in_with(make, login_as, codes):
    role = Role(
        code="probe",
        name="probe",
        permissions=db.session.query(Permission).filter(Permission.code.in_(codes)).all(),
    )
    db.session.add(role)
    db.session.commit()
    return login_as(make.user("probe"))


GATED = {
    "right": ("screeningright", a_right),
    "pricecard": ("pricecard", a_card),
    "tickettype": ("tickettype", a_ticket_type),
}


def test_the_role_matrix_offers_every_code_of_rights_prices_and_ticket_types(client, login_as):
    login_as("platform_admin")
    form = client.get("/admin/role/new/").text
    for resource in GATED:
        for action in ("view", "create", "edit", "delete", "export"):
            assert f'value="{resource}.{action}"' in form, f"{resource}.{action}"


def attempt(client, endpoint, action, record_id):
    if action == "create":
        return client.get(f"/admin/{endpoint}/new/").status_code
    if action == "edit":
        return client.get(f"/admin/{endpoint}/edit/?id={record_id}").status_code
    if action == "export":
        return client.get(f"/admin/{endpoint}/export/csv/").status_code
    token = csrf_from(client.get(f"/admin/{endpoint}/").text)
    return client.post(
        f"/admin/{endpoint}/delete/",
        data={"csrf_token": token, "id": str(record_id), "url": f"/admin/{endpoint}/"},
    ).status_code


@pytest.mark.parametrize("resource", GATED)
@pytest.mark.parametrize("action", ["create", "edit", "delete", "export"])
@pytest.mark.parametrize("held", [False, True])
def test_each_offered_code_gates_what_it_names(client, make, login_as, resource, action, held):
    endpoint, build = GATED[resource]
    record_id = build(make).id
    codes = {f"{resource}.view", "scope.all_cinemas"} | (
        {f"{resource}.{action}"} if held else set()
    )
    sign_in_with(make, login_as, codes)
    status = attempt(client, endpoint, action, record_id)
    assert status == (403 if not held else (302 if action == "delete" else 200))


def test_account_entries_read_in_the_readers_language(client, make, login_as):
    from portal.services import audit

    user = login_as("platform_admin")
    audit.record(
        "password_changed",
        "user",
        object_id=user.id,
        user_id=user.id,
        changes={"reason": "password change", "this_browser": "kept"},
    )
    page = client.get(f"/admin/auditlog/history/?model=user&id={user.id}&lang=zh_Hans_CN").text
    entry = re.findall(r'<tr class="history-entry">(.*?)</tr>', page, re.S)[0]
    assert "password change" not in entry and "this_browser" not in entry
    assert "当前浏览器" in entry and "保持登录" in entry


def test_user_details_show_no_secrets_or_bookkeeping(client, english, make, login_as):
    login_as("platform_admin")
    user = make.user("auditor", username="zhang.wei")
    html = client.get(f"/admin/user/details/?id={user.id}").text
    shown = re.findall(r"<td>\s*<b>\s*([^<]+?)\s*</b>", html)
    assert "Username" in shown and "Email" in shown
    assert not [label for label in shown if "Totp" in label or "Password" in label], shown
