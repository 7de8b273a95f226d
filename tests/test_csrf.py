"""CSRF: every POST route refuses a request without a valid token, and changes nothing.

The design is one token for everything: Flask-WTF's global CSRFProtect checks every POST before
any view runs, and every Flask-Admin form derives from FlaskForm (PortalForm), so admin forms,
delete buttons, bulk actions, sign-in, sign-out and the language switcher share it. CSV export
is a GET and changes nothing. Each request below would change data if its token were valid
(the control tests show that for a sample), so a 400 with nothing changed is the token's doing.
"""
import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Permission, Role

from .conftest import csrf_from

ADMIN_VIEWS = ("movie", "city", "cinema", "hall", "schedule", "user", "role", "permission",
               "auditlog")
READ_ONLY_VIEWS = ("permission", "auditlog")
MODEL_ROUTES = ("new/", "edit/", "delete/", "action/", "ajax/update/")
# Routes of one view beyond Flask-Admin's own.
EXTRA_ROUTES = {"schedule": ("bulk/", "day/copy/")}
SIGN_IN_ROUTES = ("/login", "/logout", "/language")
TOKENS = ("missing", "forged", "from another session")


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (60, 90), "navy").save(out, "JPEG")
    return io.BytesIO(out.getvalue())


@pytest.fixture()
def admin(english, login_as):
    return login_as("platform_admin")


@pytest.fixture()
def world(admin, make):
    """For each view a row nothing depends on (so that deleting it would succeed), and the
    related rows a new one would need."""
    schedule = make.schedule()
    role = Role(code="night_shift", name="夜班", description="")
    db.session.add(role)
    db.session.commit()
    return {
        "related": schedule,
        "movie": make.movie(), "city": make.city(), "cinema": make.cinema(),
        "hall": make.hall(), "schedule": make.schedule(), "user": make.user(None),
        "role": role, "permission": db.session.scalars(select(Permission)).first(),
        "auditlog": db.session.scalars(select(AuditLog)).first(),
    }


def form_data(view, world):
    """Form fields that would create (or, with an id, edit) a row of `view`."""
    related = world["related"]
    return {
        "movie": {"title": "不该出现", "duration_minutes": "100", "status": "showing",
                  "release_date": "", "rating": "", "poster_file": (jpeg(), "海报.jpg")},
        "city": {"name": "不该出现", "pinyin": "BUGAI", "letter": "B", "city_code": "999001",
                 "parent_id": "0"},
        "cinema": {"name": "不该出现", "city": related.hall.cinema.city_id, "address": "一号",
                   "phone": "", "is_active": "y"},
        "hall": {"cinema": related.hall.cinema_id, "name": "不该出现", "hall_type": "IMAX",
                 "seat_rows": "10", "seat_cols": "10", "is_active": "y"},
        "schedule": {"movie": related.movie_id, "hall": related.hall_id,
                     "starts_at": "2031-02-01 19:30:00", "price": "59.90",
                     "language_version": "", "status": "scheduled"},
        "user": {"username": "bugai", "email": "", "is_active": "y",
                 "new_password": "a-long-password-1",
                 "roles": str(world["role"].id)},
        "role": {"code": "bugai", "name": "不该出现", "description": "",
                 "permissions": "movie.view"},
        "permission": {"code": "movie.fly", "description": "不该出现"},
        "auditlog": {"action": "delete", "model": "movie", "changes": "{}"},
    }[view]


def request_for(view, route, world):
    """(url, data) of a POST to `route` of `view` aimed at the view's row in `world`."""
    row = world[view]
    base = f"/admin/{view}/"
    if route == "new/":
        return base + route, form_data(view, world)
    if route == "edit/":
        data = form_data(view, world)
        if hasattr(row, "version"):
            data["form_version"] = str(row.version)
        return f"{base}edit/?id={row.id}", data
    if route == "delete/":
        return base + route, {"id": str(row.id)}
    if route == "action/":
        return base + route, {"action": "delete", "rowid": str(row.id)}
    if route == "ajax/update/":
        return base + route, {"list_form_pk": str(row.id), "name": "不该出现"}
    if route == "bulk/":
        related = world["related"]
        return base + route, {"movie": str(related.movie_id), "hall": str(related.hall_id),
                              "first_day": "2031-03-01", "last_day": "2031-03-03",
                              "start_times": "10:00, 19:30", "price": "45.00",
                              "language_version": "", "status": "scheduled"}
    if route == "day/copy/":
        related = world["related"]
        day = related.starts_at.date()
        return base + route, {"cinema_id": str(related.hall.cinema_id), "date": day.isoformat(),
                              "first_day": (day + dt.timedelta(days=1)).isoformat()}
    raise AssertionError(route)


def snapshot(app, tables=None):
    """Every row of every table (or of `tables`), and every stored upload."""
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if tables is None or table.name in tables:
                rows[table.name] = sorted((tuple(r) for r in conn.execute(table.select())),
                                          key=repr)
    uploads = Path(app.config["UPLOADS_DEST"])
    files = sorted(str(p) for p in uploads.rglob("*")) if uploads.exists() else []
    return rows, files


def bad_token(app, kind):
    """No token, a made-up one, or a real token issued to a different browser session."""
    if kind == "missing":
        return {}
    if kind == "forged":
        return {"csrf_token": "IjA1ZjE4YjI2MGI5ZDQ2In0.forged.signature"}
    with app.app_context():  # its own `g`: the test's app context would carry the signed-in user
        return {"csrf_token": csrf_from(app.test_client().get("/login").text)}


def assert_refused_by_csrf(response):
    assert response.status_code == 400, response.status_code
    assert "The form expired" in response.text


ADMIN_POSTS = [(view, route) for view in ADMIN_VIEWS
               for route in MODEL_ROUTES + EXTRA_ROUTES.get(view, ())]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize(("view", "route"), ADMIN_POSTS)
def test_admin_post_without_a_valid_token_is_refused_and_changes_nothing(
        app, client, world, view, route, token):
    url, data = request_for(view, route, world)
    before = snapshot(app)

    response = client.post(url, data={**data, **bad_token(app, token)},
                           content_type="multipart/form-data")

    assert_refused_by_csrf(response)
    assert snapshot(app) == before


@pytest.mark.parametrize("token", TOKENS)
def test_sign_in_without_a_valid_token_is_refused(app, client, english, make, token):
    user = make.user("platform_admin")
    before = snapshot(app)

    response = client.post("/login", data={"username": user.username,
                                           "password": "correct-horse-42",
                                           **bad_token(app, token)})

    assert_refused_by_csrf(response)
    assert snapshot(app) == before
    assert "/login" in client.get("/admin/").headers["Location"]


@pytest.mark.parametrize("token", TOKENS)
def test_sign_out_without_a_valid_token_keeps_the_user_signed_in(app, client, admin, token):
    before = snapshot(app)

    response = client.post("/logout", data=bad_token(app, token))

    assert_refused_by_csrf(response)
    assert snapshot(app) == before
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("token", TOKENS)
def test_language_switch_without_a_valid_token_changes_nothing(app, client, admin, token):
    before = snapshot(app)

    response = client.post("/language", data={"lang": "zh_Hans_CN", "next": "/admin/",
                                              **bad_token(app, token)})

    assert_refused_by_csrf(response)
    assert snapshot(app) == before
    assert ">Sign out<" in client.get("/admin/").text


def test_every_post_route_is_in_the_tables_above(app):
    covered = set(SIGN_IN_ROUTES) | {f"/admin/{view}/{route}" for view, route in ADMIN_POSTS}
    posts = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts - covered == set(), "add these POST routes to the CSRF tables"


# -- controls: the same requests with the page's token do change data --------------------
CONTROLS = [("movie", "new/"), ("movie", "edit/"), ("city", "new/"), ("city", "edit/")] + [
    (view, route) for view in ADMIN_VIEWS if view not in READ_ONLY_VIEWS
    for route in ("delete/", "action/")]


@pytest.mark.parametrize(("view", "route"), CONTROLS)
def test_the_same_request_with_the_page_token_goes_through(app, client, world, view, route):
    url, data = request_for(view, route, world)
    page = url if route in ("new/", "edit/") else f"/admin/{view}/"
    token = csrf_from(client.get(page).text)
    before = snapshot(app, tables={view})

    response = client.post(url, data={**data, "csrf_token": token},
                           content_type="multipart/form-data")

    assert response.status_code == 302
    assert snapshot(app, tables={view})[0] != before[0]


@pytest.mark.parametrize("view", ADMIN_VIEWS)
def test_inline_editing_is_not_offered_even_with_a_valid_token(app, client, world, view):
    url, data = request_for(view, "ajax/update/", world)
    token = csrf_from(client.get(f"/admin/{view}/").text)
    data_tables = {t.name for t in db.metadata.sorted_tables} - {"audit_log"}
    before = snapshot(app, tables=data_tables)

    response = client.post(url, data={**data, "csrf_token": token})

    assert response.status_code == (403 if view in READ_ONLY_VIEWS else 404)
    assert snapshot(app, tables=data_tables) == before
