"""Box office: one row of sales figures per show, kept in step with its tickets.

`box_office_show` holds what the reports add up: the show's tickets and gross (tickets of
paid orders, refunded ones included), the refunded tickets and their amount, and copies of
what a report groups or divides by (day, hour, cinema, city, movie, hall, the sellable seats
of its layout, the screening right's distributor share, whether it is cancelled). The
selling services change the figures in the same transaction as the tickets
(services/boxoffice.py); `flask rebuild-box-office` recomputes every row from the tickets.
"""

import sqlalchemy as sa

from ..extensions import db


class BoxOfficeShow(db.Model):
    __tablename__ = "box_office_show"
    __table_args__ = (
        # A report reads a date range, in scope, grouped: these cover its reads.
        sa.Index("ix_box_office_show_show_date_cinema_id", "show_date", "cinema_id"),
        sa.Index("ix_box_office_show_cinema_id_show_date", "cinema_id", "show_date"),
    )

    schedule_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("schedule.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    show_date = sa.Column(sa.Date, nullable=False)
    show_hour = sa.Column(sa.SmallInteger, nullable=False)
    cinema_id = sa.Column(sa.Integer, nullable=False)
    city_id = sa.Column(sa.Integer, nullable=False)
    movie_id = sa.Column(sa.Integer, nullable=False)
    hall_id = sa.Column(sa.Integer, nullable=False)
    is_cancelled = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    seats = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    distributor_share = sa.Column(sa.Numeric(5, 2), nullable=True)
    tickets = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    gross = sa.Column(sa.Numeric(12, 2), nullable=False, default=0, server_default="0")
    refunded_tickets = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    refunds = sa.Column(sa.Numeric(12, 2), nullable=False, default=0, server_default="0")


class BoxOfficeRollup(db.Model):
    """The chain's box office by day, one row per day and group: the sums of `box_office_show`
    over the shows of that day in one movie, cinema, city, hall or hour of day (`dimension`
    names which, `group_key` which one). A chain-wide report reads these (a month by movie is
    a few thousand rows, not a million shows); a report of some cinemas reads the shows.

    Kept in step in the same transaction as `box_office_show` (services/boxoffice.py): every
    change of a show's row adds its difference here, so the rows always equal the sums.
    """

    __tablename__ = "box_office_rollup"

    dimension = sa.Column(sa.String(8), primary_key=True)
    show_date = sa.Column(sa.Date, primary_key=True)
    group_key = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    show_rows = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    shows = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    seats = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    tickets = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    gross = sa.Column(sa.Numeric(14, 2), nullable=False, default=0, server_default="0")
    refunded_tickets = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    refunds = sa.Column(sa.Numeric(14, 2), nullable=False, default=0, server_default="0")
    # net x the distributor share percent, summed (divided by 100 when reported)
    share_amount = sa.Column(sa.Numeric(18, 4), nullable=False, default=0, server_default="0")
