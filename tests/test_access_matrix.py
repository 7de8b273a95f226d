"""Every view x every action x every default role x a row inside and outside the user's scope.

Expected outcomes come from the contract's role table as written out by hand in
test_role_table.py (PRODUCT.md), never from portal/access.py.
"""

import pytest

from portal import access
from portal.extensions import db
from portal.models import (
    AuditLog,
    Cinema,
    City,
    Hall,
    Movie,
    Permission,
    PriceCard,
    Role,
    Schedule,
    ScreeningRight,
    TicketType,
    User,
)

from .conftest import csrf_from
from .test_role_table import contract_permissions

ROLES = (access.PLATFORM_ADMIN, access.CINEMA_MANAGER, access.CONTENT_EDITOR, access.AUDITOR, None)
# endpoint -> (model, permission resource, read-only view)
VIEWS = {
    "movie": (Movie, "movie", False),
    "cinema": (Cinema, "cinema", False),
    "hall": (Hall, "hall", False),
    "schedule": (Schedule, "schedule", False),
    "city": (City, "city", False),
    "user": (User, "user", False),
    "role": (Role, "role", False),
    "permission": (Permission, "role", True),
    "auditlog": (AuditLog, "audit", True),
    "screeningright": (ScreeningRight, "right", False),
    "pricecard": (PriceCard, "pricecard", False),
    "tickettype": (TicketType, "tickettype", False),
}
SCOPED = ("cinema", "hall", "schedule", "screeningright", "pricecard")
ACTIONS = ("list", "details", "create", "edit", "delete", "bulk_delete", "export")
NEEDS = {
    "list": "view",
    "details": "view",
    "create": "create",
    "edit": "edit",
    "delete": "delete",
    "bulk_delete": "delete",
    "export": "export",
}


def expected(role, endpoint, action, scope):
    """'ok', 403 or 404 for this combination, from the seeded permissions."""
    perms = contract_permissions(role)
    _, resource, read_only = VIEWS[endpoint]
    need = NEEDS[action]
    if read_only and need in ("create", "edit", "delete"):
        return 403
    if f"{resource}.view" not in perms or f"{resource}.{need}" not in perms:
        return 403
    sees_all = access.SCOPE_ALL_CINEMAS in perms
    if scope == "out" and not sees_all and action in ("details", "edit", "delete"):
        return 404
    return "ok"


def build_world(make, role):
    """Cinema A (assigned to the user) and cinema B (not), each with a deletable leaf row."""
    city = make.city(name="城市甲")
    a, b = make.cinema(name="影城A", city=city), make.cinema(name="影城B", city=city)
    hall_a, hall_b = make.hall(cinema=a, name="A厅"), make.hall(cinema=b, name="B厅")
    movie_a, movie_b = make.movie(title="甲片"), make.movie(title="乙片")
    rights_movie = make.movie(title="丁片")
    user = make.user(role, cinemas=[a, make.cinema(name="影城A2", city=city)])
    rows = {
        "in": {
            "cinema": user.cinemas[1],
            "hall": make.hall(cinema=a, name="A空厅"),
            "schedule": make.schedule(hall=hall_a, movie=movie_a),
            "screeningright": make.right(rights_movie, a),
            "pricecard": make.price_card(a, rules=[{"price": "50.00"}]),
        },
        "out": {
            "cinema": make.cinema(name="影城B2", city=city),
            "hall": make.hall(cinema=b, name="B空厅"),
            "schedule": make.schedule(hall=hall_b, movie=movie_b),
            "screeningright": make.right(rights_movie, b),
            "pricecard": make.price_card(b, rules=[{"price": "50.00"}]),
        },
    }
    if access.SCOPE_ALL_CINEMAS in contract_permissions(role):
        rows["in"]["cinema"] = make.cinema(name="影城C", city=city)  # deletable: nobody assigned
    spare_role = Role(code="spare", name="备用")
    spare_ticket_type = TicketType(code="spare", name="备用票")
    db.session.add_all([spare_role, spare_ticket_type])
    db.session.commit()
    common = {
        "movie": make.movie(title="丙片"),
        "city": make.city(name="空城"),
        "user": make.user(None, username="leaf_user"),
        "role": spare_role,
        "permission": db.session.query(Permission).filter_by(code="city.view").one(),
        "auditlog": _an_audit_entry(),
        "tickettype": spare_ticket_type,
    }
    for scope in rows.values():
        scope.update(common)
    return user, rows


def _an_audit_entry():
    entry = AuditLog(action="edit", model="movie", object_id="1", changes="{}")
    db.session.add(entry)
    db.session.commit()
    return entry


def row_exists(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id) is not None


CASES = [
    (role, endpoint, action, scope)
    for role in ROLES
    for endpoint in VIEWS
    for action in ACTIONS
    for scope in (("in", "out") if endpoint in SCOPED else ("in",))
]


def case_id(case):
    role, endpoint, action, scope = case
    return f"{role or 'no_role'}-{endpoint}-{action}-{scope}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_access_matrix(client, make, login_as, case):
    role, endpoint, action, scope = case
    user, rows = build_world(make, role)
    login_as(user)
    model = VIEWS[endpoint][0]
    row = rows[scope][endpoint]
    row_id = row.id
    token = csrf_from(client.get("/admin/").text)
    denied_before = db.session.query(AuditLog).filter_by(action="denied").count()
    want = expected(role, endpoint, action, scope)
    base = f"/admin/{endpoint}/"

    if action == "list":
        response = client.get(base)
    elif action == "details":
        response = client.get(f"{base}details/?id={row_id}")
    elif action == "create":
        response = client.get(f"{base}new/")
        if want != "ok":
            before = _count(model)
            posted = client.post(
                f"{base}new/", data={"csrf_token": token, "name": "X", "title": "X", "code": "x"}
            )
            assert posted.status_code == 403
            assert _count(model) == before
    elif action == "edit":
        response = client.get(f"{base}edit/?id={row_id}")
        if want != "ok":
            snapshot = _snapshot(model, row_id)
            posted = client.post(
                f"{base}edit/?id={row_id}", data={"csrf_token": token, "name": "改", "title": "改"}
            )
            assert posted.status_code == want
            assert _snapshot(model, row_id) == snapshot
    elif action == "delete":
        response = client.post(f"{base}delete/", data={"csrf_token": token, "id": row_id})
    elif action == "bulk_delete":
        response = client.post(
            f"{base}action/", data={"csrf_token": token, "action": "delete", "rowid": [row_id]}
        )
    else:
        response = client.get(f"{base}export/csv/")

    if want == "ok":
        assert response.status_code in (200, 302), (case, response.status_code)
        if action in ("delete", "bulk_delete"):
            in_scope = scope == "in" or access.SCOPE_ALL_CINEMAS in contract_permissions(role)
            assert row_exists(model, row_id) is not in_scope
    else:
        assert response.status_code == want, (case, response.status_code)
        assert row_exists(model, row_id)
        if want == 403:
            denied = db.session.query(AuditLog).filter_by(action="denied").count()
            assert denied > denied_before


def _count(model):
    """Rows of `model`, leaving out the denials the refused request itself writes."""
    query = db.session.query(model)
    if model is AuditLog:
        query = query.filter(AuditLog.action != "denied")
    return query.count()


def _snapshot(model, row_id):
    db.session.expire_all()
    row = db.session.get(model, row_id)
    return {c.key: getattr(row, c.key) for c in db.inspect(model).column_attrs}


def test_manager_lists_only_their_cinemas_rows(client, make, login_as):
    user, rows = build_world(make, access.CINEMA_MANAGER)
    login_as(user)
    for endpoint, inside, outside in (
        ("cinema", "影城A2", "影城B2"),
        ("hall", "A空厅", "B空厅"),
        ("schedule", "甲片", "乙片"),
    ):
        listing = client.get(f"/admin/{endpoint}/").text
        assert inside in listing and outside not in listing, endpoint


def test_an_export_holds_only_the_exporters_cinemas_rows(client, make, login_as):
    """A role with export but without every cinema exports only its cinemas' rows."""
    user, rows = build_world(make, access.CINEMA_MANAGER)
    exporter = Role(code="cinema_exporter", name="导出")
    exporter.permissions = (
        db.session.query(Permission)
        .filter(
            Permission.code.in_(
                [f"{resource}.{action}" for resource in SCOPED for action in ("view", "export")]
            )
        )
        .all()
    )
    user.roles.append(exporter)
    db.session.commit()
    login_as(user)
    for endpoint, inside, outside in (
        ("cinema", "影城A2", "影城B2"),
        ("hall", "A空厅", "B空厅"),
        ("schedule", "甲片", "乙片"),
    ):
        export = client.get(f"/admin/{endpoint}/export/csv/").data.decode("utf-8-sig")
        assert inside in export and outside not in export, endpoint


@pytest.mark.parametrize(
    "endpoint,field,query,inside,outside",
    [
        ("hall", "cinema", "影城", "影城A", "影城B"),
        ("schedule", "hall", "厅", "A厅", "B厅"),
        ("pricecard", "cinema", "影城", "影城A", "影城B"),
        ("screeningright", "cinema", "影城", "影城A", "影城B"),
    ],
)
def test_manager_ajax_lookups_offer_only_their_rows(
    client, make, login_as, endpoint, field, query, inside, outside
):
    user, _ = build_world(make, access.CINEMA_MANAGER)
    login_as(user)
    response = client.get(f"/admin/{endpoint}/ajax/lookup/?name={field}&query={query}")
    assert response.status_code == 200
    names = " ".join(label for _, label in response.get_json())
    assert inside in names and outside not in names


def test_user_without_roles_sees_an_empty_dashboard_and_no_menu(client, make, login_as):
    login_as(make.user(None))
    page = client.get("/admin/")
    assert page.status_code == 200
    for endpoint in VIEWS:
        assert f'href="/admin/{endpoint}/"' not in page.text


@pytest.mark.parametrize("role", [r for r in ROLES if r])
def test_menu_shows_exactly_the_views_a_role_may_see(client, make, login_as, role):
    login_as(role)
    page = client.get("/admin/").text
    perms = contract_permissions(role)
    for endpoint, (_, resource, _) in VIEWS.items():
        assert (f'href="/admin/{endpoint}/"' in page) == (f"{resource}.view" in perms), endpoint


def test_anonymous_requests_are_sent_to_sign_in(client):
    for endpoint in VIEWS:
        response = client.get(f"/admin/{endpoint}/")
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    assert client.get("/admin/").headers["Location"].startswith("/login?next=")


def test_permission_codes_of_several_overlapping_roles(app_ctx, make):
    user = make.user("cinema_manager")
    user.roles.append(db.session.query(Role).filter_by(code="auditor").one())
    db.session.commit()
    expected = {p.code for role in user.roles for p in role.permissions}
    assert access.user_permissions(user) == expected
    assert "audit.view" in expected and "schedule.create" in expected


def test_permission_codes_survive_a_cut_short_group_concat(app_ctx, make, monkeypatch):
    """MySQL cuts GROUP_CONCAT at group_concat_max_len: the count notices, and the codes and
    cinema ids are read row by row instead (here the joined text is cut on purpose)."""
    user = make.user("platform_admin")
    cinemas = [make.cinema() for _ in range(5)]
    manager = make.user("cinema_manager", cinemas=cinemas)
    monkeypatch.setattr(
        access, "_joined", lambda column: access.func.substr(access.func.group_concat(column), 1, 3)
    )
    assert access.user_permissions(user) == set(access.ALL_PERMISSIONS)
    assert access.cinema_scope(manager) == {cinema.id for cinema in cinemas}
