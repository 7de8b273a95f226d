"""Measure selling at ~5M tickets (issue 16).

    python -m bench.orders_run          # prints the figures, writes bench/results/orders.json

On the database bench.orders_generate filled (BENCH_ORDERS_DATABASE_URL, default
BENCH_DATABASE_URL, portal_bench: 2M shows, ~5M tickets):
- a show's seat map (/admin/schedule/seats/?id=) and the order list (/admin/order/), as the
  platform admin and as the manager of cinema 1: SQL queries of the page's own (the sign-in's
  two subtracted) and p50 against a hand-written one-query floor page, requests interleaved;
- a 4-seat counter sale (services.selling.sell_at_counter: show lock, checks, INSERTs; rolled
  back) at 5M tickets against the same at ~10k (BENCH_ORDERS_SMALL_DATABASE_URL), alternating;
- sales per second under gunicorn (2 sync workers) with 8 concurrent sellers, each selling
  single seats of its own show through the real sale form (CSRF on).
"""

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from flask import Blueprint, render_template_string, request
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from portal.extensions import db
from portal.models import Hall, Schedule, SchedulePrice, Seat, Ticket, TicketType, User
from portal.services import selling

from .app import FLOOR_TEMPLATE, build_app
from .common import ADMIN, BENCH_URL, MANAGER, PASSWORD, bench_app
from .run import QueryCounter, interleaved, wait_for

ORDERS_URL = os.environ.get("BENCH_ORDERS_DATABASE_URL", BENCH_URL)
ORDERS_SMALL_URL = os.environ.get(
    "BENCH_ORDERS_SMALL_DATABASE_URL", "mysql+pymysql://root@127.0.0.1/portal_bench_orders_small"
)
RESULTS = Path(__file__).resolve().parent / "results"
SELLERS = 8
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(app, username):
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}
    )
    assert response.status_code == 302, f"could not sign in as {username}"
    return client


def http_sign_in(base, username=ADMIN):
    """A urllib opener signed in through the login form (its own cookie jar)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = CSRF_RE.search(opener.open(f"{base}/login").read().decode()).group(1)
    opener.open(
        f"{base}/login",
        urllib.parse.urlencode(
            {"csrf_token": token, "username": username, "password": PASSWORD}
        ).encode(),
    ).read()
    return opener


FLOOR_SEAT_MAP = text(
    "SELECT s.id, s.row_no, s.col_no, s.row_label, s.seat_label, s.kind, t.id AS sold "
    "FROM schedule sc JOIN seat s ON s.layout_id = sc.seat_layout_id "
    "LEFT JOIN ticket t ON t.schedule_id = sc.id AND t.live_seat_id = s.id "
    "WHERE sc.id = :id ORDER BY s.row_no, s.col_no"
)
FLOOR_ORDERS = (
    "SELECT {hint} o.order_no, o.created_at, c.name, m.title, sc.starts_at, o.channel, "
    "o.status, o.amount, cu.phone FROM ticket_order o "
    "JOIN cinema c ON c.id = o.cinema_id JOIN schedule sc ON sc.id = o.schedule_id "
    "JOIN movie m ON m.id = sc.movie_id LEFT JOIN customer cu ON cu.id = o.customer_id "
    "{where} ORDER BY o.created_at DESC, o.id DESC LIMIT 25"
)


def add_selling_floor(app):
    bp = Blueprint("selling_floor", __name__)

    @bp.route("/floor/seatmap/<int:show_id>")
    def seat_map(show_id):
        result = db.session.execute(FLOOR_SEAT_MAP, {"id": show_id})
        return render_template_string(
            FLOOR_TEMPLATE, name="seats", columns=list(result.keys()), rows=result.all()
        )

    @bp.route("/floor/orders")
    def orders():
        cinema_id = request.args.get("cinema", 0, type=int)
        sql = FLOOR_ORDERS.format(
            hint="STRAIGHT_JOIN" if not cinema_id else "",
            where="WHERE o.cinema_id = :cinema" if cinema_id else "",
        )
        result = db.session.execute(text(sql), {"cinema": cinema_id})
        return render_template_string(
            FLOOR_TEMPLATE, name="orders", columns=list(result.keys()), rows=result.all()
        )

    app.register_blueprint(bp)


def coming_shows(count, cinema_id=None, offset=0, sold=True):
    """Shows on sale starting from tomorrow (with tickets when `sold`), in cinema
    `cinema_id` if given."""
    query = select(Schedule.id).where(
        Schedule.status == "on_sale", Schedule.starts_at > datetime.now() + timedelta(days=1)
    )
    if cinema_id:
        query = query.where(
            Schedule.hall_id.in_(select(Hall.id).where(Hall.cinema_id == cinema_id))
        )
    if sold:
        query = query.where(select(Ticket.id).where(Ticket.schedule_id == Schedule.id).exists())
    return db.session.scalars(query.order_by(Schedule.starts_at).offset(offset).limit(count)).all()


def ensure_prices(show_ids):
    """The bench loads shows without price lists: give these their one price (adult standard)."""
    adult = db.session.scalar(select(TicketType.id).where(TicketType.code == "adult"))
    for show_id in show_ids:
        if db.session.get(SchedulePrice, (show_id, adult, "standard")) is None:
            price = db.session.scalar(select(Schedule.price).where(Schedule.id == show_id))
            db.session.add(
                SchedulePrice(
                    schedule_id=show_id, ticket_type_id=adult, seat_kind="standard", price=price
                )
            )
    db.session.commit()


def free_seats(show_id):
    layout = db.session.scalar(select(Schedule.seat_layout_id).where(Schedule.id == show_id))
    sold = selling.sold_seat_ids(db.session, show_id)
    return [
        s
        for s in db.session.scalars(
            select(Seat.id).where(Seat.layout_id == layout).order_by(Seat.id)
        )
        if s not in sold
    ]


def measure_pages(reps):
    """Requests run outside any app context of ours: each gets its own, as under a server
    (a shared one would keep the first user signed in for every client)."""
    app = build_app(ORDERS_URL)
    add_selling_floor(app)
    with app.app_context():
        counter = QueryCounter(db.engine)
        admin_show = coming_shows(1, sold=False)[0]
        manager_show = coming_shows(1, cinema_id=1, sold=False)[0]
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
    rows = []
    for user, show, cinema in ((ADMIN, admin_show, 0), (MANAGER, manager_show, 1)):
        client = sign_in(app, user)
        client.get("/bench/session")
        counter.count = 0
        client.get("/bench/session")
        overhead = counter.count
        floor_orders = f"/floor/orders?cinema={cinema}" if cinema else "/floor/orders"
        for page, url, floor in (
            ("seat map", f"/admin/schedule/seats/?id={show}", f"/floor/seatmap/{show}"),
            ("order list", "/admin/order/", floor_orders),
        ):
            client.get(url)
            counter.count = 0
            assert client.get(url).status_code == 200, url
            queries = counter.count - overhead
            portal_ms, floor_ms = interleaved([(client, url), (client, floor)], reps)
            rows.append(
                {
                    "user": user,
                    "page": page,
                    "url": url,
                    "queries": queries,
                    "p50_ms": portal_ms,
                    "floor_p50_ms": floor_ms,
                    "floor_ratio": round(portal_ms / floor_ms, 2),
                }
            )
    with app.app_context():
        db.engine.dispose()
    return tickets, rows


class SaleProbe:
    """A 4-seat counter sale on one database, rolled back each time."""

    def __init__(self, url, offset):
        self.app = bench_app(url)
        with self.app.app_context():
            self.show = coming_shows(1, offset=offset, sold=False)[0]
            ensure_prices([self.show])
            self.seats = [str(s) for s in free_seats(self.show)[:4]]
            self.user = db.session.scalar(select(User.id).where(User.username == ADMIN))
            self.tickets = db.session.scalar(select(func.count()).select_from(Ticket))

    def once(self):
        with self.app.test_request_context():
            started = time.perf_counter()
            selling.sell_at_counter(
                db.session, self.show, self.seats, {}, self.user, uuid.uuid4().hex
            )
            elapsed = (time.perf_counter() - started) * 1000
            db.session.rollback()
            db.session.remove()
        return elapsed


def measure_sales(reps):
    big, small = SaleProbe(ORDERS_URL, 3), SaleProbe(ORDERS_SMALL_URL, 3)
    times = {"big": [], "small": []}
    for probe in (big, small):
        probe.once()
    for _ in range(reps):
        times["big"].append(big.once())
        times["small"].append(small.once())
    p50 = {k: round(statistics.median(v), 2) for k, v in times.items()}
    return {
        "tickets_big": big.tickets,
        "tickets_small": small.tickets,
        "p50_ms_big": p50["big"],
        "p50_ms_small": p50["small"],
        "ratio": round(p50["big"] / p50["small"], 2),
    }


def seller(base, show):
    """A signed-in seller at a show's seat map: (opener, the sale form's CSRF token)."""
    opener = http_sign_in(base)
    page = opener.open(f"{base}/admin/schedule/seats/?id={show}").read().decode()
    return opener, CSRF_RE.search(page).group(1)


def seller_loop(base, show, seats, signed_in, stop, results):
    opener, token = signed_in
    sold = refused = errors = 0
    for seat in seats:
        if time.time() >= stop:
            break
        data = urllib.parse.urlencode(
            {"csrf_token": token, "seat": seat, "sale_token": uuid.uuid4().hex}
        ).encode()
        try:
            response = opener.open(f"{base}/admin/schedule/seats/sell/?id={show}", data)
            response.read()
            if "/admin/order/tickets/" in response.geturl():
                sold += 1
            else:
                refused += 1
        except OSError:
            errors += 1
    results.append((sold, refused, errors))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure_gunicorn(seconds):
    port = free_port()
    app = bench_app(ORDERS_URL)
    with app.app_context():
        shows = coming_shows(SELLERS, offset=20, sold=False)
        ensure_prices(shows)
        seats = {show: free_seats(show) for show in shows}
        db.engine.dispose()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BENCH_DATABASE_URL=ORDERS_URL)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.serve:app",
        ],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        wait_for(base)
        sellers = {show: seller(base, show) for show in shows}
        results = []
        started = time.time()
        stop = started + seconds
        threads = [
            threading.Thread(
                target=seller_loop, args=(base, show, seats[show], sellers[show], stop, results)
            )
            for show in shows
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    sold = sum(r[0] for r in results)
    return {
        "sellers": SELLERS,
        "seconds": round(elapsed, 1),
        "sales": sold,
        "refused": sum(r[1] for r in results),
        "errors": sum(r[2] for r in results),
        "sales_per_second": round(sold / elapsed, 1),
    }


def targets(report):
    """Issue 16's bench targets: measured, goal, met."""
    pages = report["pages"]
    rows = [
        ("tickets", report["tickets"], 4_500_000, report["tickets"] >= 4_500_000),
        (
            "queries_per_page",
            max(p["queries"] for p in pages),
            3,
            all(p["queries"] <= 3 for p in pages),
        ),
        (
            "floor_ratio",
            max(p["floor_ratio"] for p in pages),
            3,
            all(p["floor_ratio"] <= 3 for p in pages),
        ),
        ("sale_ratio", report["sale"]["ratio"], 1.3, report["sale"]["ratio"] <= 1.3),
    ]
    if "gunicorn" in report:
        g = report["gunicorn"]
        rows.append(
            (
                "sales_per_second",
                g["sales_per_second"],
                "measured",
                g["errors"] == 0 and g["sales"] > 0,
            )
        )
    return [
        {"target": name, "measured": measured, "goal": goal, "met": met}
        for name, measured, goal, met in rows
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--skip-gunicorn", action="store_true")
    args = parser.parse_args(argv)
    tickets, pages = measure_pages(args.reps)
    report = {
        "at": datetime.now().isoformat(timespec="seconds"),
        "tickets": tickets,
        "pages": pages,
        "sale": measure_sales(args.reps),
    }
    if not args.skip_gunicorn:
        report["gunicorn"] = measure_gunicorn(args.seconds)
    loads_file = RESULTS / "orders_load.json"
    loads = json.loads(loads_file.read_text()) if loads_file.exists() else {}
    report["load"] = loads.get(make_url(ORDERS_URL).database)
    report["targets"] = targets(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "orders.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
