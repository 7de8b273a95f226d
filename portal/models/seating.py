"""Seats: a hall's layout, in versions; a show keeps the layout it was created with.

Layouts are never edited in place: a change is a new version (services/seating.py), so a
seat a ticket points at never moves or vanishes.
"""

import sqlalchemy as sa
from sqlalchemy.orm import column_property, relationship

from ..extensions import db
from .base import restrict_fk, utcnow
from .venues import Hall

# Seat kinds (seat.kind): price cards price them, the layout text form spells them.
STANDARD, VIP, COUPLE, WHEELCHAIR, BLOCKED = "standard", "vip", "couple", "wheelchair", "blocked"
SEAT_KINDS = (STANDARD, VIP, COUPLE, WHEELCHAIR, BLOCKED)
SELLABLE_KINDS = (STANDARD, VIP, COUPLE, WHEELCHAIR)

# How seats are numbered within a row (aisles are always skipped).
LEFT_TO_RIGHT, RIGHT_TO_LEFT = "ltr", "rtl"
NUMBERINGS = (LEFT_TO_RIGHT, RIGHT_TO_LEFT)


class SeatLayout(db.Model):
    """One version of a hall's seats; the highest version is the hall's current layout."""

    __tablename__ = "seat_layout"
    __table_args__ = (
        sa.UniqueConstraint("hall_id", "version", name="uq_seat_layout_hall_id_version"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    hall_id = sa.Column(sa.Integer, restrict_fk("hall.id"), nullable=False)
    version = sa.Column(sa.Integer, nullable=False, default=1)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    # The grid the text form spans (aisle-only rows and columns included).
    row_count = sa.Column(sa.SmallInteger, nullable=False)
    col_count = sa.Column(sa.SmallInteger, nullable=False)
    numbering = sa.Column(sa.String(8), nullable=False, default=LEFT_TO_RIGHT)
    # Seats that are not blocked; written with the seats, which never change afterwards.
    capacity = sa.Column(sa.Integer, nullable=False)

    hall = relationship(Hall, back_populates="layouts", lazy="joined", innerjoin=True)
    seats = relationship(
        "Seat",
        back_populates="layout",
        passive_deletes="all",
        order_by="(Seat.row_no, Seat.col_no)",
    )

    def __str__(self):
        return f"{self.hall} v{self.version}" if self.hall else f"v{self.version}"


class Seat(db.Model):
    __tablename__ = "seat"
    __table_args__ = (
        sa.UniqueConstraint(
            "layout_id", "row_no", "col_no", name="uq_seat_layout_id_row_no_col_no"
        ),
        sa.UniqueConstraint(
            "layout_id", "row_label", "seat_label", name="uq_seat_layout_id_row_label_seat_label"
        ),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    layout_id = sa.Column(sa.Integer, restrict_fk("seat_layout.id"), nullable=False)
    row_no = sa.Column(sa.SmallInteger, nullable=False)
    col_no = sa.Column(sa.SmallInteger, nullable=False)
    row_label = sa.Column(sa.String(8), nullable=False)
    seat_label = sa.Column(sa.String(8), nullable=False)
    kind = sa.Column(sa.String(16), nullable=False, default=STANDARD)
    # The other half of a couple seat. SET NULL, not RESTRICT: the two halves point at each
    # other, and MySQL checks RESTRICT row by row. The portal never deletes seats.
    pair_seat_id = sa.Column(
        sa.Integer, sa.ForeignKey("seat.id", ondelete="SET NULL"), nullable=True, index=True
    )

    layout = relationship(SeatLayout, back_populates="seats")
    # Both halves point at each other: written by an UPDATE after both rows exist.
    pair = relationship("Seat", remote_side=[id], foreign_keys=[pair_seat_id], post_update=True)

    @property
    def ticket_label(self):
        """What the ticket prints: 5排8座."""
        return f"{self.row_label}排{self.seat_label}座"

    def __str__(self):
        return self.ticket_label


# The current layout's capacity; deferred: only the pages that show it pay for it.
Hall.capacity = column_property(
    sa.select(SeatLayout.capacity)
    .where(SeatLayout.hall_id == Hall.id)
    .order_by(SeatLayout.version.desc())
    .limit(1)
    .correlate_except(SeatLayout)
    .scalar_subquery(),
    deferred=True,
)
