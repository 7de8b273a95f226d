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

import pyotp
import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Permission, Role, Seat, TicketType
from portal.services.seating import current_layout

from .conftest import csrf_from

ADMIN_VIEWS = (
    "movie",
    "city",
    "cinema",
    "hall",
    "schedule",
    "seatlayout",
    "user",
    "role",
    "permission",
    "auditlog",
    "screeningright",
    "pricecard",
    "tickettype",
    "order",
    "ticket",
    "customer",
)
READ_ONLY_VIEWS = ("permission", "auditlog")
MODEL_ROUTES = ("new/", "edit/", "delete/", "action/", "ajax/update/")
# Routes of one view beyond Flask-Admin's own.
EXTRA_ROUTES = {
    "schedule": ("bulk/", "day/copy/", "seats/review/", "seats/sell/"),
    "seatlayout": ("hall/save/",),
    "screeningright": ("grant/",),
    "order": ("refund/", "confirm/", "cancel/"),
}
# Views whose rows change only through their own pages (a layout: as a new version; orders
# and tickets by selling and refunding; customers in the consumer app).
NO_CRUD_VIEWS = ("seatlayout", "order", "ticket", "customer")
SIGN_IN_ROUTES = ("/login", "/logout", "/language")
TOKENS = ("missing", "forged", "from another session")
TABLE_OF = {
    "screeningright": "screening_right",
    "pricecard": "price_card",
    "tickettype": "ticket_type",
}  # view -> table, where the names differ


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
    spare_ticket_type = TicketType(code="spare", name="备用票")
    db.session.add_all([role, spare_ticket_type])
    db.session.commit()
    show = make.show_on_sale()
    seats = db.session.scalars(
        select(Seat).where(Seat.layout_id == show.seat_layout_id).order_by(Seat.id).limit(2)
    ).all()
    order = make.online_order(show, seats[:1], status="awaiting_confirmation")
    return {
        "order": order,
        "ticket": order.tickets[0],
        "customer": order.customer,
        "sale": (show, seats[1]),
        "related": schedule,
        "movie": make.movie(),
        "city": make.city(),
        "cinema": make.cinema(),
        "hall": make.hall(),
        "schedule": make.schedule(),
        "user": make.user(None),
        "seatlayout": current_layout(db.session, schedule.hall_id),
        "role": role,
        "permission": db.session.scalars(select(Permission)).first(),
        "auditlog": db.session.scalars(select(AuditLog)).first(),
        "screeningright": make.right(make.movie(), make.cinema()),
        "pricecard": make.price_card(make.cinema(), rules=[{"price": "50.00"}]),
        "tickettype": spare_ticket_type,
    }


def form_data(view, world):
    """Form fields that would create (or, with an id, edit) a row of `view`."""
    related = world["related"]
    return {
        "movie": {
            "title": "不该出现",
            "duration_minutes": "100",
            "status": "showing",
            "release_date": "",
            "rating": "",
            "poster_file": (jpeg(), "海报.jpg"),
        },
        "city": {
            "name": "不该出现",
            "pinyin": "BUGAI",
            "letter": "B",
            "city_code": "999001",
            "parent_id": "0",
        },
        "cinema": {
            "name": "不该出现",
            "city": related.hall.cinema.city_id,
            "address": "一号",
            "phone": "",
            "is_active": "y",
        },
        "hall": {
            "cinema": related.hall.cinema_id,
            "name": "不该出现",
            "hall_type": "IMAX",
            "seat_rows": "10",
            "seat_cols": "10",
            "is_active": "y",
        },
        "schedule": {
            "movie": related.movie_id,
            "hall": related.hall_id,
            "starts_at": "2031-02-01 19:30:00",
            "price": "59.90",
            "language_version": "",
            "status": "scheduled",
        },
        "user": {
            "username": "bugai",
            "email": "",
            "is_active": "y",
            "new_password": "a-long-password-1",
            "roles": str(world["role"].id),
        },
        "role": {
            "code": "bugai",
            "name": "不该出现",
            "description": "",
            "permissions": "movie.view",
        },
        "permission": {"code": "movie.fly", "description": "不该出现"},
        "auditlog": {"action": "delete", "model": "movie", "changes": "{}"},
        "seatlayout": {"hall": related.hall_id, "version": "9"},
        "screeningright": {
            "movie": related.movie_id,
            "cinema": related.hall.cinema_id,
            "starts_on": "2101-01-01",
            "ends_on": "2101-01-31",
            "distributor_share": "43.00",
        },
        "pricecard": {
            "cinema": related.hall.cinema_id,
            "name": "不该出现",
            "is_active": "y",
            "rules-0-ticket_type": str(world["pricecard"].rules[0].ticket_type_id),
            "rules-0-weekdays": "1234567",
            "rules-0-price": "50.00",
        },
        "tickettype": {"code": "bugai", "name": "不该出现"},
        "order": {"status": "paid"},
        "ticket": {"status": "refunded"},
        "customer": {"is_blocked": "y"},
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
        return base + route, {
            "movie": str(related.movie_id),
            "hall": str(related.hall_id),
            "first_day": "2031-03-01",
            "last_day": "2031-03-03",
            "start_times": "10:00, 19:30",
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
        }
    if route.startswith("seats/"):
        show, seat = world["sale"]
        return f"{base}{route}?id={show.id}", {"seat": str(seat.id), "sale_token": "t"}
    if route in ("refund/", "confirm/", "cancel/"):
        return f"{base}{route}?id={row.id}", {"whole": "1", "payment_ref": "WX-1"}
    if route == "hall/save/":
        return f"{base}hall/save/?hall_id={row.hall_id}", {
            "layout": "SS.SS",
            "numbering": "ltr",
            "do": "save",
            "based_on": "1",
        }
    if route == "grant/":
        related = world["related"]
        return base + route, {
            "movie": str(related.movie_id),
            "cinemas": str(world["cinema"].id),
            "starts_on": "2031-03-01",
            "ends_on": "2031-03-31",
            "distributor_share": "43.00",
        }
    if route == "day/copy/":
        related = world["related"]
        day = related.starts_at.date()
        return base + route, {
            "cinema_id": str(related.hall.cinema_id),
            "date": day.isoformat(),
            "first_day": (day + dt.timedelta(days=1)).isoformat(),
        }
    raise AssertionError(route)


def snapshot(app, tables=None):
    """Every row of every table (or of `tables`), and every stored upload."""
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if tables is None or table.name in tables:
                rows[table.name] = sorted(
                    (tuple(r) for r in conn.execute(table.select())), key=repr
                )
    uploads = Path(app.config["UPLOADS_DEST"])
    files = sorted(str(p) for p in uploads.rglob("*")) if uploads.exists() else []
    return rows, files


def bad_token(app, kind):
    """No token, a made-up one, or a real token issued to a different browser session."""
    if kind == "missing":
        return {}
    if kind == "forged":
        return {"csrf_token": "IjA1ZjE4YjI2MGI5ZDQ2In0.forged.signature"}
    return {"csrf_token": csrf_from(app.test_client().get("/login").text)}


def assert_refused_by_csrf(response):
    assert response.status_code == 400, response.status_code
    assert "The form expired" in response.text


ADMIN_POSTS = [
    (view, route) for view in ADMIN_VIEWS for route in MODEL_ROUTES + EXTRA_ROUTES.get(view, ())
]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize(("view", "route"), ADMIN_POSTS)
def test_admin_post_without_a_valid_token_is_refused_and_changes_nothing(
    app, client, world, view, route, token
):
    url, data = request_for(view, route, world)
    before = snapshot(app)

    response = client.post(
        url, data={**data, **bad_token(app, token)}, content_type="multipart/form-data"
    )

    assert_refused_by_csrf(response)
    assert snapshot(app) == before


@pytest.mark.parametrize("token", TOKENS)
def test_sign_in_without_a_valid_token_is_refused(app, client, english, make, token):
    user = make.user("platform_admin")
    before = snapshot(app)

    response = client.post(
        "/login",
        data={"username": user.username, "password": "correct-horse-42", **bad_token(app, token)},
    )

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

    response = client.post(
        "/language", data={"lang": "zh_Hans_CN", "next": "/admin/", **bad_token(app, token)}
    )

    assert_refused_by_csrf(response)
    assert snapshot(app) == before
    assert ">Sign out<" in client.get("/admin/").text


# Account pages (profile, mailed links, second sign-in step, invitations): rule -> request.
ACCOUNT_POSTS = {
    "/password/forgot": lambda w: ("/password/forgot", {"email": w["target"].email}),
    "/password/reset/<token>": lambda w: (
        f"/password/reset/{w['reset']}",
        {"password": "a-new-password-1", "confirm": "a-new-password-1"},
    ),
    "/invitation/<token>": lambda w: (
        f"/invitation/{w['invitation']}",
        {"password": "a-new-password-1", "confirm": "a-new-password-1"},
    ),
    "/login/two-factor": lambda w: ("/login/two-factor", {"code": "123456"}),
    "/login/two-factor/setup": lambda w: ("/login/two-factor/setup", {"code": "123456"}),
    "/admin/profile/account": lambda w: (
        "/admin/profile/account",
        {"email": "new@example.com", "locale": "en", "current_password": "correct-horse-42"},
    ),
    "/admin/profile/password": lambda w: (
        "/admin/profile/password",
        {
            "current_password": "correct-horse-42",
            "new_password": "a-new-password-1",
            "confirm": "a-new-password-1",
        },
    ),
    "/admin/profile/two-factor": lambda w: ("/admin/profile/two-factor", {"code": "123456"}),
    "/admin/profile/two-factor/off": lambda w: (
        "/admin/profile/two-factor/off",
        {"password": "correct-horse-42"},
    ),
    "/admin/profile/two-factor/recovery-codes": lambda w: (
        "/admin/profile/two-factor/recovery-codes",
        {"password": "correct-horse-42"},
    ),
    "/admin/profile/sessions/end": lambda w: (
        "/admin/profile/sessions/end",
        {"session_id": str(w["session_id"])},
    ),
    "/admin/profile/sessions/end-others": lambda w: ("/admin/profile/sessions/end-others", {}),
    "/admin/user/invite/": lambda w: (
        "/admin/user/invite/",
        {"username": "bugai", "email": "bugai@example.com", "roles": str(w["role"].id)},
    ),
    "/admin/user/invitation/resend/": lambda w: (
        f"/admin/user/invitation/resend/?id={w['invited'].id}",
        {},
    ),
    "/admin/user/invitation/revoke/": lambda w: (
        f"/admin/user/invitation/revoke/?id={w['invited'].id}",
        {},
    ),
    "/admin/user/two-factor/reset/": lambda w: (
        f"/admin/user/two-factor/reset/?id={w['target'].id}",
        {},
    ),
}


@pytest.fixture()
def account_world(admin, make, mailbox):
    """A user with an e-mail address, a reset link and a second factor; an invited user
    with an open invitation; the admin's own session."""
    from portal.models import UserSession
    from portal.services import account_tokens, two_factor

    target = make.user("auditor", email="target@example.com")
    invited = make.user("auditor", email="invited@example.com")
    invited.password_hash = None
    secret = two_factor.new_secret()
    assert two_factor.enable(db.session, target, secret, pyotp.TOTP(secret).now())
    world = {
        "target": target,
        "invited": invited,
        "role": db.session.scalars(select(Role).where(Role.code == "auditor")).one(),
        "reset": account_tokens.issue(db.session, target, account_tokens.RESET),
        "invitation": account_tokens.issue(db.session, invited, account_tokens.INVITATION),
        "session_id": db.session.scalars(
            select(UserSession.id).where(UserSession.user_id == admin.id)
        ).first(),
    }
    db.session.commit()
    return world


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("rule", sorted(ACCOUNT_POSTS))
def test_account_post_without_a_valid_token_is_refused_and_changes_nothing(
    app, client, account_world, rule, token
):
    url, data = ACCOUNT_POSTS[rule](account_world)
    before = snapshot(app)

    response = client.post(url, data={**data, **bad_token(app, token)})

    assert_refused_by_csrf(response)
    assert snapshot(app) == before


def test_every_post_route_is_in_the_tables_above(app):
    covered = (
        set(SIGN_IN_ROUTES)
        | {f"/admin/{view}/{route}" for view, route in ADMIN_POSTS}
        | set(ACCOUNT_POSTS)
    )
    posts = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts - covered == set(), "add these POST routes to the CSRF tables"


# -- controls: the same requests with the page's token do change data --------------------
CONTROLS = [("movie", "new/"), ("movie", "edit/"), ("city", "new/"), ("city", "edit/")] + [
    (view, route)
    for view in ADMIN_VIEWS
    if view not in READ_ONLY_VIEWS + NO_CRUD_VIEWS
    for route in ("delete/", "action/")
]


@pytest.mark.parametrize(("view", "route"), CONTROLS)
def test_the_same_request_with_the_page_token_goes_through(app, client, world, view, route):
    url, data = request_for(view, route, world)
    page = url if route in ("new/", "edit/") else f"/admin/{view}/"
    token = csrf_from(client.get(page).text)
    table = TABLE_OF.get(view, view)
    before = snapshot(app, tables={table})

    response = client.post(
        url, data={**data, "csrf_token": token}, content_type="multipart/form-data"
    )

    assert response.status_code == 302
    assert snapshot(app, tables={table})[0] != before[0]


@pytest.mark.parametrize("view", ADMIN_VIEWS)
def test_inline_editing_is_not_offered_even_with_a_valid_token(app, client, world, view):
    url, data = request_for(view, "ajax/update/", world)
    token = csrf_from(client.get(f"/admin/{view}/").text)
    data_tables = {t.name for t in db.metadata.sorted_tables} - {"audit_log"}
    before = snapshot(app, tables=data_tables)

    response = client.post(url, data={**data, "csrf_token": token})

    assert response.status_code == (403 if view in READ_ONLY_VIEWS else 404)
    assert snapshot(app, tables=data_tables) == before
