"""customers, orders (table ticket_order) and tickets; the box office role

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02

One live ticket per show and seat is a key: `ticket.live_seat_id` equals `seat_id` while the
ticket is sold and is NULL once refunded, and (schedule_id, live_seat_id) is UNIQUE (NULLs do
not collide; MySQL has no partial indexes). The new permission codes are granted to the
default roles as PRODUCT.md has them at this revision, and the box_office role is created
(`sync-permissions` brings a changed database up to date).
"""
from alembic import op
import sqlalchemy as sa

# InnoDB for row locks and foreign keys; utf8mb4 for Chinese text. Ignored by SQLite.
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}

ACTIONS = ("view", "create", "edit", "delete", "export")
NEW_RESOURCES = ("order", "customer")
EXTRA_CODES = ["order.sell", "order.refund", "customer.block"]
NEW_CODES = [f"{r}.{a}" for r in NEW_RESOURCES for a in ACTIONS] + EXTRA_CODES
BOX_OFFICE = ("box_office", "售票员",
              "A cinema's ticket seller: its schedules and seat maps, counter sales, its orders")
GRANTS = {
    "platform_admin": set(NEW_CODES),
    "cinema_manager": {"order.view", "order.sell", "order.refund"},
    "auditor": {f"{r}.{a}" for r in NEW_RESOURCES for a in ("view", "export")},
    "box_office": {"schedule.view", "order.view", "order.sell"},
}

permission = sa.table("permission", sa.column("id", sa.Integer),
                      sa.column("code", sa.String), sa.column("description", sa.String))
role = sa.table("role", sa.column("id", sa.Integer), sa.column("code", sa.String),
                sa.column("name", sa.String), sa.column("description", sa.String))
role_permission = sa.table("role_permission", sa.column("role_id", sa.Integer),
                           sa.column("permission_id", sa.Integer))


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('nickname', sa.String(length=64), nullable=False),
    sa.Column('is_blocked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('phone', name=op.f('uq_customer_phone')),
    **TABLE_OPTIONS)
    op.create_table('ticket_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=24), nullable=False),
    sa.Column('cinema_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('payment_ref', sa.String(length=64), nullable=True),
    sa.Column('sold_by_user_id', sa.Integer(), nullable=True),
    sa.Column('sale_token', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['cinema_id'], ['cinema.id'], name=op.f('fk_ticket_order_cinema_id_cinema'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_ticket_order_customer_id_customer'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedule.id'], name=op.f('fk_ticket_order_schedule_id_schedule'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sold_by_user_id'], ['user.id'], name=op.f('fk_ticket_order_sold_by_user_id_user'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_order')),
    sa.UniqueConstraint('order_no', name=op.f('uq_ticket_order_order_no')),
    sa.UniqueConstraint('sale_token', name=op.f('uq_ticket_order_sale_token')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('ticket_order', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_order_cinema_id_created_at', ['cinema_id', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_order_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_schedule_id'), ['schedule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_sold_by_user_id'), ['sold_by_user_id'], unique=False)
        batch_op.create_index('ix_ticket_order_status_created_at', ['status', 'created_at'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('ticket_type_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('live_seat_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['ticket_order.id'], name=op.f('fk_ticket_order_id_ticket_order'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedule.id'], name=op.f('fk_ticket_schedule_id_schedule'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_ticket_seat_id_seat'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_type_id'], ['ticket_type.id'], name=op.f('fk_ticket_ticket_type_id_ticket_type'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('code', name=op.f('uq_ticket_code')),
    sa.UniqueConstraint('schedule_id', 'live_seat_id', name='uq_ticket_schedule_id_live_seat_id'),
    **TABLE_OPTIONS)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_seat_id'), ['seat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_ticket_type_id'), ['ticket_type_id'], unique=False)

    _grant_new_permissions()


def _grant_new_permissions():
    bind = op.get_bind()
    if bind.execute(sa.select(role.c.id).where(role.c.code == BOX_OFFICE[0])).first() is None:
        op.bulk_insert(role, [{"code": BOX_OFFICE[0], "name": BOX_OFFICE[1],
                               "description": BOX_OFFICE[2]}])
    existing = set(bind.execute(sa.select(permission.c.code)).scalars())
    missing = [c for c in NEW_CODES if c not in existing]
    if missing:
        op.bulk_insert(permission, [{"code": c, "description": " ".join(reversed(c.split(".")))}
                                    for c in missing])
    codes = sorted(set().union(*GRANTS.values()))
    perm_ids = dict(bind.execute(sa.select(permission.c.code, permission.c.id)
                                 .where(permission.c.code.in_(codes))).all())
    role_ids = dict(bind.execute(sa.select(role.c.code, role.c.id)
                                 .where(role.c.code.in_(list(GRANTS)))).all())
    rows = [{"role_id": role_ids[code], "permission_id": perm_ids[p]}
            for code, grants in GRANTS.items() if code in role_ids for p in sorted(grants)
            if p in perm_ids]
    if rows:
        op.bulk_insert(role_permission, rows)


def downgrade():
    bind = op.get_bind()
    perm_ids = [i for (i,) in bind.execute(sa.select(permission.c.id)
                                           .where(permission.c.code.in_(NEW_CODES)))]
    box_office = bind.execute(sa.select(role.c.id).where(role.c.code == BOX_OFFICE[0])
                              ).scalar()
    if box_office is not None:
        op.execute(role_permission.delete().where(role_permission.c.role_id == box_office))
    if perm_ids:
        op.execute(role_permission.delete().where(role_permission.c.permission_id.in_(perm_ids)))
        op.execute(permission.delete().where(permission.c.id.in_(perm_ids)))
    # Whole tables: MySQL refuses to drop an index a foreign key still needs.
    op.drop_table('ticket')
    op.drop_table('ticket_order')
    op.drop_table('customer')
