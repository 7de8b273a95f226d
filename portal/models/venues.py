"""Where films are shown: cities, cinemas and their halls."""

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ..extensions import db
from .base import Versioned, restrict_fk, utcnow

HALL_TYPES = ("2D", "3D", "IMAX", "4DX", "DOLBY")


class City(db.Model):
    __tablename__ = "city"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(64), nullable=False)
    pinyin = sa.Column(sa.String(128), nullable=False, default="")
    letter = sa.Column(sa.String(1), nullable=False, default="", index=True)
    city_code = sa.Column(sa.Integer, nullable=True, index=True)
    parent_id = sa.Column(sa.Integer, nullable=False, default=0)

    def __str__(self):
        return self.name


class Cinema(Versioned, db.Model):
    __tablename__ = "cinema"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(128), nullable=False, index=True)
    city_id = sa.Column(sa.Integer, restrict_fk("city.id"), nullable=False, index=True)
    address = sa.Column(sa.String(255), nullable=False, default="")
    phone = sa.Column(sa.String(32), nullable=False, default="")
    is_active = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    city = relationship(City, lazy="joined", innerjoin=True)
    halls = relationship("Hall", back_populates="cinema", passive_deletes="all")

    def __str__(self):
        return self.name


class Hall(Versioned, db.Model):
    __tablename__ = "hall"
    __table_args__ = (sa.UniqueConstraint("cinema_id", "name", name="uq_hall_cinema_id_name"),)

    id = sa.Column(sa.Integer, primary_key=True)
    cinema_id = sa.Column(sa.Integer, restrict_fk("cinema.id"), nullable=False, index=True)
    name = sa.Column(sa.String(64), nullable=False)
    hall_type = sa.Column(sa.String(8), nullable=False, default="2D")
    seat_rows = sa.Column(sa.SmallInteger, nullable=False, default=10)
    seat_cols = sa.Column(sa.SmallInteger, nullable=False, default=16)
    is_active = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())

    cinema = relationship(Cinema, back_populates="halls", lazy="joined", innerjoin=True)
    schedules = relationship("Schedule", back_populates="hall", passive_deletes="all")
    # Versions of the seat layout, oldest first (models/seating.py; `capacity` is there too).
    layouts = relationship(
        "SeatLayout", back_populates="hall", passive_deletes="all", order_by="SeatLayout.version"
    )

    def __str__(self):
        cinema = self.cinema.name if self.cinema else ""
        return f"{cinema} · {self.name}" if cinema else self.name
