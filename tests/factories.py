"""Small factories for test data: sensible defaults, override what the test is about."""
import datetime as dt
import itertools
from decimal import Decimal

from portal.models import Cinema, City, Hall, Movie, Role, Schedule, User

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


class Factory:
    def __init__(self, session):
        self.session = session

    def _save(self, obj):
        self.session.add(obj)
        self.session.commit()
        return obj

    def city(self, **kw):
        n = next(_seq)
        kw.setdefault("name", f"城市{n}")
        kw.setdefault("pinyin", f"CHENGSHI{n}")
        kw.setdefault("letter", "C")
        kw.setdefault("city_code", 100000 + n)
        return self._save(City(**kw))

    def cinema(self, **kw):
        n = next(_seq)
        if "city" not in kw and "city_id" not in kw:
            kw["city"] = self.city()
        kw.setdefault("name", f"影城{n}")
        kw.setdefault("address", f"人民路{n}号")
        return self._save(Cinema(**kw))

    def hall(self, **kw):
        n = next(_seq)
        if "cinema" not in kw and "cinema_id" not in kw:
            kw["cinema"] = self.cinema()
        kw.setdefault("name", f"{n}号厅")
        kw.setdefault("hall_type", "2D")
        kw.setdefault("seat_rows", 10)
        kw.setdefault("seat_cols", 12)
        return self._save(Hall(**kw))

    def movie(self, **kw):
        n = next(_seq)
        kw.setdefault("title", f"电影{n}")
        kw.setdefault("duration_minutes", 120)
        kw.setdefault("status", "showing")
        kw.setdefault("release_date", dt.date(2020, 1, 1))
        return self._save(Movie(**kw))

    def schedule(self, **kw):
        from portal.services.scheduling import compute_ends_at
        if "hall" not in kw:
            kw["hall"] = self.hall()
        if "movie" not in kw:
            kw["movie"] = self.movie()
        kw.setdefault("starts_at", dt.datetime(2030, 1, 1, 10, 0) +
                      dt.timedelta(days=next(_seq)))
        kw.setdefault("price", Decimal("45.00"))
        kw.setdefault("status", "scheduled")
        kw.setdefault("ends_at", compute_ends_at(kw["movie"], kw["starts_at"]))
        return self._save(Schedule(**kw))

    def user(self, role=None, cinemas=(), password=PASSWORD, **kw):
        n = next(_seq)
        kw.setdefault("username", f"{role or 'user'}{n}")
        roles = [r for r in [self.session.query(Role).filter_by(code=role).one()] if role] \
            if role else []
        user = User(roles=roles, cinemas=list(cinemas), is_active=kw.pop("is_active", True), **kw)
        user.set_password(password)
        return self._save(user)
