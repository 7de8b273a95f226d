"""permissions and the four default roles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

A new database gets the permission codes and default roles of PRODUCT.md as they were at
this revision; `flask --app wsgi sync-permissions` brings them up to date with the code.
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

RESOURCES = ("movie", "cinema", "hall", "schedule", "city", "user", "role", "audit")
ACTIONS = ("view", "create", "edit", "delete", "export")
SCOPE = "scope.all_cinemas"
ALL = [f"{r}.{a}" for r in RESOURCES for a in ACTIONS] + [SCOPE]


def _codes(resources, actions):
    return {f"{r}.{a}" for r in resources for a in actions}


ROLES = {
    "platform_admin": ("平台管理员", "Platform staff: everything", set(ALL)),
    "cinema_manager": ("影院经理", "A cinema's manager: their cinemas, halls and schedules",
                       {"cinema.view", "cinema.edit", "cinema.export", "movie.view", "city.view"}
                       | _codes(["hall", "schedule"], ACTIONS)),
    "content_editor": ("内容编辑", "Catalogue editor: movies and posters",
                       _codes(["movie"], ACTIONS) | {"cinema.view", "city.view", SCOPE}),
    "auditor": ("审计员", "Compliance: view and export everything, read the audit log",
                _codes(RESOURCES, ["view", "export"]) | {SCOPE}),
}

permission = sa.table("permission", sa.column("id", sa.Integer),
                      sa.column("code", sa.String), sa.column("description", sa.String))
role = sa.table("role", sa.column("id", sa.Integer), sa.column("code", sa.String),
                sa.column("name", sa.String), sa.column("description", sa.String))
role_permission = sa.table("role_permission", sa.column("role_id", sa.Integer),
                           sa.column("permission_id", sa.Integer))


def _describe(code):
    return "See rows of every cinema" if code == SCOPE else " ".join(reversed(code.split(".")))


def upgrade():
    bind = op.get_bind()
    op.bulk_insert(permission, [{"code": c, "description": _describe(c)} for c in ALL])
    op.bulk_insert(role, [{"code": code, "name": name, "description": description}
                          for code, (name, description, _) in ROLES.items()])
    perm_ids = dict(bind.execute(sa.select(permission.c.code, permission.c.id)).all())
    role_ids = dict(bind.execute(sa.select(role.c.code, role.c.id)).all())
    op.bulk_insert(role_permission, [
        {"role_id": role_ids[code], "permission_id": perm_ids[p]}
        for code, (_, _, perms) in ROLES.items() for p in sorted(perms)
    ])


def downgrade():
    op.execute(role_permission.delete())
    op.execute(role.delete().where(role.c.code.in_(list(ROLES))))
    op.execute(permission.delete().where(permission.c.code.in_(ALL)))
