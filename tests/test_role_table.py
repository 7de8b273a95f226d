"""The product contract's role table (PRODUCT.md, "Who uses it" and "Permission codes"),
written out here by hand, independent of portal/access.py.

Each cell says which actions a seeded role holds on a resource; a resource missing from a
role's row means none. Reading of the contract: "full CRUD" is view, create, edit and delete
(export is named only where the contract names it: the auditor's "view and export
everything"); "everything" is every action. New resources add a row to RESOURCES and a cell
to each role that the contract gives them; new roles add a column.
"""

import pytest

from portal import access
from portal.extensions import db
from portal.models import Role

ACTIONS = ("view", "create", "edit", "delete", "export")
CRUD = "view create edit delete"
EVERYTHING = "view create edit delete export"
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
    "boxoffice",
)
# Box office figures are computed from the tickets: read and exported, never written (no
# boxoffice.create/edit/delete code exists; "everything" on it is view and export).
READ_ONLY = {"boxoffice": "view export"}

# role -> {resource: the actions it may take}, as PRODUCT.md says it.
CONTRACT = {
    # platform staff: everything, including users, roles and permissions; all rows
    "platform_admin": {resource: READ_ONLY.get(resource, EVERYTHING) for resource in RESOURCES},
    # view and edit their cinema, full CRUD on its halls and schedules, view movies and
    # cities; only their assigned cinemas. "Also ... edits their cinemas' price cards" and
    # "reads their cinemas' box office"; issue #15: managers read their own cinemas' screening
    # rights, and the ticket types their cards price.
    "cinema_manager": {
        "cinema": "view edit",
        "hall": CRUD,
        "schedule": CRUD,
        "movie": "view",
        "city": "view",
        "pricecard": CRUD,
        "right": "view",
        "tickettype": "view",
        "order": "view",
        "boxoffice": "view",
    },
    # full CRUD on movies and posters, view cinemas; "platform admins and content editors
    # grant screening rights"
    "content_editor": {"movie": CRUD, "cinema": "view", "right": CRUD},
    # view and export everything, read the audit log; change nothing; all rows
    "auditor": {resource: "view export" for resource in RESOURCES},
    # view its schedules and seat maps, sell tickets at the counter, view its orders;
    # only their assigned cinemas; no box office figures (the contract gives them none)
    "box_office": {"schedule": "view", "order": "view"},
}
# The codes outside <resource>.<action>: "sells and refunds tickets for their cinemas"
# (managers), "sell tickets at the counter; refunds only with order.refund" (box office).
EXTRA_CODES = ("order.sell", "order.refund", "customer.block")
EXTRA = {
    "platform_admin": set(EXTRA_CODES),
    "cinema_manager": {"order.sell", "order.refund"},
    "content_editor": set(),
    "auditor": set(),
    "box_office": {"order.sell"},
}
# Roles that see the rows of every cinema (scope.all_cinemas). The content editor's "view
# cinemas" names no cinema of theirs (editors have none assigned): every cinema.
SEES_EVERY_CINEMA = {
    "platform_admin": True,
    "cinema_manager": False,
    "content_editor": True,
    "auditor": True,
    "box_office": False,
}

CELLS = [
    (role, resource, action) for role in CONTRACT for resource in RESOURCES for action in ACTIONS
]


def allowed(role, resource, action):
    return action in CONTRACT[role].get(resource, "").split()


def contract_permissions(role):
    """The permission codes the contract gives `role` (None: no role, nothing)."""
    if role is None:
        return set()
    codes = {
        f"{resource}.{action}"
        for resource, actions in CONTRACT[role].items()
        for action in actions.split()
    }
    return codes | ({access.SCOPE_ALL_CINEMAS} if SEES_EVERY_CINEMA[role] else set())


@pytest.fixture()
def seeded(app_ctx):
    """role code -> the permission codes the seeded role holds in the database."""
    return {role.code: {p.code for p in role.permissions} for role in db.session.query(Role)}


def test_the_seeded_roles_are_the_contracts():
    assert set(CONTRACT) <= set(access.DEFAULT_ROLES)
    assert set(SEES_EVERY_CINEMA) == set(CONTRACT)


@pytest.mark.parametrize(
    ("role", "resource", "action"),
    CELLS,
    ids=[f"{role}-{resource}.{action}" for role, resource, action in CELLS],
)
def test_a_seeded_role_holds_a_permission_exactly_when_the_contract_gives_it(
    seeded, role, resource, action
):
    code = f"{resource}.{action}"
    assert (code in seeded[role]) is allowed(role, resource, action), code


@pytest.mark.parametrize("role", list(CONTRACT))
def test_a_seeded_role_sees_every_cinema_exactly_when_the_contract_says_so(seeded, role):
    assert (access.SCOPE_ALL_CINEMAS in seeded[role]) is SEES_EVERY_CINEMA[role]


@pytest.mark.parametrize("role", list(CONTRACT))
def test_a_seeded_role_holds_nothing_outside_the_table(seeded, role):
    known = {f"{resource}.{action}" for resource in RESOURCES for action in ACTIONS}
    assert seeded[role] <= known | {access.SCOPE_ALL_CINEMAS} | EXTRA[role]


@pytest.mark.parametrize("role", list(CONTRACT))
def test_a_seeded_role_holds_the_selling_codes_the_contract_gives_it(seeded, role):
    assert seeded[role] & set(EXTRA_CODES) == EXTRA[role]
