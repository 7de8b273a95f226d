"""Ticket types, price cards with their rules, and the prices a show was given."""

import sqlalchemy as sa
from sqlalchemy.orm import backref, relationship

from ..extensions import db
from .base import Versioned, restrict_fk
from .seating import SELLABLE_KINDS, STANDARD

# The contract's ticket type codes, in the order price tables list them.
TICKET_TYPE_CODES = ("adult", "student", "child", "senior", "member")
# Their seeded names (the migration seeds the same).
TICKET_TYPE_NAMES = {
    "adult": "成人",
    "student": "学生",
    "child": "儿童",
    "senior": "老人",
    "member": "会员",
}
ADULT = "adult"
# Seat kinds that are sold (a `blocked` seat never is); a rule's empty seat kind means any.
# The seat kinds a ticket can be sold for (models/seating.py), in price-table order.
SELLABLE_SEAT_KINDS = SELLABLE_KINDS
STANDARD_SEAT = STANDARD
# ISO weekdays: 1 is Monday, 7 is Sunday.
ALL_WEEKDAYS = "1234567"


class TicketType(db.Model):
    __tablename__ = "ticket_type"

    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(16), nullable=False, unique=True)
    name = sa.Column(sa.String(64), nullable=False)

    def __str__(self):
        return self.name


class PriceCard(Versioned, db.Model):
    __tablename__ = "price_card"
    __table_args__ = (
        sa.UniqueConstraint("cinema_id", "name", name="uq_price_card_cinema_id_name"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    cinema_id = sa.Column(sa.Integer, restrict_fk("cinema.id"), nullable=False, index=True)
    name = sa.Column(sa.String(64), nullable=False)
    is_active = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())

    cinema = relationship("Cinema", lazy="joined", innerjoin=True)
    rules = relationship(
        "PriceCardRule",
        back_populates="price_card",
        order_by="PriceCardRule.id",
        cascade="all, delete-orphan",
    )

    def __str__(self):
        return f"{self.cinema.name} · {self.name}" if self.cinema else self.name or ""


class PriceCardRule(db.Model):
    __tablename__ = "price_card_rule"

    id = sa.Column(sa.Integer, primary_key=True)
    price_card_id = sa.Column(sa.Integer, restrict_fk("price_card.id"), nullable=False, index=True)
    ticket_type_id = sa.Column(
        sa.Integer, restrict_fk("ticket_type.id"), nullable=False, index=True
    )
    seat_kind = sa.Column(sa.String(16), nullable=False, default="", server_default="")
    weekdays = sa.Column(
        sa.String(7), nullable=False, default=ALL_WEEKDAYS, server_default=ALL_WEEKDAYS
    )
    # The band of the show's start time: from `starts_from` (inclusive) to `starts_before`
    # (exclusive); either end may be open.
    starts_from = sa.Column(sa.Time, nullable=True)
    starts_before = sa.Column(sa.Time, nullable=True)
    hall_type = sa.Column(sa.String(8), nullable=False, default="", server_default="")
    price = sa.Column(sa.Numeric(8, 2), nullable=False)

    price_card = relationship(PriceCard, back_populates="rules")
    ticket_type = relationship(TicketType, lazy="joined")

    def __str__(self):
        return f"{self.ticket_type or ''} {self.seat_kind or '*'} {self.price}"


class SchedulePrice(db.Model):
    """One price of a show, copied when it was created and fixed from then on."""

    __tablename__ = "schedule_price"

    schedule_id = sa.Column(sa.Integer, restrict_fk("schedule.id"), primary_key=True)
    ticket_type_id = sa.Column(
        sa.Integer, restrict_fk("ticket_type.id"), primary_key=True, index=True
    )
    seat_kind = sa.Column(sa.String(16), primary_key=True)
    price = sa.Column(sa.Numeric(8, 2), nullable=False)

    # Declared from this side so that the schedule model stays as it is; deleting a show
    # deletes its own price list (part of the show, not a row anything else uses).
    schedule = relationship(
        "Schedule",
        backref=backref(
            "prices",
            cascade="all, delete-orphan",
            order_by="(SchedulePrice.ticket_type_id, SchedulePrice.seat_kind)",
        ),
    )
    ticket_type = relationship(TicketType, lazy="joined")

    def __str__(self):
        return f"{self.ticket_type or ''} {self.seat_kind} {self.price}"
