"""Fill a MariaDB database with a national chain's data.

    python -m bench.generate                       # 1,000 cinemas ... 2,000,000 schedules
    python -m bench.generate --schedules 10000 --url mysql+pymysql://root@127.0.0.1/portal_bench_small

The schema comes from the migrations (`flask db upgrade`), never `create_all`. Rows go in
with multi-row INSERTs (PyMySQL's executemany), foreign and unique checks off while loading.
Each hall gets five non-overlapping shows a day, so the overlap rule holds in the data, and
version 1 of a seat layout (rows x columns of standard seats, as the migration gives existing
halls): layout id = hall id, so each show's `seat_layout_id` is its hall's id, and the seats
are written by the server itself (INSERT ... SELECT over MariaDB's seq_1_to_N tables).
"""

import argparse
import bisect
import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pymysql
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from tqdm import tqdm

from portal.extensions import db
from portal.models import Cinema, User
from portal.services.accounts import create_user, sync_permissions
from portal.services.cities import parse_cities

from .common import ADMIN, BENCH_URL, MANAGER, PASSWORD, bench_app

CITIES_FILE = Path(__file__).resolve().parent.parent / "portal" / "data" / "cities.json"
BATCH = 5000
SHOW_HOURS = (10, 13, 16, 19, 22)  # a film runs at most 165 min + clean-up: no overlap
RUN_DAYS = 35  # a film plays in cinemas for five weeks from its release date
HALL_TYPES = ("2D", "2D", "2D", "3D", "3D", "IMAX", "4DX", "DOLBY")
GENRES = ("剧情", "喜剧", "动作", "爱情", "科幻", "动画", "悬疑", "惊悚", "冒险", "犯罪", "纪录片")
LANGUAGES = ("国语", "英语", "粤语", "日语", "韩语", "法语")
COUNTRIES = ("中国大陆", "美国", "中国香港", "日本", "韩国", "法国", "英国")
WORDS = (
    "长空",
    "流浪",
    "星辰",
    "大海",
    "孤城",
    "少年",
    "归途",
    "风暴",
    "山河",
    "夜行",
    "烈火",
    "往事",
    "奇迹",
    "边境",
    "深海",
    "白日",
    "追光",
    "无名",
    "破晓",
    "长安",
)
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "长江路")
BRANDS = (
    "万达影城",
    "CGV影城",
    "金逸影城",
    "大地影院",
    "横店电影城",
    "博纳国际影城",
    "UME影城",
    "星美国际影城",
    "耀莱成龙影城",
    "保利国际影城",
)


def ensure_database(url, reset):
    u = make_url(url)
    conn = pymysql.connect(
        host=u.host, port=u.port or 3306, user=u.username, password=u.password or ""
    )
    with conn.cursor() as cur:
        if reset:
            cur.execute(f"DROP DATABASE IF EXISTS `{u.database}`")
        cur.execute(
            f"CREATE DATABASE IF NOT EXISTS `{u.database}` CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci"
        )
    conn.close()


def bulk_insert(cur, table, columns, rows, progress=None):
    """Multi-row INSERTs of `rows` in batches; PyMySQL turns executemany into one statement."""
    cols = ", ".join(f"`{c}`" for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO `{table}` ({cols}) VALUES ({marks})"
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            cur.executemany(sql, batch)
            if progress:
                progress.update(len(batch))
            batch = []
    if batch:
        cur.executemany(sql, batch)
        if progress:
            progress.update(len(batch))


def city_rows():
    return [
        (c["id"], c["name"], c["pinyin"], c["letter"], c["city_code"], c["parent_id"])
        for c in parse_cities(CITIES_FILE.read_text(encoding="utf-8"))
    ]


def cinema_rows(n, city_ids, rnd):
    created = datetime(2020, 1, 1)
    for i in range(1, n + 1):
        brand = BRANDS[i % len(BRANDS)]
        phone = f"0{rnd.randint(10, 99)}-{rnd.randint(10000000, 99999999)}"
        yield (
            i,
            f"{brand}（{rnd.choice(WORDS)}{i}店）",
            rnd.choice(city_ids),
            f"{rnd.choice(STREETS)}{rnd.randint(1, 999)}号",
            phone,
            1,
            created + timedelta(hours=i),
            1,
        )


def hall_rows(cinemas, per_cinema, rnd):
    hall_id = 0
    for cinema_id in range(1, cinemas + 1):
        for k in range(1, per_cinema + 1):
            hall_id += 1
            yield (
                hall_id,
                cinema_id,
                f"{k}号厅",
                HALL_TYPES[(k - 1) % len(HALL_TYPES)],
                rnd.randint(8, 20),
                rnd.randint(12, 30),
                1,
                1,
            )


def movie_rows(n, rnd):
    today = date.today()
    for i in range(1, n + 1):
        title = f"{rnd.choice(WORDS)}{rnd.choice(WORDS)}{'' if i % 3 else '：续集'} {i}"
        release = today - timedelta(days=rnd.randint(-60, 3650))
        if release > today:
            status = "coming_soon"
        else:
            status = "showing" if (today - release).days < RUN_DAYS else "offline"
        yield (
            i,
            title,
            f"Movie {i}",
            f"导演{rnd.randint(1, 3000)}",
            f"演员{rnd.randint(1, 9000)} / 演员{rnd.randint(1, 9000)}",
            "/".join(rnd.sample(GENRES, 2)),
            rnd.choice(LANGUAGES),
            rnd.choice(COUNTRIES),
            rnd.randint(80, 165),
            release,
            status,
            Decimal(rnd.randint(40, 98)) / 10,
            "",
            None,
            1,
        )


def films_playing(movie_list):
    """day -> the ids of films in their run that day (released within RUN_DAYS before it).

    As in a real chain, a day's shows go to the ~150 films in release, not to the whole
    catalogue of 20,000: reports by movie then have as many rows as a real one.
    """
    releases = sorted((m[9], m[0]) for m in movie_list)
    dates = [r[0] for r in releases]
    cache = {}

    def playing(day):
        if day not in cache:
            lo = bisect.bisect_right(dates, day - timedelta(days=RUN_DAYS))
            hi = bisect.bisect_right(dates, day)
            cache[day] = [movie_id for _, movie_id in releases[lo:hi]] or [releases[0][1]]
        return cache[day]

    return playing


def schedule_rows(n, halls, playing, durations, cleanup, rnd):
    """`n` shows: round-robin over halls, five a day per hall, days ending ~10 days ahead."""
    per_hall = -(-n // halls)
    days = -(-per_hall // len(SHOW_HOURS))
    first_day = datetime.combine(date.today() - timedelta(days=days - 10), datetime.min.time())
    made = 0
    for slot in range(per_hall):
        day, show = divmod(slot, len(SHOW_HOURS))
        base = first_day + timedelta(days=day, hours=SHOW_HOURS[show])
        for hall_id in range(1, halls + 1):
            if made >= n:
                return
            made += 1
            movie_id = rnd.choice(playing(base.date()))
            starts = base + timedelta(minutes=rnd.choice((0, 5, 10, 15)))
            ends = starts + timedelta(minutes=durations[movie_id] + cleanup)
            status = (
                "cancelled"
                if rnd.random() < 0.03
                else ("on_sale" if rnd.random() < 0.7 else "scheduled")
            )
            yield (
                made,
                movie_id,
                hall_id,
                starts,
                ends,
                Decimal(rnd.randint(2990, 12990)) / 100,
                rnd.choice(("国语2D", "原版3D", "国语3D", "原版IMAX")),
                status,
                1,
                hall_id,
            )


def layout_rows(halls):
    """Version 1 of each hall's layout, with the hall's id as its own."""
    created = datetime(2020, 1, 1)
    for hall_id, _cinema, _name, _type, rows, cols, _active, _version in halls:
        yield (hall_id, hall_id, 1, created, rows, cols, "ltr", rows * cols)


def load_seats(cur):
    """Every layout's rows x columns of standard seats, numbered left to right."""
    cur.execute(
        "INSERT INTO `seat` (layout_id, row_no, col_no, row_label, seat_label, kind) "
        "SELECT l.id, r.seq, c.seq, r.seq, c.seq, 'standard' FROM `seat_layout` l "
        "JOIN seq_1_to_100 r ON r.seq <= l.row_count "
        "JOIN seq_1_to_100 c ON c.seq <= l.col_count"
    )


def load(url, cinemas, halls_per_cinema, movies, schedules, seed, cleanup):
    rnd = random.Random(seed)
    u = make_url(url)
    conn = pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.username,
        password=u.password or "",
        database=u.database,
        charset="utf8mb4",
        autocommit=False,
    )
    halls = cinemas * halls_per_cinema
    with conn.cursor() as cur:
        cur.execute("SET foreign_key_checks=0, unique_checks=0")
        rows = city_rows()
        bulk_insert(cur, "city", ("id", "name", "pinyin", "letter", "city_code", "parent_id"), rows)
        city_ids = [r[0] for r in rows]
        bulk_insert(
            cur,
            "cinema",
            ("id", "name", "city_id", "address", "phone", "is_active", "created_at", "version"),
            cinema_rows(cinemas, city_ids, rnd),
        )
        hall_list = list(hall_rows(cinemas, halls_per_cinema, rnd))
        bulk_insert(
            cur,
            "hall",
            (
                "id",
                "cinema_id",
                "name",
                "hall_type",
                "seat_rows",
                "seat_cols",
                "is_active",
                "version",
            ),
            hall_list,
        )
        bulk_insert(
            cur,
            "seat_layout",
            (
                "id",
                "hall_id",
                "version",
                "created_at",
                "row_count",
                "col_count",
                "numbering",
                "capacity",
            ),
            layout_rows(hall_list),
        )
        load_seats(cur)
        movie_list = list(movie_rows(movies, rnd))
        durations = {m[0]: m[8] for m in movie_list}
        bulk_insert(
            cur,
            "movie",
            (
                "id",
                "title",
                "original_title",
                "director",
                "cast",
                "genres",
                "language",
                "country",
                "duration_minutes",
                "release_date",
                "status",
                "rating",
                "synopsis",
                "poster",
                "version",
            ),
            movie_list,
        )
        conn.commit()
        with tqdm(total=schedules, unit="row", desc="schedule", smoothing=0.1) as bar:
            bulk_insert(
                cur,
                "schedule",
                (
                    "id",
                    "movie_id",
                    "hall_id",
                    "starts_at",
                    "ends_at",
                    "price",
                    "language_version",
                    "status",
                    "version",
                    "seat_layout_id",
                ),
                schedule_rows(schedules, halls, films_playing(movie_list), durations, cleanup, rnd),
                bar,
            )
        conn.commit()
        cur.execute("SET foreign_key_checks=1, unique_checks=1")
        for table in ("city", "cinema", "hall", "seat_layout", "seat", "movie", "schedule"):
            cur.execute(f"ANALYZE TABLE `{table}`")
            cur.fetchall()
    conn.close()


def create_bench_users(session):
    """A platform admin and a cinema manager of one cinema (the first)."""
    for name, role, cinema_ids in (
        (ADMIN, "platform_admin", ()),
        (MANAGER, "cinema_manager", (1,)),
    ):
        if session.query(User).filter_by(username=name).first() is None:
            create_user(session, name, PASSWORD, [role], list(cinema_ids))
    session.commit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=BENCH_URL)
    parser.add_argument("--cinemas", type=int, default=1000)
    parser.add_argument("--halls-per-cinema", type=int, default=8)
    parser.add_argument("--movies", type=int, default=20000)
    parser.add_argument("--schedules", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="do not drop the database first (fails if it holds rows)",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    ensure_database(args.url, reset=not args.keep)
    app = bench_app(args.url)
    with app.app_context():
        upgrade()
        sync_permissions(db.session)
        db.session.commit()
        cleanup = app.config["SCHEDULE_CLEANUP_MINUTES"]
        db.session.remove()
    load(
        args.url,
        args.cinemas,
        args.halls_per_cinema,
        args.movies,
        args.schedules,
        args.seed,
        cleanup,
    )
    with app.app_context():
        create_bench_users(db.session)
        assert db.session.get(Cinema, 1) is not None
        db.engine.dispose()
    print(
        f"loaded {args.schedules:,} schedules into {make_url(args.url).database} "
        f"in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
