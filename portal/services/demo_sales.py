"""Demo and bench sales: customers, and orders for shows with believable occupancy.

Evenings and weekends fill up, mornings stay thin; most orders come from the consumer app,
some from the counter; a few are refunded and a few online payments still await the
provider's confirmation. Rows are written with multi-row INSERTs (no ORM objects, no audit
rows: seeding is not a user's change), shared by `seed-demo` and `bench.generate`.
"""

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import func, insert, select

from ..models import Customer, Hall, Order, Schedule, SchedulePrice, Seat, Ticket, TicketType
from ..models.base import utcnow
from ..models.seating import BLOCKED, COUPLE, STANDARD
from ..models.selling import AWAITING_CONFIRMATION, COUNTER, ONLINE, PAID, REFUNDED, SOLD
from .selling import CODE_ALPHABET

NICKNAMES = (
    "小王",
    "影迷阿杰",
    "Lily",
    "周末看电影",
    "爆米花",
    "陈先生",
    "张小姐",
    "阿May",
    "夜场党",
    "老李",
    "学生党",
    "momo",
)
REFUND_SHARE = 0.05
AWAITING_SHARE = 0.01
ONLINE_SHARE = 0.7


def occupancy(starts_at):
    """The share of seats sold for a show starting at `starts_at` (cinema wall clock)."""
    share = 0.18
    if starts_at.isoweekday() >= 6:
        share += 0.22
    if starts_at.hour >= 18:
        share += 0.25
    elif starts_at.hour < 12:
        share -= 0.08
    return max(0.03, min(share, 0.9))


def customer_rows(count, rng, first=0):
    """Customers of the consumer app: unique phones, about 2% on the blacklist."""
    return [
        {
            "phone": f"1{rng.choice('3578')}{n + first:09d}",
            "nickname": rng.choice(NICKNAMES),
            "is_blocked": rng.random() < 0.02,
            "created_at": utcnow() - dt.timedelta(days=rng.randint(1, 900)),
        }
        for n in range(count)
    ]


def seed_customers(session, count, rng):
    if session.scalar(select(func.count()).select_from(Customer)) >= count:
        return
    session.execute(insert(Customer), customer_rows(count, rng))


def code(rng):
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(12))


def groups(seats, rng):
    """Seats of one show, in groups bought together: couples whole, 1-4 seats a group."""
    seats = sorted(seats, key=lambda s: (s.row_no, s.col_no))
    by_id = {s.id: s for s in seats}
    out, taken = [], set()
    for seat in seats:
        if seat.id in taken:
            continue
        if seat.kind == COUPLE:
            group = [seat] + ([by_id[seat.pair_seat_id]] if seat.pair_seat_id in by_id else [])
        else:
            size = rng.choice((1, 2, 2, 2, 3, 4))
            row = [
                s
                for s in seats
                if s.row_no == seat.row_no
                and s.kind != COUPLE
                and s.id not in taken
                and s.col_no >= seat.col_no
            ][:size]
            group = row or [seat]
        taken.update(s.id for s in group)
        out.append(group)
    return out


class SalesWriter:
    """Collects the orders and tickets of many shows and writes them in batches."""

    def __init__(self, session, rng, now, customers, sellers, batch=5000):
        self.session, self.rng, self.now = session, rng, now
        self.customers, self.sellers, self.batch = customers, sellers, batch
        self.orders, self.tickets, self.written = [], [], 0
        self.serial = session.scalar(select(func.coalesce(func.max(Order.id), 0)))

    def sell_show(self, show_id, cinema_id, starts_at, seats, prices, local_now):
        """Orders for about occupancy(starts_at) of the show's sellable seats."""
        sellable = [s for s in seats if s.kind != BLOCKED]
        wanted = int(len(sellable) * occupancy(starts_at))
        bought = []
        for group in groups(sellable, self.rng):
            if len(bought) >= wanted:
                break
            if self.rng.random() < occupancy(starts_at) * 1.3:
                bought.append(group)
        for group in bought:
            self._order(show_id, cinema_id, starts_at, group, prices, local_now)
        if len(self.tickets) >= self.batch:
            self.flush()

    def _order(self, show_id, cinema_id, starts_at, group, prices, local_now):
        rng = self.rng
        self.serial += 1
        online = rng.random() < ONLINE_SHARE or not self.sellers
        # Orders of shows more than three hours away are recent; others were bought days ago.
        if starts_at - local_now > dt.timedelta(hours=3):
            created = self.now - dt.timedelta(minutes=rng.randint(60, 3000))
        else:
            created = self.now - (local_now - starts_at) - dt.timedelta(hours=rng.randint(24, 96))
        status = PAID
        roll = rng.random()
        if online and roll < AWAITING_SHARE and starts_at > local_now:
            status, created = (
                AWAITING_CONFIRMATION,
                self.now - dt.timedelta(minutes=rng.randint(16, 90)),
            )
        elif roll < AWAITING_SHARE + REFUND_SHARE:
            status = REFUNDED
        tickets = []
        for seat in group:
            type_id = prices.pick(rng, seat.kind)
            tickets.append(
                {
                    "schedule_id": show_id,
                    "seat_id": seat.id,
                    "live_seat_id": None if status == REFUNDED else seat.id,
                    "ticket_type_id": type_id,
                    "price": prices.price(type_id, seat.kind),
                    "status": REFUNDED if status == REFUNDED else SOLD,
                    "code": code(rng),
                    "order_id": self.serial,
                }
            )
        self.tickets.extend(tickets)
        self.orders.append(
            {
                "id": self.serial,
                "order_no": f"{'W' if online else 'G'}{created:%y%m%d%H%M}{self.serial:08d}",
                "cinema_id": cinema_id,
                "schedule_id": show_id,
                "customer_id": rng.choice(self.customers) if online else None,
                "channel": ONLINE if online else COUNTER,
                "status": status,
                "amount": sum((t["price"] for t in tickets), Decimal("0.00")),
                "created_at": created,
                "paid_at": None if status == AWAITING_CONFIRMATION else created,
                "payment_ref": f"PAY{self.serial:012d}"
                if online and status != AWAITING_CONFIRMATION
                else None,
                "sold_by_user_id": None if online else rng.choice(self.sellers),
                "sale_token": None,
                "version": 1,
            }
        )

    def flush(self):
        if self.orders:
            self.session.execute(insert(Order), self.orders)
            self.session.execute(insert(Ticket), self.tickets)
            self.written += len(self.tickets)
        self.orders, self.tickets = [], []


class ShowPrices:
    """A show's price list, and a ticket type mix: mostly adults, some students."""

    MIX = (("adult", 70), ("student", 15), ("member", 8), ("child", 4), ("senior", 3))

    def __init__(self, rows, type_ids):
        self.rows = {(t, k): p for t, k, p in rows}
        self.type_ids = type_ids

    def price(self, type_id, kind):
        return self.rows.get((type_id, kind)) or self.rows.get((type_id, STANDARD))

    def pick(self, rng, kind):
        roll, total = rng.randint(1, 100), 0
        for code_, weight in self.MIX:
            total += weight
            type_id = self.type_ids.get(code_)
            if roll <= total and type_id is not None and self.price(type_id, kind) is not None:
                return type_id
        return self.type_ids["adult"]


def seed_sales(session, first_day, last_day, sellers=(), seed=2026, local_now=None):
    """Orders for the shows starting from `first_day` to `last_day` (inclusive) that have
    none yet; customers first. Returns the number of tickets written."""
    rng = random.Random(seed)
    seed_customers(session, 200, rng)
    customers = session.scalars(select(Customer.id).where(Customer.is_blocked.is_(False))).all()
    type_ids = dict(session.execute(select(TicketType.code, TicketType.id)).all())
    local_now = local_now or dt.datetime.now()
    writer = SalesWriter(session, rng, utcnow(), customers, list(sellers))
    shows = session.execute(
        select(Schedule.id, Hall.cinema_id, Schedule.starts_at, Schedule.seat_layout_id)
        .join(Hall, Hall.id == Schedule.hall_id)
        .where(
            Schedule.starts_at >= dt.datetime.combine(first_day, dt.time()),
            Schedule.starts_at < dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()),
            Schedule.status == "on_sale",
            ~select(Order.id).where(Order.schedule_id == Schedule.id).exists(),
        )
        .order_by(Schedule.id)
    ).all()
    layouts = {}
    for show_id, cinema_id, starts_at, layout_id in shows:
        if layout_id not in layouts:
            layouts[layout_id] = session.scalars(
                select(Seat).where(Seat.layout_id == layout_id)
            ).all()
        prices = ShowPrices(
            session.execute(
                select(
                    SchedulePrice.ticket_type_id, SchedulePrice.seat_kind, SchedulePrice.price
                ).where(SchedulePrice.schedule_id == show_id)
            ).all(),
            type_ids,
        )
        writer.sell_show(show_id, cinema_id, starts_at, layouts[layout_id], prices, local_now)
    writer.flush()
    return writer.written
