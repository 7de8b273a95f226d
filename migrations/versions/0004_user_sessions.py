"""user: username_key; user_session; login_failure

- `user.username_key`: the canonical spelling of a user name (portal.models.accounts.
  username_key: width, case, accents folded), unique and compared byte for byte, so sign-in
  finds one account however its name is typed, on SQLite and MySQL alike. Existing users are
  backfilled; two users whose names fold to the same key stop the upgrade with their names.
- `user_session`: one row per signed-in browser, so that signing out, a password change or a
  deactivation ends sessions for good.
- `login_failure`: failed sign-ins, counted by the throttle across every worker and host.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# The rule itself, not a copy: a later change of it needs its own backfill anyway.
from portal.models.accounts import username_key

# As in 0001: InnoDB and utf8mb4 whatever the server's defaults. Ignored by SQLite.
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def key_string(length):
    return sa.String(length=length).with_variant(
        mysql.VARCHAR(length, collation='utf8mb4_bin'), 'mysql', 'mariadb')


USER = sa.table('user', sa.column('id', sa.Integer), sa.column('username', sa.String),
                sa.column('username_key', sa.String))


def _username_keys():
    """{user id: key} of every user; refuses two users with one key before anything changes
    (MySQL cannot roll DDL back)."""
    keys, owners = {}, {}
    for user_id, username in op.get_bind().execute(sa.select(USER.c.id, USER.c.username)):
        key = username_key(username)
        if key in owners:
            raise RuntimeError(
                f"users {owners[key]!r} and {username!r} have the same name once width, case "
                f"and accents are ignored ({key!r}): rename one, then upgrade again")
        keys[user_id], owners[key] = key, username
    return keys


def upgrade():
    keys = _username_keys()
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', key_string(255), nullable=True))
    for user_id, key in keys.items():
        op.get_bind().execute(USER.update().where(USER.c.id == user_id).values(username_key=key))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=key_string(255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_username_key'), ['username_key'])

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username_key', key_string(255), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index('ix_login_failure_username_key_at', ['username_key', 'at'],
                              unique=False)
        batch_op.create_index('ix_login_failure_ip_at', ['ip', 'at'], unique=False)


def downgrade():
    # Dropping a table drops its indexes (MySQL refuses to drop an FK's index first).
    op.drop_table('login_failure')
    op.drop_table('user_session')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_username_key'), type_='unique')
        batch_op.drop_column('username_key')
