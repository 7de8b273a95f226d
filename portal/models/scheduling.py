"""Showtimes: a movie in a hall at a time."""

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ..extensions import db
from .base import Versioned, restrict_fk

SCHEDULE_STATUSES = ("scheduled", "on_sale", "cancelled")


class Schedule(Versioned, db.Model):
    __tablename__ = "schedule"
    __table_args__ = (
        sa.Index("ix_schedule_hall_id_starts_at", "hall_id", "starts_at"),
        sa.Index("ix_schedule_movie_id_starts_at", "movie_id", "starts_at"),
        sa.Index("ix_schedule_starts_at_id", "starts_at", "id"),
        sa.Index("ix_schedule_status_starts_at", "status", "starts_at"),
        sa.Index("ix_schedule_hall_id_ends_at", "hall_id", "ends_at"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    movie_id = sa.Column(sa.Integer, restrict_fk("movie.id"), nullable=False)
    hall_id = sa.Column(sa.Integer, restrict_fk("hall.id"), nullable=False)
    starts_at = sa.Column(sa.DateTime, nullable=False)
    ends_at = sa.Column(sa.DateTime, nullable=False)
    price = sa.Column(sa.Numeric(8, 2), nullable=False)
    language_version = sa.Column(sa.String(32), nullable=False, default="")
    status = sa.Column(sa.String(16), nullable=False, default="scheduled")
    # The hall's layout when the show was created; kept once on sale (services/seating.py).
    seat_layout_id = sa.Column(
        sa.Integer, restrict_fk("seat_layout.id"), nullable=False, index=True
    )

    movie = relationship("Movie", back_populates="schedules", lazy="joined", innerjoin=True)
    hall = relationship("Hall", back_populates="schedules", lazy="joined", innerjoin=True)
    seat_layout = relationship("SeatLayout")

    def __str__(self):
        when = self.starts_at.strftime("%Y-%m-%d %H:%M") if self.starts_at else ""
        return f"{self.movie.title if self.movie else ''} @ {self.hall or ''} {when}".strip()
