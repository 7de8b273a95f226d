"""box office: one row of sales figures per show; boxoffice.view and boxoffice.export

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

`box_office_show` is filled from the shows and tickets already there (the same rebuild as
`flask rebuild-box-office`). The new permission codes are granted to the default roles as
PRODUCT.md has them at this revision: platform admins and auditors read and export every
cinema's box office, managers read their cinemas' (no export, as for their orders), box
office sellers none (`sync-permissions` brings a changed database up to date).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

# InnoDB for row locks and foreign keys; utf8mb4 for Chinese text. Ignored by SQLite.
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}

NEW_CODES = ["boxoffice.view", "boxoffice.export"]
GRANTS = {
    "platform_admin": set(NEW_CODES),
    "auditor": set(NEW_CODES),
    "cinema_manager": {"boxoffice.view"},
}

permission = sa.table("permission", sa.column("id", sa.Integer),
                      sa.column("code", sa.String), sa.column("description", sa.String))
role = sa.table("role", sa.column("id", sa.Integer), sa.column("code", sa.String))
role_permission = sa.table("role_permission", sa.column("role_id", sa.Integer),
                           sa.column("permission_id", sa.Integer))


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('box_office_show',
    sa.Column('schedule_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('show_date', sa.Date(), nullable=False),
    sa.Column('show_hour', sa.SmallInteger(), nullable=False),
    sa.Column('cinema_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('movie_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('is_cancelled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('seats', sa.Integer(), server_default='0', nullable=False),
    sa.Column('distributor_share', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('tickets', sa.Integer(), server_default='0', nullable=False),
    sa.Column('gross', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('refunded_tickets', sa.Integer(), server_default='0', nullable=False),
    sa.Column('refunds', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedule.id'], name=op.f('fk_box_office_show_schedule_id_schedule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('schedule_id', name=op.f('pk_box_office_show')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('box_office_show', schema=None) as batch_op:
        batch_op.create_index('ix_box_office_show_cinema_id_show_date', ['cinema_id', 'show_date'], unique=False)
        batch_op.create_index('ix_box_office_show_show_date_cinema_id', ['show_date', 'cinema_id'], unique=False)

    _grant_new_permissions()
    _backfill()


def _backfill():
    # The rebuild reads only the columns it names, so it runs on this revision's schema.
    from portal.services.boxoffice import rebuild_shows
    session = Session(bind=op.get_bind())
    rebuild_shows(session)
    session.flush()


def _grant_new_permissions():
    bind = op.get_bind()
    existing = set(bind.execute(sa.select(permission.c.code)).scalars())
    missing = [c for c in NEW_CODES if c not in existing]
    if missing:
        op.bulk_insert(permission, [{"code": c, "description": f"{c.split('.')[1]} box office"}
                                    for c in missing])
    perm_ids = dict(bind.execute(sa.select(permission.c.code, permission.c.id)
                                 .where(permission.c.code.in_(NEW_CODES))).all())
    role_ids = dict(bind.execute(sa.select(role.c.code, role.c.id)
                                 .where(role.c.code.in_(list(GRANTS)))).all())
    held = set(bind.execute(sa.select(role_permission.c.role_id, role_permission.c.permission_id)
                            .where(role_permission.c.permission_id.in_(list(perm_ids.values())))
                            ).all())
    rows = [{"role_id": role_ids[code], "permission_id": perm_ids[p]}
            for code, grants in GRANTS.items() if code in role_ids for p in sorted(grants)
            if p in perm_ids and (role_ids[code], perm_ids[p]) not in held]
    if rows:
        op.bulk_insert(role_permission, rows)


def downgrade():
    bind = op.get_bind()
    perm_ids = [i for (i,) in bind.execute(sa.select(permission.c.id)
                                           .where(permission.c.code.in_(NEW_CODES)))]
    if perm_ids:
        op.execute(role_permission.delete().where(role_permission.c.permission_id.in_(perm_ids)))
        op.execute(permission.delete().where(permission.c.id.in_(perm_ids)))
    # The whole table: MySQL refuses to drop an index a foreign key still needs.
    op.drop_table('box_office_show')
