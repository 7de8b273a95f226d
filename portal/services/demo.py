"""Idempotent demo data: a small, believable chain to click through."""
import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from .. import access
from ..models import Cinema, City, Hall, Movie, Schedule, User
from .accounts import create_user, sync_permissions
from .cities import parse_cities, upsert_cities
from .demo_posters import seed_posters
from .scheduling import prepare_schedule

CITIES_FILE = Path(__file__).resolve().parent.parent / "data" / "cities.json"
DEMO_PASSWORD = "portal-demo-2026"

CINEMAS = [
    # name, city, address, phone
    ("万达影城（CBD店）", "北京", "朝阳区建国路93号万达广场3层", "010-58205588"),
    ("百老汇电影中心", "北京", "东城区东直门外大街1号", "010-84186890"),
    ("上海影城", "上海", "徐汇区新华路160号", "021-62806088"),
    ("飞扬影城（天河店）", "广州", "天河区天河路208号天河城7楼", "020-85590333"),
]
HALLS = [("1号厅", "IMAX", 14, 24), ("2号厅", "3D", 10, 18), ("3号厅", "2D", 8, 14),
         ("杜比厅", "DOLBY", 12, 20)]
MOVIES = [
    # title, original, director, genres, minutes, released, status, rating
    ("哪吒之魔童闹海", "Ne Zha 2", "饺子", "动画,奇幻", 144, dt.date(2025, 1, 29),
     "showing", "8.5"),
    ("流浪地球2", "The Wandering Earth II", "郭帆", "科幻,冒险", 173, dt.date(2023, 1, 22),
     "showing", "8.3"),
    ("满江红", "Full River Red", "张艺谋", "悬疑,喜剧", 159, dt.date(2023, 1, 22),
     "showing", "7.0"),
    ("封神第一部", "Creation of the Gods I", "乌尔善", "奇幻,动作", 148, dt.date(2023, 7, 20),
     "showing", "7.8"),
    ("热辣滚烫", "YOLO", "贾玲", "剧情,喜剧", 129, dt.date(2024, 2, 10), "offline", "7.7"),
    ("长安三万里", "Chang An", "谢君伟", "动画,历史", 168, dt.date(2023, 7, 8), "showing", "8.1"),
    ("沙丘3", "Dune: Part Three", "Denis Villeneuve", "科幻", 150, dt.date(2026, 12, 18),
     "coming_soon", None),
    ("唐探1900", "Detective Chinatown 1900", "陈思诚", "喜剧,悬疑", 136, dt.date(2025, 1, 29),
     "showing", "7.0"),
]
START_TIMES = (dt.time(10, 0), dt.time(13, 30), dt.time(16, 45), dt.time(20, 0))

DEMO_USERS = [
    # username, role, cinema names
    ("admin", access.PLATFORM_ADMIN, ()),
    ("manager", access.CINEMA_MANAGER, ("万达影城（CBD店）",)),
    ("manager2", access.CINEMA_MANAGER, ("上海影城",)),
    ("editor", access.CONTENT_EDITOR, ()),
    ("auditor", access.AUDITOR, ()),
]


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
            cinema = Cinema(name=name, city=_city(session, city_name), address=address,
                            phone=phone)
            session.add(cinema)
        cinemas[name] = cinema
    session.flush()
    for cinema in cinemas.values():
        existing = {h.name for h in cinema.halls}
        for name, hall_type, rows, cols in HALLS:
            if name not in existing:
                session.add(Hall(cinema=cinema, name=name, hall_type=hall_type, seat_rows=rows,
                                 seat_cols=cols))
    movies = []
    for title, original, director, genres, minutes, released, status, rating in MOVIES:
        movie = session.scalar(select(Movie).where(Movie.title == title))
        if movie is None:
            movie = Movie(title=title, original_title=original, director=director,
                          genres=genres, language="汉语普通话" if original != "Dune: Part Three"
                          else "English", country="中国大陆" if director != "Denis Villeneuve"
                          else "美国", duration_minutes=minutes, release_date=released,
                          status=status, rating=Decimal(rating) if rating else None)
            session.add(movie)
        movies.append(movie)
    seed_posters(movies)
    session.flush()
    if session.scalar(select(Schedule.id).limit(1)) is None:
        _seed_schedules(session, [m for m in movies if m.status == "showing"],
                        today or dt.date.today(), days)
    logins = []
    for username, role, cinema_names in DEMO_USERS:
        if session.scalar(select(User).where(User.username == username)) is None:
            create_user(session, username, password, [role],
                        [cinemas[n].id for n in cinema_names])
        logins.append((username, password, role))
    session.flush()
    return logins


def _seed_schedules(session, movies, today, days):
    halls = session.scalars(select(Hall).order_by(Hall.id)).all()
    for day in range(days):
        date = today + dt.timedelta(days=day)
        for index, hall in enumerate(halls):
            for slot, start in enumerate(START_TIMES):
                movie = movies[(index + slot + day) % len(movies)]
                schedule = Schedule(movie=movie, hall=hall,
                                    starts_at=dt.datetime.combine(date, start),
                                    price=Decimal("39.90") + 10 * (hall.hall_type == "IMAX"),
                                    language_version="国语" if movie.language != "English"
                                    else "英语原版",
                                    status="on_sale")
                prepare_schedule(session, schedule)
                session.add(schedule)
                session.flush()
