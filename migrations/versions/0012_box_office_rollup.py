"""box office rollup: the chain's figures by day and movie, cinema, city, hall or hour

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

`box_office_rollup` is filled from `box_office_show` (the same rebuild as the second half of
`flask rebuild-box-office`); from then on the selling services and the listeners of
services/boxoffice.py keep it in step in the same transaction.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

# InnoDB for row locks; utf8mb4 as every table. Ignored by SQLite.
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('box_office_rollup',
    sa.Column('dimension', sa.String(length=8), nullable=False),
    sa.Column('show_date', sa.Date(), nullable=False),
    sa.Column('group_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('show_rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('shows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('seats', sa.Integer(), server_default='0', nullable=False),
    sa.Column('tickets', sa.Integer(), server_default='0', nullable=False),
    sa.Column('gross', sa.Numeric(precision=14, scale=2), server_default='0', nullable=False),
    sa.Column('refunded_tickets', sa.Integer(), server_default='0', nullable=False),
    sa.Column('refunds', sa.Numeric(precision=14, scale=2), server_default='0', nullable=False),
    sa.Column('share_amount', sa.Numeric(precision=18, scale=4), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'show_date', 'group_key', name=op.f('pk_box_office_rollup')),
    **TABLE_OPTIONS)
    _backfill()


def _backfill():
    # The rebuild reads only the columns it names, so it runs on this revision's schema.
    from portal.services.boxoffice import rebuild_rollup
    session = Session(bind=op.get_bind())
    rebuild_rollup(session)
    session.flush()


def downgrade():
    op.drop_table('box_office_rollup')
