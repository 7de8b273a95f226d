"""Permission codes, the default roles, and the cinema scope: asked of this one place."""

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import false, func, select

from .extensions import db
from .models import (
    Cinema,
    Hall,
    Order,
    Permission,
    PriceCard,
    PriceCardRule,
    Schedule,
    SchedulePrice,
    ScreeningRight,
    SeatLayout,
    Ticket,
    User,
    role_permission,
    user_cinema,
    user_role,
)

RESOURCES = (
    "movie",
    "cinema",
    "hall",
    "schedule",
    "city",
    "user",
    "role",
    "audit",
    "right",
    "pricecard",
    "tickettype",
    "order",
    "customer",
)
ACTIONS = ("view", "create", "edit", "delete", "export")
CRUD = ("view", "create", "edit", "delete")  # PRODUCT.md's "full CRUD": export is named apart
SCOPE_ALL_CINEMAS = "scope.all_cinemas"
ORDER_SELL, ORDER_REFUND, CUSTOMER_BLOCK = "order.sell", "order.refund", "customer.block"
EXTRA_CODES = (ORDER_SELL, ORDER_REFUND, CUSTOMER_BLOCK)
# Read-only resources: figures computed from other rows, only read and exported.
READ_ONLY_RESOURCES = ("boxoffice",)
READ_ACTIONS = ("view", "export")
BOXOFFICE_VIEW, BOXOFFICE_EXPORT = "boxoffice.view", "boxoffice.export"

ALL_PERMISSIONS = (
    tuple(f"{r}.{a}" for r in RESOURCES for a in ACTIONS)
    + tuple(f"{r}.{a}" for r in READ_ONLY_RESOURCES for a in READ_ACTIONS)
    + EXTRA_CODES
    + (SCOPE_ALL_CINEMAS,)
)
# Codes no view acts on: the audit log is read-only; orders change only by selling, refunds
# and payments (order.edit marks a payment confirmed), customers only in the consumer app
# (customer.block aside). The role matrix does not offer them.
INERT_PERMISSIONS = frozenset(
    {
        "audit.create",
        "audit.edit",
        "audit.delete",
        "order.create",
        "order.delete",
        "customer.create",
        "customer.edit",
        "customer.delete",
    }
)


def _codes(resources, actions):
    return {f"{r}.{a}" for r in resources for a in actions}


PLATFORM_ADMIN = "platform_admin"
CINEMA_MANAGER = "cinema_manager"
CONTENT_EDITOR = "content_editor"
AUDITOR = "auditor"
BOX_OFFICE = "box_office"

# role code -> (name, description, permission codes)
DEFAULT_ROLES = {
    PLATFORM_ADMIN: ("平台管理员", "Platform staff: everything", set(ALL_PERMISSIONS)),
    CINEMA_MANAGER: (
        "影院经理",
        "A cinema's manager: their cinemas, halls and schedules",
        {"cinema.view", "cinema.edit"}
        | _codes(["hall", "schedule", "pricecard"], CRUD)
        | {"movie.view", "city.view", "right.view", "tickettype.view"}
        | {"order.view", ORDER_SELL, ORDER_REFUND}
        # "reads their cinemas' box office": reading, no export (as for their orders)
        | {BOXOFFICE_VIEW},
    ),
    CONTENT_EDITOR: (
        "内容编辑",
        "Catalogue editor: movies and posters",
        _codes(["movie", "right"], CRUD) | {"cinema.view", SCOPE_ALL_CINEMAS},
    ),
    AUDITOR: (
        "审计员",
        "Compliance: view and export everything, read the audit log",
        _codes(RESOURCES + READ_ONLY_RESOURCES, READ_ACTIONS) | {SCOPE_ALL_CINEMAS},
    ),
    # Sellers do not read the box office: the contract gives them the counter, not figures.
    BOX_OFFICE: (
        "售票员",
        "A cinema's ticket seller: its schedules and seat maps, counter sales, its orders",
        {"schedule.view", "order.view", ORDER_SELL},
    ),
}


def describe_permission(code):
    if code == SCOPE_ALL_CINEMAS:
        return "See rows of every cinema"
    if code in EXTRA_CODES:
        return {
            ORDER_SELL: "Sell tickets at the counter",
            ORDER_REFUND: "Refund tickets",
            CUSTOMER_BLOCK: "Block and unblock customers",
        }[code]
    resource, action = code.split(".")
    return f"{action} {'box office' if resource == 'boxoffice' else resource}"


def _per_request(name):
    """A cache that lives as long as the app context: one request, or one CLI command."""
    return g.setdefault(f"portal_{name}", {})


def _user(user):
    """`user`, or the signed-in user itself (one look through Flask-Login's proxy)."""
    if user is not None:
        return user
    return current_user._get_current_object() if has_request_context() else None


def user_permissions(user=None):
    """The permission codes of `user` (default: the signed-in user), cached per request.

    Read with the user's cinemas in one query (see _load_access): the roles themselves are
    not loaded, so signing in costs two queries per request (the user, their access).
    """
    user = _user(user)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cache = _per_request("permissions")
    if user.id not in cache:
        _load_access(user.id)
    return cache[user.id]


def has_permission(code, user=None):
    return code in user_permissions(user)


def cinema_scope(user=None):
    """None when the user sees every cinema, else the ids of the cinemas assigned to them."""
    user = _user(user)
    if has_permission(SCOPE_ALL_CINEMAS, user):
        return None
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cache = _per_request("scope")
    if user.id not in cache:
        _load_access(user.id)
    return cache[user.id]


def _permission_codes_of(user_id, *columns):
    return (
        select(*columns)
        .select_from(Permission)
        .join(role_permission, role_permission.c.permission_id == Permission.id)
        .join(user_role, user_role.c.role_id == role_permission.c.role_id)
        .where(user_role.c.user_id == user_id)
    )


def _cinema_ids_of(user_id, *columns):
    return select(*columns).where(user_cinema.c.user_id == user_id)


def _joined(column):
    return func.group_concat(column)


def _load_access(user_id):
    """A user's permission codes and cinema ids, cached for the request, in one query of
    one row: each list's size and its items joined with commas (GROUP_CONCAT, on SQLite and
    MySQL/MariaDB alike) instead of a row per item. A server that cut a joined text short
    (MySQL's group_concat_max_len) is caught by the size, and that list read row by row."""
    code, cinema_id = Permission.code.distinct(), user_cinema.c.cinema_id
    row = db.session.execute(
        select(
            _permission_codes_of(user_id, func.count(code)).scalar_subquery(),
            _permission_codes_of(user_id, _joined(code)).scalar_subquery(),
            _cinema_ids_of(user_id, func.count(cinema_id)).scalar_subquery(),
            _cinema_ids_of(user_id, _joined(cinema_id)).scalar_subquery(),
        )
    ).one()
    codes = _split(row[0], row[1], str)
    if codes is None:
        codes = frozenset(
            db.session.execute(_permission_codes_of(user_id, Permission.code)).scalars()
        )
    cinemas = _split(row[2], row[3], int)
    if cinemas is None:
        cinemas = frozenset(db.session.execute(_cinema_ids_of(user_id, cinema_id)).scalars())
    _per_request("permissions")[user_id] = codes
    _per_request("scope")[user_id] = cinemas


def _split(count, joined, kind):
    """The joined items as a frozenset, or None when they are not all there."""
    items = frozenset(kind(item) for item in joined.split(",")) if joined else frozenset()
    return items if len(items) == count else None


def _scope_clause(model, cinema_ids):
    if model is Cinema:
        return Cinema.id.in_(cinema_ids)
    if model is Hall:
        return Hall.cinema_id.in_(cinema_ids)
    if model is Schedule:
        return Schedule.hall_id.in_(select(Hall.id).where(Hall.cinema_id.in_(cinema_ids)))
    if model is SeatLayout:
        return SeatLayout.hall_id.in_(select(Hall.id).where(Hall.cinema_id.in_(cinema_ids)))

    if model in (ScreeningRight, PriceCard):
        return model.cinema_id.in_(cinema_ids)
    if model is PriceCardRule:
        return PriceCardRule.price_card_id.in_(
            select(PriceCard.id).where(PriceCard.cinema_id.in_(cinema_ids))
        )
    if model is SchedulePrice:
        return SchedulePrice.schedule_id.in_(
            select(Schedule.id)
            .join(Hall, Hall.id == Schedule.hall_id)
            .where(Hall.cinema_id.in_(cinema_ids))
        )
    if model is User:
        # Staff accounts belong to the cinemas assigned to them (a manager who may see
        # users sees their own cinemas' staff).
        return User.id.in_(
            select(user_cinema.c.user_id).where(user_cinema.c.cinema_id.in_(cinema_ids))
        )
    if model is Order:
        return Order.cinema_id.in_(cinema_ids)
    if model is Ticket:
        return Ticket.order_id.in_(select(Order.id).where(Order.cinema_id.in_(cinema_ids)))
    return None


CINEMA_OWNED = (
    Cinema,
    Hall,
    Schedule,
    SeatLayout,
    ScreeningRight,
    PriceCard,
    PriceCardRule,
    SchedulePrice,
    User,
    Order,
    Ticket,
)


def is_cinema_owned(model):
    return model in CINEMA_OWNED


def scope_query(query, model, user=None):
    """Restrict a query of `model` to the rows the user's cinema scope allows."""
    if not is_cinema_owned(model):
        return query
    ids = cinema_scope(user)
    if ids is None:
        return query
    if not ids:
        return query.filter(false())
    return query.filter(_scope_clause(model, sorted(ids)))


def scoped(model, user=None):
    """A session query of `model`, already restricted to the user's scope."""
    return scope_query(db.session.query(model), model, user)


def sees_full_phone(user=None):
    """Platform admins and auditors (every cinema, and customers) read phone numbers whole;
    everyone else reads them masked, in pages and exports alike."""
    return has_permission(SCOPE_ALL_CINEMAS, user) and has_permission("customer.view", user)
