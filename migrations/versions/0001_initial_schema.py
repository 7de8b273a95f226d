"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# InnoDB for row locks and foreign keys; utf8mb4 for Chinese text and emoji, whatever the
# server's defaults. Ignored by SQLite.
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('city',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('pinyin', sa.String(length=128), nullable=False),
    sa.Column('letter', sa.String(length=1), nullable=False),
    sa.Column('city_code', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_city_letter'), ['letter'], unique=False)

    op.create_table('movie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('original_title', sa.String(length=200), nullable=False),
    sa.Column('director', sa.String(length=200), nullable=False),
    sa.Column('cast', sa.String(length=500), nullable=False),
    sa.Column('genres', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=64), nullable=False),
    sa.Column('duration_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('release_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rating', sa.Numeric(precision=3, scale=1), nullable=True),
    sa.Column('synopsis', sa.Text(), nullable=True),
    sa.Column('poster', sa.String(length=255), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movie')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('movie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_movie_release_date'), ['release_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_movie_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_movie_title'), ['title'], unique=False)

    op.create_table('permission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permission')),
    sa.UniqueConstraint('code', name=op.f('uq_permission_code')),
    **TABLE_OPTIONS)
    op.create_table('role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role')),
    sa.UniqueConstraint('code', name=op.f('uq_role_code')),
    **TABLE_OPTIONS)
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('1'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username')),
    **TABLE_OPTIONS)
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('model', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_log_user_id_user'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_model_object_id', ['model', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)

    op.create_table('cinema',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_cinema_city_id_city'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cinema')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('cinema', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cinema_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cinema_name'), ['name'], unique=False)

    op.create_table('role_permission',
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('permission_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['permission_id'], ['permission.id'], name=op.f('fk_role_permission_permission_id_permission'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_role_permission_role_id_role'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('role_id', 'permission_id', name=op.f('pk_role_permission')),
    **TABLE_OPTIONS)
    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_user_role_role_id_role'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_role_user_id_user'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('user_id', 'role_id', name=op.f('pk_user_role')),
    **TABLE_OPTIONS)
    op.create_table('hall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cinema_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('hall_type', sa.String(length=8), nullable=False),
    sa.Column('seat_rows', sa.SmallInteger(), nullable=False),
    sa.Column('seat_cols', sa.SmallInteger(), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('1'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['cinema_id'], ['cinema.id'], name=op.f('fk_hall_cinema_id_cinema'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall')),
    sa.UniqueConstraint('cinema_id', 'name', name='uq_hall_cinema_id_name'),
    **TABLE_OPTIONS)
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hall_cinema_id'), ['cinema_id'], unique=False)

    op.create_table('user_cinema',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cinema_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cinema_id'], ['cinema.id'], name=op.f('fk_user_cinema_cinema_id_cinema'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_cinema_user_id_user'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('user_id', 'cinema_id', name=op.f('pk_user_cinema')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('user_cinema', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_cinema_cinema_id'), ['cinema_id'], unique=False)

    op.create_table('schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('movie_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('price', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('language_version', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_schedule_hall_id_hall'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['movie_id'], ['movie.id'], name=op.f('fk_schedule_movie_id_movie'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule')),
    **TABLE_OPTIONS)
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_hall_id_starts_at', ['hall_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_schedule_movie_id_starts_at', ['movie_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_schedule_starts_at_id', ['starts_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedule_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_status'))
        batch_op.drop_index('ix_schedule_starts_at_id')
        batch_op.drop_index('ix_schedule_movie_id_starts_at')
        batch_op.drop_index('ix_schedule_hall_id_starts_at')

    op.drop_table('schedule')
    with op.batch_alter_table('user_cinema', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_cinema_cinema_id'))

    op.drop_table('user_cinema')
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hall_cinema_id'))

    op.drop_table('hall')
    op.drop_table('user_role')
    op.drop_table('role_permission')
    with op.batch_alter_table('cinema', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cinema_name'))
        batch_op.drop_index(batch_op.f('ix_cinema_city_id'))

    op.drop_table('cinema')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))
        batch_op.drop_index('ix_audit_log_model_object_id')
        batch_op.drop_index('ix_audit_log_at')
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    op.drop_table('user')
    op.drop_table('role')
    op.drop_table('permission')
    with op.batch_alter_table('movie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_movie_title'))
        batch_op.drop_index(batch_op.f('ix_movie_status'))
        batch_op.drop_index(batch_op.f('ix_movie_release_date'))

    op.drop_table('movie')
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_letter'))
        batch_op.drop_index(batch_op.f('ix_city_city_code'))

    op.drop_table('city')
