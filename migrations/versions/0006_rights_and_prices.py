"""screening rights, ticket types, price cards, a show's prices, the film's floor price

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-02

Existing data stays valid: every (movie, cinema) that already has shows gets a screening
right from its first to its last show day (distributor share 0.00, to be corrected by the
platform), and every existing show gets its one price as the adult standard price
(schedule.price stays that price). The five ticket types of the contract are seeded, and the
new permission codes are granted to the default roles as PRODUCT.md has them at this
revision (`sync-permissions` brings a changed database up to date).
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

# InnoDB for row locks and foreign keys; utf8mb4 for Chinese text. Ignored by SQLite.
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}

TICKET_TYPES = [("adult", "成人"), ("student", "学生"), ("child", "儿童"), ("senior", "老人"),
                ("member", "会员")]
ACTIONS = ("view", "create", "edit", "delete", "export")
NEW_RESOURCES = ("right", "pricecard", "tickettype")
NEW_CODES = [f"{r}.{a}" for r in NEW_RESOURCES for a in ACTIONS]
GRANTS = {
    "platform_admin": set(NEW_CODES),
    "cinema_manager": {"right.view", "tickettype.view"} | {f"pricecard.{a}" for a in ACTIONS},
    "content_editor": {f"right.{a}" for a in ACTIONS},
    "auditor": {f"{r}.{a}" for r in NEW_RESOURCES for a in ("view", "export")},
}

permission = sa.table("permission", sa.column("id", sa.Integer),
                      sa.column("code", sa.String), sa.column("description", sa.String))
role = sa.table("role", sa.column("id", sa.Integer), sa.column("code", sa.String))
role_permission = sa.table("role_permission", sa.column("role_id", sa.Integer),
                           sa.column("permission_id", sa.Integer))
ticket_type = sa.table("ticket_type", sa.column("id", sa.Integer), sa.column("code", sa.String),
                       sa.column("name", sa.String))
schedule = sa.table("schedule", sa.column("id", sa.Integer), sa.column("movie_id", sa.Integer),
                    sa.column("hall_id", sa.Integer), sa.column("starts_at", sa.DateTime),
                    sa.column("price", sa.Numeric(8, 2)))
hall = sa.table("hall", sa.column("id", sa.Integer), sa.column("cinema_id", sa.Integer))
screening_right = sa.table(
    "screening_right", sa.column("movie_id", sa.Integer), sa.column("cinema_id", sa.Integer),
    sa.column("starts_on", sa.Date), sa.column("ends_on", sa.Date),
    sa.column("distributor_share", sa.Numeric(5, 2)))
schedule_price = sa.table(
    "schedule_price", sa.column("schedule_id", sa.Integer),
    sa.column("ticket_type_id", sa.Integer), sa.column("seat_kind", sa.String),
    sa.column("price", sa.Numeric(8, 2)))


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_type')),
    sa.UniqueConstraint('code', name=op.f('uq_ticket_type_code')),
    **TABLE_OPTIONS)
    op.create_table('price_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cinema_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('1'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['cinema_id'], ['cinema.id'], name=op.f('fk_price_card_cinema_id_cinema'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_card')),
    sa.UniqueConstraint('cinema_id', 'name', name='uq_price_card_cinema_id_name'),
    **TABLE_OPTIONS)
    with op.batch_alter_table('price_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_card_cinema_id'), ['cinema_id'], unique=False)

    op.create_table('screening_right',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('movie_id', sa.Integer(), nullable=False),
    sa.Column('cinema_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('distributor_share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['cinema_id'], ['cinema.id'], name=op.f('fk_screening_right_cinema_id_cinema'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['movie_id'], ['movie.id'], name=op.f('fk_screening_right_movie_id_movie'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_right')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('screening_right', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_right_cinema_id'), ['cinema_id'], unique=False)
        batch_op.create_index('ix_screening_right_ends_on', ['ends_on'], unique=False)
        batch_op.create_index('ix_screening_right_movie_id_cinema_id_starts_on', ['movie_id', 'cinema_id', 'starts_on'], unique=False)

    op.create_table('price_card_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('price_card_id', sa.Integer(), nullable=False),
    sa.Column('ticket_type_id', sa.Integer(), nullable=False),
    sa.Column('seat_kind', sa.String(length=16), server_default='', nullable=False),
    sa.Column('weekdays', sa.String(length=7), server_default='1234567', nullable=False),
    sa.Column('starts_from', sa.Time(), nullable=True),
    sa.Column('starts_before', sa.Time(), nullable=True),
    sa.Column('hall_type', sa.String(length=8), server_default='', nullable=False),
    sa.Column('price', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['price_card_id'], ['price_card.id'], name=op.f('fk_price_card_rule_price_card_id_price_card'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_type_id'], ['ticket_type.id'], name=op.f('fk_price_card_rule_ticket_type_id_ticket_type'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_card_rule')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('price_card_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_card_rule_price_card_id'), ['price_card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_card_rule_ticket_type_id'), ['ticket_type_id'], unique=False)

    op.create_table('schedule_price',
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('ticket_type_id', sa.Integer(), nullable=False),
    sa.Column('seat_kind', sa.String(length=16), nullable=False),
    sa.Column('price', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedule.id'], name=op.f('fk_schedule_price_schedule_id_schedule'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_type_id'], ['ticket_type.id'], name=op.f('fk_schedule_price_ticket_type_id_ticket_type'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('schedule_id', 'ticket_type_id', 'seat_kind', name=op.f('pk_schedule_price')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('schedule_price', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_price_ticket_type_id'), ['ticket_type_id'], unique=False)

    with op.batch_alter_table('movie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_price', sa.Numeric(precision=8, scale=2), nullable=True))

    _seed_ticket_types()
    _grant_new_permissions()
    _keep_existing_schedules_valid()


def _seed_ticket_types():
    op.bulk_insert(ticket_type, [{"code": code, "name": name} for code, name in TICKET_TYPES])


def _grant_new_permissions():
    bind = op.get_bind()
    op.bulk_insert(permission, [{"code": c, "description": " ".join(reversed(c.split(".")))}
                                for c in NEW_CODES])
    perm_ids = dict(bind.execute(sa.select(permission.c.code, permission.c.id)
                                 .where(permission.c.code.in_(NEW_CODES))).all())
    role_ids = dict(bind.execute(sa.select(role.c.code, role.c.id)
                                 .where(role.c.code.in_(list(GRANTS)))).all())
    rows = [{"role_id": role_ids[code], "permission_id": perm_ids[p]}
            for code, codes in GRANTS.items() if code in role_ids for p in sorted(codes)]
    if rows:
        op.bulk_insert(role_permission, rows)


def _keep_existing_schedules_valid():
    """A right for every (movie, cinema) already scheduled; each show's one price as adult."""
    bind = op.get_bind()
    spans = bind.execute(
        sa.select(schedule.c.movie_id, hall.c.cinema_id, sa.func.min(schedule.c.starts_at),
                  sa.func.max(schedule.c.starts_at))
        .select_from(schedule.join(hall, hall.c.id == schedule.c.hall_id))
        .group_by(schedule.c.movie_id, hall.c.cinema_id)).all()
    rights = [{"movie_id": movie_id, "cinema_id": cinema_id, "starts_on": _day(first),
               "ends_on": _day(last), "distributor_share": 0}
              for movie_id, cinema_id, first, last in spans]
    if rights:
        op.bulk_insert(screening_right, rights)
    adult = bind.execute(sa.select(ticket_type.c.id).where(ticket_type.c.code == "adult")
                         ).scalar_one()
    bind.execute(schedule_price.insert().from_select(
        ["schedule_id", "ticket_type_id", "seat_kind", "price"],
        sa.select(schedule.c.id, sa.literal(adult), sa.literal("standard"), schedule.c.price)))


def _day(value):
    """A DATETIME aggregate as a date (SQLite hands MIN/MAX back as text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.date()



def downgrade():
    bind = op.get_bind()
    perm_ids = [i for (i,) in bind.execute(sa.select(permission.c.id)
                                           .where(permission.c.code.in_(NEW_CODES)))]
    if perm_ids:
        op.execute(role_permission.delete().where(role_permission.c.permission_id.in_(perm_ids)))
        op.execute(permission.delete().where(permission.c.id.in_(perm_ids)))
    with op.batch_alter_table('movie', schema=None) as batch_op:
        batch_op.drop_column('min_price')

    with op.batch_alter_table('schedule_price', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_price_ticket_type_id'))

    op.drop_table('schedule_price')
    with op.batch_alter_table('price_card_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_card_rule_ticket_type_id'))
        batch_op.drop_index(batch_op.f('ix_price_card_rule_price_card_id'))

    op.drop_table('price_card_rule')
    with op.batch_alter_table('screening_right', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_right_movie_id_cinema_id_starts_on')
        batch_op.drop_index('ix_screening_right_ends_on')
        batch_op.drop_index(batch_op.f('ix_screening_right_cinema_id'))

    op.drop_table('screening_right')
    with op.batch_alter_table('price_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_card_cinema_id'))

    op.drop_table('price_card')
    op.drop_table('ticket_type')
