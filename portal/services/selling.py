"""Selling: counter sales, refunds, cancelling a show that has sold tickets, online orders
awaiting their payment's confirmation, customers' phone numbers.

No seat is sold twice because the database refuses it (see models/selling.py): a sale checks
what it can, inserts its tickets and lets the UNIQUE key arbitrate. A sale that loses a race
is rolled back whole and names the seats that just went. A sale holds a shared lock on its
show's row and cancelling takes an exclusive one, so no ticket is sold into a show that is
being cancelled; a refund locks its order and tickets, so no ticket is refunded twice.
"""

import secrets
from collections import namedtuple
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, inspect, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..i18n import format_showtime
from ..models import Order, Schedule, Seat, Ticket, TicketType
from ..models.base import utcnow
from ..models.seating import BLOCKED, COUPLE, STANDARD
from ..models.selling import (
    AWAITING_CONFIRMATION,
    CANCELLED,
    COUNTER,
    PAID,
    PARTIALLY_REFUNDED,
    PENDING,
    REFUNDED,
    SOLD,
)
from . import boxoffice
from .rules import RuleViolation

MAX_SEATS_PER_SALE = 50
SALE_ATTEMPTS = 3  # a deadlock victim that lost no seat tries again, at most this often
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter
AWAITING_TOO_LONG = timedelta(minutes=15)


class SaleRefused(RuleViolation):
    """A sale refused as a whole: nothing of it was sold."""


class SeatsTaken(SaleRefused):
    """Seats of the sale were sold meanwhile (by the counter or the consumer app)."""

    def __init__(self, labels):
        self.labels = labels
        super().__init__(
            _(
                "These seats were just sold: %(seats)s. Nothing of this sale was "
                "sold; pick other seats.",
                seats=", ".join(labels),
            )
        )


class AlreadySold(SaleRefused):
    """The same sale form was submitted again; its order exists already."""

    def __init__(self, order):
        self.order = order
        super().__init__(
            _(
                "This sale was already made (order %(order)s); it was not sold again.",
                order=order.order_no,
            )
        )


class RefundRefused(RuleViolation):
    """A refund refused as a whole: nothing was refunded."""


# -- time and settings ----------------------------------------------------------------------
def local_now():
    """The cinemas' wall-clock time, naive: what `schedule.starts_at` is stored in."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return datetime.now(zone).replace(tzinfo=None)


def refund_cutoff():
    return timedelta(minutes=current_app.config.get("REFUND_CUTOFF_MINUTES", 30))


# -- reading a show's sales -----------------------------------------------------------------
def sold_seat_ids(session, schedule_id, seat_ids=None):
    """The seats of a show that hold a live ticket (of `seat_ids`, when given)."""
    query = select(Ticket.live_seat_id).where(
        Ticket.schedule_id == schedule_id, Ticket.live_seat_id.is_not(None)
    )
    if seat_ids is not None:
        query = query.where(Ticket.live_seat_id.in_(list(seat_ids)))
    return set(session.scalars(query))


def has_sold_tickets(session, schedule_id):
    return session.scalar(
        select(exists().where(Ticket.schedule_id == schedule_id, Ticket.live_seat_id.is_not(None)))
    )


def show_prices(schedule):
    """{(ticket type id, seat kind): price} of a show."""
    return {(row.ticket_type_id, row.seat_kind): row.price for row in schedule.prices}


def price_for(prices, ticket_type_id, seat_kind):
    """The show's price of a ticket type on a seat kind; a show priced by hand has one price
    per ticket type (its standard one), which then holds for every seat kind."""
    price = prices.get((ticket_type_id, seat_kind))
    return price if price is not None else prices.get((ticket_type_id, STANDARD))


def offered_types(session, schedule, seat_kind):
    """The ticket types the show has a price for on `seat_kind`, with that price."""
    prices = show_prices(schedule)
    types = session.scalars(select(TicketType).order_by(TicketType.id)).all()
    return [
        (t, price_for(prices, t.id, seat_kind))
        for t in types
        if price_for(prices, t.id, seat_kind) is not None
    ]


# -- a counter sale -------------------------------------------------------------------------
Pick = namedtuple("Pick", "seat ticket_type price")


def _row_id(value):
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**31 else None


def check_on_sale(schedule, now=None):
    """Refuse a show that is cancelled, not on sale, or has started."""
    if schedule.status == "cancelled":
        raise SaleRefused(_("This show is cancelled; it sells nothing."))
    if schedule.status != "on_sale":
        raise SaleRefused(_("This show is not on sale yet: put it on sale first."))
    if schedule.starts_at <= (now or local_now()):
        raise SaleRefused(_("This show has started; sales have stopped."))


def plan_sale(session, schedule, seat_ids, type_of_seat=None):
    """The seats and ticket types of a sale, each priced, or SaleRefused naming every problem.

    `seat_ids` as sent by the form; `type_of_seat` maps a seat id (as sent) to a ticket type
    id (default: adult). Checks the seats are this show's and sellable, couples whole, no
    seat twice, the count within bounds, each ticket type priced, and no seat already sold.
    """
    raw = [str(s).strip() for s in seat_ids if str(s).strip()]
    if not raw:
        raise SaleRefused(_("Pick at least one seat."))
    if len(raw) > MAX_SEATS_PER_SALE:
        raise SaleRefused(
            _(
                "At most %(max)s seats can be sold in one sale; %(count)s were picked.",
                max=MAX_SEATS_PER_SALE,
                count=len(raw),
            )
        )
    ids = [_row_id(s) for s in raw]
    if len(set(raw)) != len(raw) or len(set(ids)) != len(ids):
        raise SaleRefused(_("A seat was picked twice in one sale."))
    seats = (
        {
            s.id: s
            for s in session.scalars(
                select(Seat).where(
                    Seat.id.in_([i for i in ids if i is not None]),
                    Seat.layout_id == schedule.seat_layout_id,
                )
            )
        }
        if any(ids)
        else {}
    )
    if len(seats) != len(ids):
        raise SaleRefused(_("Some picked seats are not seats of this show's hall."))
    problems = []
    blocked = [s.ticket_label for s in seats.values() if s.kind == BLOCKED]
    if blocked:
        problems.append(_("Blocked seats are never sold: %(seats)s.", seats=", ".join(blocked)))
    halves = [
        s.ticket_label for s in seats.values() if s.kind == COUPLE and s.pair_seat_id not in seats
    ]
    if halves:
        problems.append(
            _(
                "Couple seats sell as a pair; pick both halves of %(seats)s.",
                seats=", ".join(halves),
            )
        )
    prices = show_prices(schedule)
    types = {t.id: t for t in session.scalars(select(TicketType))}
    adult = next((t.id for t in types.values() if t.code == "adult"), None)
    picks, unpriced = [], []
    for seat_id in sorted(seats):
        seat = seats[seat_id]
        type_id = _row_id((type_of_seat or {}).get(str(seat_id))) or adult
        ticket_type = types.get(type_id)
        price = price_for(prices, type_id, seat.kind) if ticket_type else None
        if price is None:
            unpriced.append(seat.ticket_label)
        else:
            picks.append(Pick(seat, ticket_type, price))
    if unpriced:
        problems.append(
            _(
                "This show has no price for the ticket type chosen for %(seats)s.",
                seats=", ".join(unpriced),
            )
        )
    if problems:
        raise SaleRefused(" ".join(str(p) for p in problems))
    taken = sold_seat_ids(session, schedule.id, seats)
    if taken:
        raise SeatsTaken([seats[i].ticket_label for i in sorted(taken)])
    return picks


def sale_total(picks):
    return sum((p.price for p in picks), Decimal("0.00"))


def new_order_no(channel, now=None):
    """G (counter) or W (online), the minute, eight random digits: 19 characters."""
    prefix = "G" if channel == COUNTER else "W"
    return f"{prefix}{(now or utcnow()):%y%m%d%H%M}{secrets.randbelow(10**8):08d}"


def new_ticket_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def lock_show(session, schedule_id, exclusive=False):
    """Lock the show's row, shared by sales (they run side by side), exclusive by cancelling
    (which waits for them, and they for it); its status and start as the lock read them.

    Only the schedule row is locked (its movie and hall are not joined into the locking read),
    and status and start come from that read, not from this transaction's older snapshot.
    SQLite has no row locks: a no-op UPDATE takes the database's write lock instead (as
    scheduling's lock_hall does), so a sale and a cancel cannot interleave there either."""
    if session.get_bind().dialect.name == "sqlite":
        table = Schedule.__table__
        session.execute(
            update(table).where(table.c.id == schedule_id).values(status=table.c.status)
        )
    return session.execute(
        select(Schedule.status, Schedule.starts_at)
        .where(Schedule.id == schedule_id)
        .with_for_update(read=not exclusive)
    ).one()


def sell_at_counter(session, schedule_id, seat_ids, type_of_seat, user_id, token, now=None):
    """One paid counter order with a ticket per seat, flushed in the caller's transaction.

    All or nothing: on a lost race (a seat sold meanwhile) the transaction is rolled back and
    SeatsTaken names the seats; a token already used raises AlreadySold with its order.
    """
    token = (token or "").strip()[:40]
    if not token:
        raise SaleRefused(_("The sale form has expired; open the seat map again."))
    for attempt in range(SALE_ATTEMPTS):
        done = _order_of_token(session, token)
        if done is not None:
            raise AlreadySold(done)
        check_on_sale(lock_show(session, schedule_id), now)
        schedule = session.get(Schedule, schedule_id)
        picks = plan_sale(session, schedule, seat_ids, type_of_seat)
        try:
            return _write_sale(session, schedule, picks, user_id, token)
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) and not is_lock_conflict(exc):
                raise
            _explain_lost_race(session, schedule_id, picks, token)
            if attempt + 1 == SALE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _write_sale(session, schedule, picks, user_id, token):
    order = Order(
        order_no=new_order_no(COUNTER),
        cinema_id=schedule.hall.cinema_id,
        schedule_id=schedule.id,
        channel=COUNTER,
        status=PAID,
        amount=sale_total(picks),
        paid_at=utcnow(),
        sold_by_user_id=user_id,
        sale_token=token,
    )
    # Seats in id order: concurrent sales take the key's locks in the same order.
    order.tickets = [
        Ticket(
            schedule_id=schedule.id,
            seat_id=p.seat.id,
            live_seat_id=p.seat.id,
            ticket_type_id=p.ticket_type.id,
            price=p.price,
            status=SOLD,
            code=new_ticket_code(),
        )
        for p in sorted(picks, key=lambda p: p.seat.id)
    ]
    session.add(order)
    session.flush()
    boxoffice.record_sale(session, schedule.id, order.tickets)
    return order


def _order_of_token(session, token):
    return session.scalar(select(Order).where(Order.sale_token == token))


def _explain_lost_race(session, schedule_id, picks, token):
    """After a rolled-back sale: raise what beat it (the same form, or seats sold)."""
    done = _order_of_token(session, token)
    if done is not None:
        raise AlreadySold(done)
    label = {p.seat.id: p.seat.ticket_label for p in picks}
    taken = sold_seat_ids(session, schedule_id, label)
    if taken:
        raise SeatsTaken([label[i] for i in sorted(taken)])


def is_lock_conflict(exc):
    """A deadlock or lock wait timeout (MySQL 1213, 1205): the transaction is rolled back."""
    code = getattr(getattr(exc, "orig", None), "args", (None,))[0]
    return code in (1205, 1213) or "database is locked" in str(exc)


# -- refunds --------------------------------------------------------------------------------
def lock_order(session, order_id):
    return session.execute(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def refund_deadline(schedule):
    return schedule.starts_at - refund_cutoff()


def refund(session, order_id, ticket_ids=None, now=None, cutoff=True):
    """Refund the chosen tickets of an order (None: every ticket still sold), all or none, in
    the caller's transaction; their seats sell again. Returns the refunded tickets."""
    order = lock_order(session, order_id)
    if order.status not in (PAID, PARTIALLY_REFUNDED):
        raise RefundRefused(
            _(
                "Only paid orders are refunded; this one is %(status)s.",
                status=_status_label(order.status),
            )
        )
    schedule = session.get(Schedule, order.schedule_id)
    if cutoff and (now or local_now()) > refund_deadline(schedule):
        raise RefundRefused(
            _(
                "Refunds close %(minutes)s minutes before the show starts "
                "(%(deadline)s); nothing was refunded.",
                minutes=int(refund_cutoff().total_seconds() // 60),
                deadline=format_showtime(refund_deadline(schedule)),
            )
        )
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.order_id == order.id)
        .order_by(Ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    chosen = _chosen_tickets(tickets, ticket_ids)
    for ticket in chosen:
        ticket.status, ticket.live_seat_id = REFUNDED, None
    order.status = PARTIALLY_REFUNDED if any(t.status == SOLD for t in tickets) else REFUNDED
    session.flush()
    boxoffice.record_refund(session, order.schedule_id, chosen)
    return chosen


def _chosen_tickets(tickets, ticket_ids):
    if ticket_ids is None:
        return [t for t in tickets if t.status == SOLD]
    wanted = [_row_id(i) for i in ticket_ids]
    if not wanted:
        raise RefundRefused(_("Choose at least one ticket to refund."))
    by_id = {t.id: t for t in tickets}
    if any(i not in by_id for i in wanted) or len(set(wanted)) != len(wanted):
        raise RefundRefused(_("Some chosen tickets are not tickets of this order."))
    gone = [by_id[i].code for i in wanted if by_id[i].status != SOLD]
    if gone:
        raise RefundRefused(
            _("Already refunded: %(tickets)s; nothing was refunded.", tickets=", ".join(gone))
        )
    return [by_id[i] for i in wanted]


def _status_label(status):
    from ..i18n import enum_label

    return enum_label(status)


def cancel_show(session, schedule_id):
    """Refund every sold ticket of a show being cancelled (no cut-off: the cinema cancels)
    and cancel its unpaid orders, in the caller's transaction. Returns the tickets refunded."""
    lock_show(session, schedule_id, exclusive=True)
    # A locking read: it sees the sales committed since this transaction's snapshot.
    orders = session.scalars(
        select(Order.id)
        .where(
            Order.schedule_id == schedule_id,
            Order.status.in_((PAID, PARTIALLY_REFUNDED, PENDING, AWAITING_CONFIRMATION)),
        )
        .order_by(Order.id)
        .with_for_update()
    ).all()
    refunded = 0
    for order_id in orders:
        order = lock_order(session, order_id)
        if order.status in (PENDING, AWAITING_CONFIRMATION):
            refunded += len(cancel_unpaid(session, order))
        else:
            refunded += len(refund(session, order_id, cutoff=False))
    return refunded


# -- online orders awaiting the payment provider ------------------------------------------
def confirm_payment(session, order_id, payment_ref):
    """An order paid online, awaiting the provider's callback: mark it paid."""
    order = lock_order(session, order_id)
    payment_ref = (payment_ref or "").strip()
    if order.status != AWAITING_CONFIRMATION:
        raise RuleViolation(
            _(
                "Only orders awaiting confirmation can be marked paid; this one is %(status)s.",
                status=_status_label(order.status),
            )
        )
    if not payment_ref:
        raise RuleViolation(_("Give the payment provider's reference."))
    order.status, order.payment_ref, order.paid_at = PAID, payment_ref[:64], utcnow()
    session.flush()
    # Paid now: its tickets are box office from this transaction on.
    boxoffice.record_sale(
        session,
        order.schedule_id,
        [
            t
            for t in session.scalars(
                select(Ticket).where(Ticket.order_id == order.id, Ticket.status == SOLD)
            )
        ],
    )
    return order


def cancel_unpaid(session, order):
    """Cancel an order not (yet) confirmed paid; its seats sell again. Returns its tickets."""
    if order.status not in (PENDING, AWAITING_CONFIRMATION):
        raise RuleViolation(
            _(
                "Only orders awaiting confirmation can be cancelled; this one is %(status)s.",
                status=_status_label(order.status),
            )
        )
    tickets = session.scalars(
        select(Ticket).where(Ticket.order_id == order.id, Ticket.status == SOLD).with_for_update()
    ).all()
    for ticket in tickets:
        ticket.status, ticket.live_seat_id = REFUNDED, None
    order.status = CANCELLED
    session.flush()
    return tickets


def awaiting_too_long(now=None):
    """The clause of online orders awaiting confirmation for more than 15 minutes."""
    return (Order.status == AWAITING_CONFIRMATION) & (
        Order.created_at < (now or utcnow()) - AWAITING_TOO_LONG
    )


# -- shows with sold tickets keep what the tickets print --------------------------------------
KEPT_WITH_TICKETS = ("movie", "movie_id", "hall", "hall_id", "starts_at")


def status_changed(schedule):
    return inspect(schedule).attrs.status.history.has_changes()


def check_show_change(session, schedule):
    """A show with sold tickets keeps its movie, hall and start time."""
    if schedule.id is None:
        return
    state = inspect(schedule)
    if not any(state.attrs[name].history.has_changes() for name in KEPT_WITH_TICKETS):
        return
    if has_sold_tickets(session, schedule.id):
        raise RuleViolation(
            _(
                "This show has sold tickets: its movie, hall and start time "
                "stay as they are. Cancel it (which refunds its tickets) "
                "instead."
            )
        )


# -- customers' phone numbers ---------------------------------------------------------------
def mask_phone(phone):
    """138****5678: the first three and the last four digits."""
    phone = phone or ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def phone_search_clause(column, term):
    """A phone typed whole, or masked as the lists show it (138****5678), as a WHERE clause;
    None when `term` is no phone at all."""
    term = term.strip()
    if len(term) == 11 and term[:3].isdigit() and term[3:7] == "****" and term[7:].isdigit():
        return column.like(f"{term[:3]}%{term[7:]}") & (func.length(column) == 11)
    if term.isdigit() and 7 <= len(term) <= 20:
        return column == term
    return None
