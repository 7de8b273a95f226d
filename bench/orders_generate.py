"""Add customers, orders and tickets (~5M) to a database made by bench.generate.

    python -m bench.generate --url mysql+pymysql://root@127.0.0.1/portal_bench_orders
    python -m bench.orders_generate --url mysql+pymysql://root@127.0.0.1/portal_bench_orders

Shows on sale get tickets in proportion to their occupancy (services/demo_sales.occupancy:
evenings and weekends fuller), as runs of adjacent seats split into orders of 1-4; 70% of
orders come online from 200,000 customers, 4% are refunded (their seats free again), a few
online payments await confirmation. Rows go in with multi-row INSERTs (PyMySQL executemany),
foreign and unique checks off while loading; ticket codes are a bijection of the ticket's
number (unique without a check), order numbers carry the order's id.
"""
import argparse
import random
import time
from array import array
from datetime import timedelta
from decimal import Decimal

import pymysql
import pymysql.cursors
from sqlalchemy.engine import make_url
from tqdm import tqdm

from portal.services.demo_sales import occupancy
from portal.services.selling import CODE_ALPHABET

from .common import BENCH_URL, PASSWORD
from .generate import BATCH, bulk_insert

CUSTOMERS = 200_000
MEAN_OCCUPANCY = 0.26  # occupancy() averaged over the bench's show times, less the cap
CODE_MULTIPLIER = 0x9E3779B97F4A7C1  # odd: n -> n * M mod 2**60 is a bijection
ORDER_COLUMNS = ("id", "order_no", "cinema_id", "schedule_id", "customer_id", "channel",
                 "status", "amount", "created_at", "paid_at", "payment_ref", "sold_by_user_id",
                 "version")
TICKET_COLUMNS = ("order_id", "schedule_id", "seat_id", "ticket_type_id", "price", "status",
                  "code", "live_seat_id")
SELLER = "bench_seller"


def ticket_code(n):
    """Twelve characters of CODE_ALPHABET, distinct for distinct n < 2**60."""
    value = (n * CODE_MULTIPLIER) % (1 << 60)
    return "".join(CODE_ALPHABET[(value >> (5 * i)) & 31] for i in range(12))


def connect(url, **kwargs):
    u = make_url(url)
    return pymysql.connect(host=u.host, port=u.port or 3306, user=u.username,
                           password=u.password or "", database=u.database, charset="utf8mb4",
                           autocommit=False, **kwargs)


def seats_by_layout(cur):
    seats = {}
    cur.execute("SELECT layout_id, id FROM seat WHERE kind <> 'blocked' "
                "ORDER BY layout_id, row_no, col_no")
    for layout_id, seat_id in cur.fetchall():
        seats.setdefault(layout_id, array("i")).append(seat_id)
    return seats


def customer_rows(rnd):
    for n in range(1, CUSTOMERS + 1):
        yield (n, f"1{rnd.choice('3578')}{n:09d}", f"用户{n}", rnd.random() < 0.02,
               "2024-01-01 00:00:00")


class Loader:
    def __init__(self, cur, rnd, types, sellers, per_show):
        self.cur, self.rnd, self.types, self.sellers = cur, rnd, types, sellers
        self.per_show = per_show
        self.orders, self.tickets = [], []
        self.order_id = self.ticket_no = 0

    def show(self, show_id, cinema_id, starts_at, price, seats):
        rnd = self.rnd
        wanted = int(rnd.random() * 2 * self.per_show * occupancy(starts_at) / MEAN_OCCUPANCY
                     + 0.5)
        wanted = min(wanted, len(seats))
        if not wanted:
            return 0
        start = rnd.randrange(len(seats) - wanted + 1)
        run = seats[start:start + wanted]
        while run:
            size = min(len(run), rnd.choice((1, 2, 2, 2, 3, 4)))
            self.order(show_id, cinema_id, starts_at, price, run[:size])
            run = run[size:]
        return wanted

    def order(self, show_id, cinema_id, starts_at, price, seats):
        rnd = self.rnd
        self.order_id += 1
        online = rnd.random() < 0.7
        created = starts_at - timedelta(hours=8 + rnd.randint(1, 240))  # UTC, days before
        roll = rnd.random()
        status = "refunded" if roll < 0.04 else "awaiting_confirmation" \
            if online and roll < 0.042 else "paid"
        amount = Decimal("0.00")
        for seat_id in seats:
            self.ticket_no += 1
            student = rnd.random() < 0.15
            ticket_price = (price * Decimal("0.7")).quantize(Decimal("0.01")) if student \
                else price
            amount += ticket_price
            self.tickets.append((self.order_id, show_id, seat_id,
                                 self.types["student" if student else "adult"], ticket_price,
                                 "refunded" if status == "refunded" else "sold",
                                 ticket_code(self.ticket_no),
                                 None if status == "refunded" else seat_id))
        self.orders.append((
            self.order_id,
            f"{'W' if online else 'G'}{created:%y%m%d%H%M}{self.order_id:08d}", cinema_id,
            show_id, rnd.randint(1, CUSTOMERS) if online else None,
            "online" if online else "counter", status, amount, created,
            None if status == "awaiting_confirmation" else created,
            f"PAY{self.order_id:012d}" if online and status != "awaiting_confirmation"
            else None, None if online else rnd.choice(self.sellers), 1))
        if len(self.tickets) >= BATCH:
            self.flush()

    def flush(self):
        """Write the batch and commit it: an interrupted load keeps what it wrote."""
        bulk_insert(self.cur, "ticket_order", ORDER_COLUMNS, self.orders)
        bulk_insert(self.cur, "ticket", TICKET_COLUMNS, self.tickets)
        self.cur.connection.commit()
        self.orders, self.tickets = [], []


def load(url, tickets, seed):
    rnd = random.Random(seed)
    conn = connect(url)
    stream = connect(url, cursorclass=pymysql.cursors.SSCursor)
    with conn.cursor() as cur:
        cur.execute("SET foreign_key_checks=0, unique_checks=0")
        cur.execute("SELECT COUNT(*) FROM customer")
        if not cur.fetchone()[0]:
            bulk_insert(cur, "customer", ("id", "phone", "nickname", "is_blocked",
                                          "created_at"), customer_rows(rnd))
        # An interrupted load resumes after the last show it committed.
        cur.execute("SELECT COALESCE(MAX(id), 0), COALESCE(MAX(schedule_id), 0) "
                    "FROM ticket_order")
        last_order, last_show = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM ticket")
        done = cur.fetchone()[0]
        seats = seats_by_layout(cur)
        cur.execute("SELECT id, cinema_id FROM hall")
        cinema_of = dict(cur.fetchall())
        cur.execute("SELECT code, id FROM ticket_type")
        types = dict(cur.fetchall())
        cur.execute("SELECT id FROM user WHERE username IN ('bench_admin', 'bench_manager', "
                    "%s)", (SELLER,))
        sellers = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT COUNT(*) FROM schedule WHERE status = 'on_sale'")
        shows = cur.fetchone()[0]
        loader = Loader(cur, rnd, types, sellers, tickets / max(shows, 1))
        loader.order_id, loader.ticket_no, written = last_order, done, done
        with stream.cursor() as rows, tqdm(total=tickets, initial=done, unit="ticket",
                                           desc="tickets", smoothing=0.1) as bar:
            # The server waits for a reader slowed by the inserts (net_write_timeout).
            rows.execute("SET SESSION net_write_timeout = 3600")
            rows.execute("SELECT id, hall_id, seat_layout_id, starts_at, price FROM schedule "
                         "WHERE status = 'on_sale' AND id > %s ORDER BY id", (last_show,))
            for show_id, hall_id, layout_id, starts_at, price in rows:
                sold = loader.show(show_id, cinema_of[hall_id], starts_at, price,
                                   seats.get(layout_id, ()))
                written += sold
                bar.update(sold)
                if written >= tickets:
                    break
        loader.flush()
        conn.commit()
        cur.execute("SET foreign_key_checks=1, unique_checks=1")
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
    parser.add_argument("--url", default=BENCH_URL.replace("portal_bench", "portal_bench_orders"))
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    started = time.monotonic()
    create_seller(args.url)
    written = load(args.url, args.tickets, args.seed)
    print(f"loaded {written:,} tickets into {make_url(args.url).database} "
          f"in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
