"""What the generator and the benchmark share: database URLs, the app, the bench users."""

import os
import statistics

from portal import create_app

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "mysql+pymysql://root@127.0.0.1/portal_bench")
SMALL_URL = os.environ.get(
    "BENCH_SMALL_DATABASE_URL", "mysql+pymysql://root@127.0.0.1/portal_bench_small"
)
PASSWORD = "bench-password-2026"
ADMIN = "bench_admin"
MANAGER = "bench_manager"


def bench_app(url=BENCH_URL, **overrides):
    """The real portal, configured like production but against the bench database."""
    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        SEED_DEMO=False,
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=True,
        **overrides,
    )


def p50_p95(samples, digits=2):
    """The median and the 95th percentile (nearest rank, the largest for few samples) of a
    list of timings, rounded."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return round(statistics.median(ordered), digits), round(p95, digits)
