"""Screening rights (播放权): which cinema may show which film, and when."""

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ..extensions import db
from .base import restrict_fk


class ScreeningRight(db.Model):
    __tablename__ = "screening_right"
    __table_args__ = (
        sa.Index(
            "ix_screening_right_movie_id_cinema_id_starts_on", "movie_id", "cinema_id", "starts_on"
        ),
        sa.Index("ix_screening_right_ends_on", "ends_on"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    movie_id = sa.Column(sa.Integer, restrict_fk("movie.id"), nullable=False)
    cinema_id = sa.Column(sa.Integer, restrict_fk("cinema.id"), nullable=False, index=True)
    starts_on = sa.Column(sa.Date, nullable=False)
    ends_on = sa.Column(sa.Date, nullable=False)
    # Percent of the box office owed to the distributor, e.g. 43.00.
    distributor_share = sa.Column(sa.Numeric(5, 2), nullable=False)

    movie = relationship("Movie", lazy="joined", innerjoin=True)
    cinema = relationship("Cinema", lazy="joined", innerjoin=True)

    def __str__(self):
        return (
            f"{self.movie.title if self.movie else ''} @ "
            f"{self.cinema.name if self.cinema else ''} "
            f"{self.starts_on or ''}–{self.ends_on or ''}"
        )
