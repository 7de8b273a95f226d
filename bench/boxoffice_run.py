"""Measure the box office at ~5M tickets (issue 17).

    python -m bench.boxoffice_run [--month 2026-11] [--reps 20]

On the database bench.orders_generate filled (BENCH_DATABASE_URL, default portal_bench:
2M shows, ~5M tickets), upgraded to 0012 (whose migrations fill box_office_show and
box_office_rollup; or run `flask rebuild-box-office`):
- a month's chain-wide report by movie (platform admin), a cinema's month by day (the manager
  of cinema 1), and the dashboard of both: SQL queries per page (the sign-in's two included),
  p50 and p95 of the page and of the report's own queries (services.boxoffice_reports);
- the baseline: a hand-written func.sum over the tickets of the same month (tickets, gross,
  refunded tickets, refunds; one period, not the report's two), p50 of a few runs.
Writes bench/results/boxoffice.json.
"""

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Hall, Order, Schedule, Ticket
from portal.services import boxoffice_reports as reports
from portal.services.boxoffice import COUNTED_ORDER_STATUSES

from .common import ADMIN, BENCH_URL, MANAGER, bench_app, p50_p95
from .run import QueryCounter, sign_in

RESULTS = Path(__file__).resolve().parent / "results"


def timed(call, reps):
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    p50, p95 = p50_p95(samples, digits=1)
    return {"p50_ms": p50, "p95_ms": p95, "runs": reps}


def page(counter, client, url, reps):
    before = counter.count
    assert client.get(url).status_code == 200, url
    queries = counter.count - before

    def get():
        assert client.get(url).status_code == 200, url

    return {"url": url, "queries": queries, **timed(get, reps)}


def baseline(session, first, last, group, cinema_id=None):
    """The hand-written floor: the figures summed over the tickets themselves."""
    refunded = Ticket.status == "refunded"
    key = Schedule.movie_id if group == "movie" else func.date(Schedule.starts_at)
    query = (
        select(
            key,
            func.count(Ticket.id),
            func.sum(Ticket.price),
            func.sum(sa.case((refunded, 1), else_=0)),
            func.sum(sa.case((refunded, Ticket.price), else_=0)),
        )
        .join(Schedule, Schedule.id == Ticket.schedule_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(
            Schedule.starts_at >= dt.datetime.combine(first, dt.time()),
            Schedule.starts_at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()),
            Order.status.in_(COUNTED_ORDER_STATUSES),
        )
        .group_by(key)
    )
    if cinema_id is not None:
        query = query.join(Hall, Hall.id == Schedule.hall_id).where(Hall.cinema_id == cinema_id)
    return session.execute(query).all()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=BENCH_URL)
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--baseline-reps", type=int, default=3)
    args = parser.parse_args()
    app = bench_app(args.url)
    period = reports.resolve_period("month", dt.date.today(), month=args.month)
    month = f"/admin/boxoffice/?period=month&month={args.month}"
    admin, manager = sign_in(app, ADMIN), sign_in(app, MANAGER)
    with app.app_context():
        counter = QueryCounter(db.engine)
    results = {"database": args.url.rsplit("@", 1)[-1], "month": args.month}
    with app.app_context():
        results["tickets"] = db.session.scalar(select(func.count(Ticket.id)))
        results["box_office_rows"] = db.session.scalar(
            sa.text("SELECT COUNT(*) FROM box_office_show")
        )
        results["box_office_rollup_rows"] = db.session.scalar(
            sa.text("SELECT COUNT(*) FROM box_office_rollup")
        )
    results["pages"] = {
        "chain_month_by_movie": page(counter, admin, f"{month}&group=movie", args.reps),
        "cinema_month_by_day": page(counter, manager, f"{month}&group=day", args.reps),
        "dashboard_admin": page(counter, admin, "/admin/", args.reps),
        "dashboard_manager": page(counter, manager, "/admin/", args.reps),
    }
    with app.test_request_context():
        session = db.session
        results["report_queries_only"] = {
            "chain_month_by_movie": timed(
                lambda: reports.build_report(session, period, "movie", None), args.reps
            ),
            "cinema_month_by_day": timed(
                lambda: reports.build_report(session, period, "day", frozenset({1})), args.reps
            ),
        }
        results["baseline_func_sum_over_tickets"] = {
            "chain_month_by_movie": timed(
                lambda: baseline(session, period.start, period.end, "movie"), args.baseline_reps
            ),
            "cinema_month_by_day": timed(
                lambda: baseline(session, period.start, period.end, "day", 1), args.baseline_reps
            ),
        }
    for name in ("chain_month_by_movie", "cinema_month_by_day"):
        base = results["baseline_func_sum_over_tickets"][name]["p50_ms"]
        results.setdefault("speedup_p50", {})[name] = {
            "page": round(base / results["pages"][name]["p50_ms"], 1),
            "report_queries": round(base / results["report_queries_only"][name]["p50_ms"], 1),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "boxoffice.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
