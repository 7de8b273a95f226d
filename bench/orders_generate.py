"""Add customers, orders and tickets (~5M) to a database made by bench.generate.

    python -m bench.generate            # portal_bench: 2M shows
    python -m bench.orders_generate     # + 200,000 customers, ~2.6M orders, 5M tickets

Shows on sale get tickets in proportion to their occupancy (services/demo_sales.occupancy:
evenings and weekends fuller), as runs of adjacent seats split into orders of 1-4; 70% of
orders come online from 200,000 customers, 4% are refunded (their seats free again), a few
online payments await confirmation. Rows go in with multi-row INSERTs (PyMySQL executemany),
foreign and unique checks off while loading; ticket codes are a bijection of the ticket's
number (unique without a check), order numbers carry the order's id.
"""

import argparse
import json
import random
import time
from array import array
from datetime import datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path

import pymysql
import pymysql.cursors
from sqlalchemy.engine import make_url
from tqdm import tqdm

from portal.models.base import utcnow
from portal.services.demo_sales import occupancy
from portal.services.selling import CODE_ALPHABET

from .common import BENCH_URL, PASSWORD
from .generate import BATCH, bulk_insert

CUSTOMERS = 200_000
CODE_MULTIPLIER = 0x9E3779B97F4A7C1  # odd: n -> n * M mod 2**60 is a bijection
ORDER_COLUMNS = (
    "id",
    "order_no",
    "cinema_id",
    "schedule_id",
    "customer_id",
    "channel",
    "status",
    "amount",
    "created_at",
    "paid_at",
    "payment_ref",
    "sold_by_user_id",
    "version",
)
TICKET_COLUMNS = (
    "order_id",
    "schedule_id",
    "seat_id",
    "ticket_type_id",
    "price",
    "status",
    "code",
    "live_seat_id",
)
SELLER = "bench_seller"
TABLES = ("ticket", "ticket_order")
LOADS = Path(__file__).resolve().parent / "results" / "orders_load.json"
ORDER_SIZES = (1, 2, 2, 2, 3, 4)
STUDENT_SHARE = Decimal("0.7")
CENT = Decimal("0.01")


# Three letters of CODE_ALPHABET per 15 bits, lowest bits first.
CODE_CHUNKS = [
    "".join(CODE_ALPHABET[(v >> (5 * i)) & 31] for i in range(3)) for v in range(1 << 15)
]


def ticket_code(n):
    """Twelve characters of CODE_ALPHABET, distinct for distinct n < 2**60."""
    value = (n * CODE_MULTIPLIER) & ((1 << 60) - 1)
    chunks = CODE_CHUNKS
    return (
        chunks[value & 0x7FFF]
        + chunks[(value >> 15) & 0x7FFF]
        + chunks[(value >> 30) & 0x7FFF]
        + chunks[value >> 45]
    )


def connect(url, **kwargs):
    u = make_url(url)
    return pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.username,
        password=u.password or "",
        database=u.database,
        charset="utf8mb4",
        autocommit=False,
        **kwargs,
    )


def seats_by_layout(cur):
    seats = {}
    cur.execute(
        "SELECT layout_id, id FROM seat WHERE kind <> 'blocked' ORDER BY layout_id, row_no, col_no"
    )
    for layout_id, seat_id in cur.fetchall():
        seats.setdefault(layout_id, array("i")).append(seat_id)
    return seats


def customer_rows(rnd):
    for n in range(1, CUSTOMERS + 1):
        yield (
            n,
            f"1{rnd.choice('3578')}{n:09d}",
            f"用户{n}",
            rnd.random() < 0.02,
            "2024-01-01 00:00:00",
        )


class Loader:
    def __init__(self, cur, rnd, types, sellers, per_occupancy):
        self.cur, self.rnd, self.types, self.sellers = cur, rnd, types, sellers
        self.per_occupancy = per_occupancy  # tickets a show gets, on average, per occupancy()
        self.now = utcnow()
        self.orders, self.tickets = [], []
        self.order_id = self.ticket_no = 0

    def show(self, show_id, cinema_id, starts_at, price, seats):
        rnd = self.rnd
        wanted = int(rnd.random() * 2 * self.per_occupancy * occupancy(starts_at) + 0.5)
        wanted = min(wanted, len(seats))
        if not wanted:
            return 0
        student_price = (price * STUDENT_SHARE).quantize(CENT)
        start = rnd.randrange(len(seats) - wanted + 1)
        run = seats[start : start + wanted]
        while run:
            size = min(len(run), ORDER_SIZES[int(rnd.random() * 6)])
            self.order(show_id, cinema_id, starts_at, price, student_price, run[:size])
            run = run[size:]
        return wanted

    def order(self, show_id, cinema_id, starts_at, price, student_price, seats):
        rnd = self.rnd
        self.order_id += 1
        order_id = self.order_id
        online = rnd.random() < 0.7
        created = starts_at - timedelta(hours=9 + int(rnd.random() * 240))  # UTC, days before
        if created > self.now:  # a coming show: sold so far
            created = self.now - timedelta(minutes=1 + int(rnd.random() * 2880))
        roll = rnd.random()
        status = (
            "refunded"
            if roll < 0.04
            else "awaiting_confirmation"
            if online and roll < 0.042
            else "paid"
        )
        ticket_status = "refunded" if status == "refunded" else "sold"
        live = status != "refunded"
        adult, student = self.types["adult"], self.types["student"]
        amount = 0
        append = self.tickets.append
        for seat_id in seats:
            self.ticket_no += 1
            if rnd.random() < 0.15:
                type_id, ticket_price = student, student_price
            else:
                type_id, ticket_price = adult, price
            amount += ticket_price
            append(
                (
                    order_id,
                    show_id,
                    seat_id,
                    type_id,
                    ticket_price,
                    ticket_status,
                    ticket_code(self.ticket_no),
                    seat_id if live else None,
                )
            )
        self.orders.append(
            (
                order_id,
                f"{'W' if online else 'G'}{created:%y%m%d%H%M}{order_id:08d}",
                cinema_id,
                show_id,
                1 + int(rnd.random() * CUSTOMERS) if online else None,
                "online" if online else "counter",
                status,
                amount,
                created,
                None if status == "awaiting_confirmation" else created,
                f"PAY{order_id:012d}" if online and status != "awaiting_confirmation" else None,
                None if online else self.sellers[int(rnd.random() * len(self.sellers))],
                1,
            )
        )
        if len(self.tickets) >= BATCH:
            self.flush()

    def flush(self):
        """Write the batch and commit it: an interrupted load keeps what it wrote."""
        bulk_insert(self.cur, "ticket_order", ORDER_COLUMNS, self.orders)
        bulk_insert(self.cur, "ticket", TICKET_COLUMNS, self.tickets)
        self.cur.connection.commit()
        self.orders, self.tickets = [], []


def secondary_keys(table):
    """`ALTER TABLE` clauses adding the table's secondary keys, by name, from the models
    (tests/test_migrations.py keeps them equal to the migrations')."""
    import sqlalchemy as sa

    from portal.models import Order, Ticket

    model = {"ticket": Ticket, "ticket_order": Order}[table].__table__
    keys = {i.name: ("UNIQUE KEY" if i.unique else "KEY", i.columns) for i in model.indexes}
    keys.update(
        (c.name, ("UNIQUE KEY", c.columns))
        for c in model.constraints
        if isinstance(c, sa.UniqueConstraint)
    )
    return {
        name: f"ADD {kind} `{name}` ({', '.join(f'`{c.name}`' for c in columns)})"
        for name, (kind, columns) in keys.items()
    }


def existing_keys(cur, table):
    cur.execute(
        "SELECT DISTINCT index_name FROM information_schema.statistics "
        "WHERE table_schema = DATABASE() AND table_name = %s",
        (table,),
    )
    return {row[0] for row in cur.fetchall()}


def drop_keys(cur):
    """Load into the primary keys alone: random ticket codes and order numbers inserted one by
    one into their unique keys (and five more indexes) cost random I/O once the tables outgrow
    the buffer pool. Foreign key checks are off, so the foreign keys' indexes may go too."""
    for table in TABLES:
        names = sorted(existing_keys(cur, table) & set(secondary_keys(table)))
        if names:
            cur.execute(
                f"ALTER TABLE `{table}` " + ", ".join(f"DROP INDEX `{name}`" for name in names)
            )


def add_keys(cur):
    """Build the missing secondary keys, each by one sort (an interrupted load leaves them
    missing; the next run adds them). A duplicate ticket code or live seat fails here."""
    for table in TABLES:
        missing = {
            name: clause
            for name, clause in secondary_keys(table).items()
            if name not in existing_keys(cur, table)
        }
        if missing:
            started = time.monotonic()
            cur.execute(f"ALTER TABLE `{table}` " + ", ".join(missing.values()))
            print(f"{table}: built {len(missing)} keys in {time.monotonic() - started:.0f} s")


def load(url, tickets, seed):
    rnd = random.Random(seed)
    conn = connect(url)
    stream = connect(url, cursorclass=pymysql.cursors.SSCursor)
    with conn.cursor() as cur:
        cur.execute("SET foreign_key_checks=0, unique_checks=0")
        cur.execute("SELECT COUNT(*) FROM customer")
        if not cur.fetchone()[0]:
            bulk_insert(
                cur,
                "customer",
                ("id", "phone", "nickname", "is_blocked", "created_at"),
                customer_rows(rnd),
            )
        # An interrupted load resumes after the last show it committed.
        cur.execute("SELECT COALESCE(MAX(id), 0), COALESCE(MAX(schedule_id), 0) FROM ticket_order")
        last_order, last_show = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM ticket")
        done = cur.fetchone()[0]
        if done < tickets:
            drop_keys(cur)
        seats = seats_by_layout(cur)
        cur.execute("SELECT id, cinema_id FROM hall")
        cinema_of = dict(cur.fetchall())
        cur.execute("SELECT code, id FROM ticket_type")
        types = dict(cur.fetchall())
        cur.execute(
            "SELECT id FROM user WHERE username IN ('bench_admin', 'bench_manager', %s)", (SELLER,)
        )
        sellers = [row[0] for row in cur.fetchall()]
        # The shows still to fill, by day and hour: their summed occupancy() shares out the
        # tickets still to write, so the last show reaches the total.
        cur.execute(
            "SELECT DATE(starts_at), HOUR(starts_at), COUNT(*) FROM schedule "
            "WHERE status = 'on_sale' AND id > %s GROUP BY 1, 2",
            (last_show,),
        )
        weight = sum(
            occupancy(datetime.combine(day, time_of_day(hour))) * count
            for day, hour, count in cur.fetchall()
        )
        loader = Loader(cur, rnd, types, sellers, (tickets - done) / max(weight, 1e-9))
        loader.order_id, loader.ticket_no, written = last_order, done, done
        with (
            stream.cursor() as rows,
            tqdm(total=tickets, initial=done, unit="ticket", desc="tickets", smoothing=0.1) as bar,
        ):
            # The server waits for a reader slowed by the inserts (net_write_timeout).
            rows.execute("SET SESSION net_write_timeout = 3600")
            rows.execute(
                "SELECT id, hall_id, seat_layout_id, starts_at, price FROM schedule "
                "WHERE status = 'on_sale' AND id > %s ORDER BY id",
                (last_show,),
            )
            for show_id, hall_id, layout_id, starts_at, price in rows:
                sold = loader.show(
                    show_id, cinema_of[hall_id], starts_at, price, seats.get(layout_id, ())
                )
                written += sold
                bar.update(sold)
                if written >= tickets:
                    break
        loader.flush()
        conn.commit()
        cur.execute("SET foreign_key_checks=1, unique_checks=1")
        add_keys(cur)
        for table in ("customer", "ticket_order", "ticket"):
            cur.execute(f"ANALYZE TABLE `{table}`")
            cur.fetchall()
    stream.close()
    conn.close()
    return written


def create_seller(url):
    """bench_seller: box office of cinema 1 (the bench manager's), password as the others."""
    from portal.extensions import db
    from portal.models import User
    from portal.services.accounts import create_user

    from .common import bench_app

    app = bench_app(url)
    with app.app_context():
        if db.session.query(User).filter_by(username=SELLER).first() is None:
            create_user(db.session, SELLER, PASSWORD, ["box_office"], [1])
            db.session.commit()
        db.engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=BENCH_URL)
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    started = time.monotonic()
    create_seller(args.url)
    written = load(args.url, args.tickets, args.seed)
    seconds = round(time.monotonic() - started)
    database = make_url(args.url).database
    print(f"loaded {written:,} tickets into {database} in {seconds} s")
    record_load(
        database,
        {
            "at": datetime.now().isoformat(timespec="seconds"),
            "tickets": written,
            "seconds": seconds,
        },
    )


def record_load(database, figures):
    """bench/results/orders_load.json: the latest load of each database (bench.orders_run
    reports the big one's)."""
    LOADS.parent.mkdir(exist_ok=True)
    loads = json.loads(LOADS.read_text()) if LOADS.exists() else {}
    loads[database] = figures
    LOADS.write_text(json.dumps(loads, indent=2) + "\n")


if __name__ == "__main__":
    main()
