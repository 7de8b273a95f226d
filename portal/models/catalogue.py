"""The film catalogue."""

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ..extensions import db
from .base import Versioned

MOVIE_STATUSES = ("coming_soon", "showing", "offline")


class Movie(Versioned, db.Model):
    __tablename__ = "movie"

    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String(200), nullable=False, index=True)
    original_title = sa.Column(sa.String(200), nullable=False, default="")
    director = sa.Column(sa.String(200), nullable=False, default="")
    cast = sa.Column(sa.String(500), nullable=False, default="")
    genres = sa.Column(sa.String(200), nullable=False, default="")
    language = sa.Column(sa.String(64), nullable=False, default="")
    country = sa.Column(sa.String(64), nullable=False, default="")
    duration_minutes = sa.Column(sa.SmallInteger, nullable=False)
    release_date = sa.Column(sa.Date, nullable=True, index=True)
    status = sa.Column(sa.String(16), nullable=False, default="coming_soon", index=True)
    rating = sa.Column(sa.Numeric(3, 1), nullable=True)
    synopsis = sa.Column(sa.Text, nullable=True)
    poster = sa.Column(sa.String(255), nullable=True)
    # The distributor's floor price (最低票价): no show of the film is priced below it.
    min_price = sa.Column(sa.Numeric(8, 2), nullable=True)

    schedules = relationship("Schedule", back_populates="movie", passive_deletes="all")

    def __str__(self):
        return self.title
