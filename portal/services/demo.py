"""Idempotent demo data: a small, believable chain to click through."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from .. import access
from ..models import (
    Cinema,
    City,
    Hall,
    Movie,
    PriceCard,
    PriceCardRule,
    Schedule,
    ScreeningRight,
    User,
)
from .accounts import create_user, sync_permissions
from .boxoffice import rebuild as rebuild_box_office
from .cities import parse_cities, upsert_cities
from .demo_posters import seed_posters
from .demo_sales import seed_sales
from .pricing import check_card, seed_ticket_types, ticket_types
from .scheduling import prepare_schedule
from .seating import add_layout, plan_layout
from .selling import local_now

CITIES_FILE = Path(__file__).resolve().parent.parent / "data" / "cities.json"
DEMO_PASSWORD = "portal-demo-2026"

CINEMAS = [
    # name, city, address, phone
    ("万达影城（CBD店）", "北京", "朝阳区建国路93号万达广场3层", "010-58205588"),
    ("百老汇电影中心", "北京", "东城区东直门外大街1号", "010-84186890"),
    ("上海影城", "上海", "徐汇区新华路160号", "021-62806088"),
    ("飞扬影城（天河店）", "广州", "天河区天河路208号天河城7楼", "020-85590333"),
]


def _rows(*parts):
    """Layout lines from (count, line) pairs, front row first."""
    return "\n".join(line for count, line in parts for _ in range(count))


# Realistic halls: aisles, a cross aisle, VIP rows in the sweet spot, couple seats at the
# back, wheelchair places, a broken seat; the IMAX hall seats about 400.
HALLS = [
    # name, type, layout text form, numbering
    (
        "1号厅",
        "IMAX",
        _rows(
            (2, "..SSSS.SSSSSSSSSSSSSS.SSSS.."),
            (5, "SSSSSS.SSSSSSSSSSSSSS.SSSSSS"),
            (1, "............................"),
            (4, "SSSSSS.VVVVVVVVVVVVVV.SSSSSS"),
            (4, "SSSSSS.SSSSSSSSSSSSSS.SSSSSS"),
            (1, "WW..SS.CCCCCCCCCCCCCC.SS..WW"),
        ),
        "ltr",
    ),
    (
        "2号厅",
        "3D",
        _rows(
            (5, "SSS.SSSSSSSSSSSS.SSS"),
            (1, "SSS.VVVVVVVVVVVV.SSS"),
            (1, "SSS.VVVVVVXVVVVV.SSS"),
            (2, "SSS.SSSSSSSSSSSS.SSS"),
            (1, "WSS.CCCCCCCCCCCC.SSW"),
        ),
        "rtl",
    ),
    ("3号厅", "2D", _rows((7, "SSSSSSS.SSSSSSS"), (1, "WSSSSSS.CCCCSSW")), "ltr"),
    (
        "杜比厅",
        "DOLBY",
        _rows(
            (3, "SSSS.SSSSSSSSSSSS.SSSS"),
            (1, "SSSS.SSSSSXSSSSSS.SSSS"),
            (1, "SSSS.SSSSSSSSSSSS.SSSS"),
            (3, "SSSS.VVVVVVVVVVVV.SSSS"),
            (3, "SSSS.SSSSSSSSSSSS.SSSS"),
            (1, "CCCC.CCCCCCCCCCCC.CCCC"),
        ),
        "ltr",
    ),
]
MOVIES = [
    # title, original, director, genres, minutes, released, status, rating
    (
        "哪吒之魔童闹海",
        "Ne Zha 2",
        "饺子",
        "动画,奇幻",
        144,
        dt.date(2025, 1, 29),
        "showing",
        "8.5",
    ),
    (
        "流浪地球2",
        "The Wandering Earth II",
        "郭帆",
        "科幻,冒险",
        173,
        dt.date(2023, 1, 22),
        "showing",
        "8.3",
    ),
    (
        "满江红",
        "Full River Red",
        "张艺谋",
        "悬疑,喜剧",
        159,
        dt.date(2023, 1, 22),
        "showing",
        "7.0",
    ),
    (
        "封神第一部",
        "Creation of the Gods I",
        "乌尔善",
        "奇幻,动作",
        148,
        dt.date(2023, 7, 20),
        "showing",
        "7.8",
    ),
    ("热辣滚烫", "YOLO", "贾玲", "剧情,喜剧", 129, dt.date(2024, 2, 10), "offline", "7.7"),
    ("长安三万里", "Chang An", "谢君伟", "动画,历史", 168, dt.date(2023, 7, 8), "showing", "8.1"),
    (
        "沙丘3",
        "Dune: Part Three",
        "Denis Villeneuve",
        "科幻",
        150,
        dt.date(2026, 12, 18),
        "coming_soon",
        None,
    ),
    (
        "唐探1900",
        "Detective Chinatown 1900",
        "陈思诚",
        "喜剧,悬疑",
        136,
        dt.date(2025, 1, 29),
        "showing",
        "7.0",
    ),
]
START_TIMES = (dt.time(10, 0), dt.time(13, 30), dt.time(16, 45), dt.time(20, 0))
# Distributors' floor prices (最低票价); the demo cards price no ticket below them.
FLOOR_PRICES = {"哪吒之魔童闹海": Decimal("30.00"), "流浪地球2": Decimal("25.00")}
# The demo price card: a price per ticket type, cheaper before noon (matinee), dearer on VIP
# seats; the VIP matinee rule settles the tie between the matinee and the VIP rule.
NOON = dt.time(12, 0)
PRICE_RULES = [
    # ticket type, seat kind, starts before, price
    ("adult", "", None, "50.00"),
    ("student", "", None, "35.00"),
    ("child", "", None, "30.00"),
    ("senior", "", None, "30.00"),
    ("member", "", None, "45.00"),
    ("adult", "", NOON, "35.00"),
    ("adult", "vip", None, "70.00"),
    ("adult", "vip", NOON, "55.00"),
]
PRICED_CINEMAS = ("万达影城（CBD店）", "百老汇电影中心", "上海影城")  # the fourth: hand prices
# Rights run from a month ago for three months; this one ends in three days, with shows
# already scheduled after that (the dashboard flags it).
RIGHT_ENDING_SOON = ("满江红", "万达影城（CBD店）")

DEMO_USERS = [
    # username, role, cinema names
    ("admin", access.PLATFORM_ADMIN, ()),
    ("manager", access.CINEMA_MANAGER, ("万达影城（CBD店）",)),
    ("manager2", access.CINEMA_MANAGER, ("上海影城",)),
    ("editor", access.CONTENT_EDITOR, ()),
    ("auditor", access.AUDITOR, ()),
    ("boxoffice", access.BOX_OFFICE, ("万达影城（CBD店）",)),
]
# Shows of today and tomorrow are sold (the shows after them stay empty for trying a sale).
SOLD_DAYS = 2
# Shows (and their sales) of the last two weeks: the box office has a past to report on.
PAST_DAYS = 14


def _city(session, name):
    return session.scalar(select(City).where(City.name == name).order_by(City.id))


def seed_cities(session):
    return upsert_cities(session, parse_cities(CITIES_FILE.read_text(encoding="utf-8")))


def seed_demo(session, password=DEMO_PASSWORD, today=None, days=7):
    """Create whatever of the demo data is missing; returns the demo logins."""
    seed_cities(session)
    sync_permissions(session)
    cinemas = {}
    for name, city_name, address, phone in CINEMAS:
        cinema = session.scalar(select(Cinema).where(Cinema.name == name))
        if cinema is None:
            cinema = Cinema(name=name, city=_city(session, city_name), address=address, phone=phone)
            session.add(cinema)
        cinemas[name] = cinema
    session.flush()
    for cinema in cinemas.values():
        existing = {h.name for h in cinema.halls}
        for name, hall_type, layout, numbering in HALLS:
            if name not in existing:
                plan = plan_layout(layout, numbering)
                hall = Hall(
                    cinema=cinema,
                    name=name,
                    hall_type=hall_type,
                    seat_rows=plan.row_count,
                    seat_cols=plan.col_count,
                )
                add_layout(session, hall, plan, version=1)
                session.add(hall)
    movies = []
    for title, original, director, genres, minutes, released, status, rating in MOVIES:
        movie = session.scalar(select(Movie).where(Movie.title == title))
        if movie is None:
            movie = Movie(
                title=title,
                original_title=original,
                director=director,
                genres=genres,
                language="汉语普通话" if original != "Dune: Part Three" else "English",
                country="中国大陆" if director != "Denis Villeneuve" else "美国",
                duration_minutes=minutes,
                release_date=released,
                status=status,
                rating=Decimal(rating) if rating else None,
                min_price=FLOOR_PRICES.get(title),
            )
            session.add(movie)
        movies.append(movie)
    seed_posters(movies)
    session.flush()
    today = today or dt.date.today()
    seed_ticket_types(session)
    _seed_price_cards(session, [cinemas[name] for name in PRICED_CINEMAS])
    _seed_rights(session, cinemas.values(), [m for m in movies if m.status == "showing"], today)
    if session.scalar(select(Schedule.id).limit(1)) is None:
        _seed_schedules(session, [m for m in movies if m.status == "showing"], today, days)
        _shorten_one_right(session, cinemas, today)
    logins = []
    for username, role, cinema_names in DEMO_USERS:
        if session.scalar(select(User).where(User.username == username)) is None:
            create_user(
                session,
                username,
                password,
                [role],
                [cinemas[n].id for n in cinema_names],
                email=f"{username}@example.com",
            )  # reset mails print in `make run`
        logins.append((username, password, role))
    session.flush()
    sellers = session.scalars(
        select(User.id).where(User.username.in_(("boxoffice", "manager")))
    ).all()
    seed_sales(
        session,
        today - dt.timedelta(days=PAST_DAYS),
        today + dt.timedelta(days=SOLD_DAYS - 1),
        sellers,
        local_now=local_now(),
    )
    session.flush()
    rebuild_box_office(session)  # the sales above were written in bulk, not sold one by one
    return logins


def _seed_price_cards(session, cinemas):
    types = ticket_types(session)
    for cinema in cinemas:
        if session.scalar(select(PriceCard.id).where(PriceCard.cinema_id == cinema.id)):
            continue
        card = PriceCard(
            cinema=cinema,
            name="标准价目",
            is_active=True,
            rules=[
                PriceCardRule(
                    ticket_type=types[code],
                    seat_kind=kind,
                    starts_before=before,
                    price=Decimal(price),
                )
                for code, kind, before, price in PRICE_RULES
            ],
        )
        check_card(card)
        session.add(card)
    session.flush()


def _seed_rights(session, cinemas, movies, today):
    for cinema in cinemas:
        for movie in movies:
            held = select(ScreeningRight.id).where(
                ScreeningRight.movie_id == movie.id, ScreeningRight.cinema_id == cinema.id
            )
            if session.scalar(held.limit(1)) is None:
                session.add(
                    ScreeningRight(
                        movie=movie,
                        cinema=cinema,
                        starts_on=today - dt.timedelta(days=30),
                        ends_on=today + dt.timedelta(days=90),
                        distributor_share=Decimal("43.00"),
                    )
                )
    session.flush()


def _shorten_one_right(session, cinemas, today):
    title, cinema_name = RIGHT_ENDING_SOON
    right = session.scalar(
        select(ScreeningRight)
        .join(Movie)
        .where(Movie.title == title, ScreeningRight.cinema_id == cinemas[cinema_name].id)
    )
    right.ends_on = today + dt.timedelta(days=3)
    session.flush()


def _seed_schedules(session, movies, today, days):
    halls = session.scalars(select(Hall).order_by(Hall.id)).all()
    for day in range(-PAST_DAYS, days):
        date = today + dt.timedelta(days=day)
        released = [m for m in movies if m.release_date is None or m.release_date <= date]
        if not released:
            continue
        for index, hall in enumerate(halls):
            for slot, start in enumerate(START_TIMES):
                movie = released[(index + slot + day) % len(released)]
                schedule = Schedule(
                    movie=movie,
                    hall=hall,
                    starts_at=dt.datetime.combine(date, start),
                    price=Decimal("39.90") + 10 * (hall.hall_type == "IMAX"),
                    language_version="国语" if movie.language != "English" else "英语原版",
                    status="on_sale",
                )
                prepare_schedule(session, schedule)
                session.add(schedule)
                session.flush()
