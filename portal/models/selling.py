"""Selling: the consumer app's customers, orders (table `ticket_order`) and their tickets.

"A seat is sold at most once per show" is a constraint of the database, not a check before
the insert: a sold ticket carries its seat twice, in `seat_id` (kept for ever) and in
`live_seat_id` (the same seat while sold, NULL once refunded), and (schedule_id,
live_seat_id) is UNIQUE. NULLs never collide, so refunded tickets free their seat; MySQL has
no partial indexes, and this is the row that makes "one live ticket per show and seat" a key.
"""

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ..extensions import db
from .base import Versioned, restrict_fk, utcnow

# order.channel
ONLINE, COUNTER = "online", "counter"
CHANNELS = (ONLINE, COUNTER)
# order.status
PENDING, AWAITING_CONFIRMATION, PAID = "pending", "awaiting_confirmation", "paid"
CANCELLED, REFUNDED, PARTIALLY_REFUNDED = "cancelled", "refunded", "partially_refunded"
ORDER_STATUSES = (PENDING, AWAITING_CONFIRMATION, PAID, CANCELLED, REFUNDED, PARTIALLY_REFUNDED)
# ticket.status
SOLD = "sold"
TICKET_STATUSES = (SOLD, REFUNDED)


class Customer(db.Model):
    """A user of the consumer app (淘票票用户); blocked ones are the blacklist."""

    __tablename__ = "customer"

    id = sa.Column(sa.Integer, primary_key=True)
    phone = sa.Column(sa.String(20), nullable=False, unique=True)
    nickname = sa.Column(sa.String(64), nullable=False, default="")
    is_blocked = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    orders = relationship("Order", back_populates="customer", lazy="dynamic")

    def __str__(self):
        return self.nickname or f"#{self.id}"


class Order(Versioned, db.Model):
    __tablename__ = "ticket_order"
    __table_args__ = (
        sa.Index("ix_ticket_order_cinema_id_created_at", "cinema_id", "created_at"),
        sa.Index("ix_ticket_order_created_at", "created_at"),
        sa.Index("ix_ticket_order_status_created_at", "status", "created_at"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    order_no = sa.Column(sa.String(24), nullable=False, unique=True)
    cinema_id = sa.Column(sa.Integer, restrict_fk("cinema.id"), nullable=False)
    schedule_id = sa.Column(sa.Integer, restrict_fk("schedule.id"), nullable=False, index=True)
    customer_id = sa.Column(sa.Integer, restrict_fk("customer.id"), nullable=True, index=True)
    channel = sa.Column(sa.String(16), nullable=False)
    status = sa.Column(sa.String(24), nullable=False)
    amount = sa.Column(sa.Numeric(10, 2), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    paid_at = sa.Column(sa.DateTime, nullable=True)
    payment_ref = sa.Column(sa.String(64), nullable=True)
    sold_by_user_id = sa.Column(sa.Integer, restrict_fk("user.id"), nullable=True, index=True)
    # The counter form's one-time token: submitting the same form twice sells once.
    sale_token = sa.Column(sa.String(40), nullable=True, unique=True)

    cinema = relationship("Cinema")
    schedule = relationship("Schedule")
    customer = relationship(Customer, back_populates="orders")
    sold_by = relationship("User")
    tickets = relationship("Ticket", back_populates="order", order_by="Ticket.id")

    def __str__(self):
        return self.order_no or ""


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        sa.UniqueConstraint(
            "schedule_id", "live_seat_id", name="uq_ticket_schedule_id_live_seat_id"
        ),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    order_id = sa.Column(sa.Integer, restrict_fk("ticket_order.id"), nullable=False, index=True)
    schedule_id = sa.Column(sa.Integer, restrict_fk("schedule.id"), nullable=False)
    seat_id = sa.Column(sa.Integer, restrict_fk("seat.id"), nullable=False, index=True)
    ticket_type_id = sa.Column(
        sa.Integer, restrict_fk("ticket_type.id"), nullable=False, index=True
    )
    price = sa.Column(sa.Numeric(8, 2), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default=SOLD)
    code = sa.Column(sa.String(16), nullable=False, unique=True)
    # seat_id while sold, NULL once refunded: the unique key above (see the module's note).
    live_seat_id = sa.Column(sa.Integer, nullable=True)

    order = relationship(Order, back_populates="tickets")
    schedule = relationship("Schedule")
    seat = relationship("Seat")
    ticket_type = relationship("TicketType")

    def __str__(self):
        return self.code or ""
