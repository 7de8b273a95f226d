"""Small factories for test data: sensible defaults, override what the test is about."""

import datetime as dt
import itertools
from decimal import Decimal

from portal.models import (
    Cinema,
    City,
    Customer,
    Hall,
    Movie,
    Order,
    PriceCard,
    PriceCardRule,
    Role,
    Schedule,
    SchedulePrice,
    ScreeningRight,
    Ticket,
    TicketType,
    User,
)

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)
# Shows fall on distinct days from 2030 on, wrapping after ~49 years so that a long run (whose
# names count past 20,000) stays inside ALWAYS.
_show_days = itertools.count(1)
SHOW_DAYS = 18_000
# A right wide enough for any show a test schedules, for tests about other rules.
ALWAYS = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))


def grant_covering_right(session, movie, cinema):
    """Let `cinema` show `movie` on any day a test uses, unless a right of it exists already
    (tests of other rules schedule films their cinemas hold the rights to)."""
    held = session.query(ScreeningRight).filter_by(movie_id=movie.id, cinema_id=cinema.id)
    if held.first() is None:
        session.add(
            ScreeningRight(
                movie_id=movie.id,
                cinema_id=cinema.id,
                starts_on=ALWAYS[0],
                ends_on=ALWAYS[1],
                distributor_share=Decimal("43.00"),
            )
        )
        session.commit()


def sell_first_seats(session, show, count, token):
    """A paid counter sale of the show's first `count` sellable seats, committed."""
    from sqlalchemy import select

    from portal.models import Seat
    from portal.services import selling

    seats = session.scalars(
        select(Seat.id)
        .where(Seat.layout_id == show.seat_layout_id, Seat.kind != "blocked")
        .order_by(Seat.id)
        .limit(count)
    ).all()
    selling.sell_at_counter(session, show.id, [str(s) for s in seats], {}, None, token)
    session.commit()


def ticket_type(session, code):
    return session.query(TicketType).filter_by(code=code).one()


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

    def schedule(self, right=True, **kw):
        """A show as stored (no rule applied), with its one price as the adult standard
        price and, unless `right=False`, a screening right covering it."""
        from portal.services.scheduling import compute_ends_at

        if "hall" not in kw:
            kw["hall"] = self.hall()
        if "movie" not in kw:
            kw["movie"] = self.movie()
        kw.setdefault(
            "starts_at",
            dt.datetime(2030, 1, 1, 10, 0) + dt.timedelta(days=next(_show_days) % SHOW_DAYS),
        )
        kw.setdefault("price", Decimal("45.00"))
        kw.setdefault("status", "scheduled")
        kw.setdefault("ends_at", compute_ends_at(kw["movie"], kw["starts_at"]))
        if right:
            grant_covering_right(self.session, kw["movie"], kw["hall"].cinema)
        kw.setdefault(
            "prices",
            [
                SchedulePrice(
                    ticket_type=ticket_type(self.session, "adult"),
                    seat_kind="standard",
                    price=kw["price"],
                )
            ],
        )
        return self._save(Schedule(**kw))

    def right(self, movie, cinema, starts_on=ALWAYS[0], ends_on=ALWAYS[1], **kw):
        kw.setdefault("distributor_share", Decimal("43.00"))
        return self._save(
            ScreeningRight(movie=movie, cinema=cinema, starts_on=starts_on, ends_on=ends_on, **kw)
        )

    def price_card(self, cinema, rules=(), **kw):
        """A card of `cinema`; rules as dicts, ticket types by code: {"ticket_type": "adult",
        "price": "50.00", "seat_kind": "vip", ...}."""
        n = next(_seq)
        kw.setdefault("name", f"价目表{n}")
        kw.setdefault("is_active", True)
        card = PriceCard(cinema=cinema, **kw)
        for rule in rules:
            rule = dict(rule)
            rule["ticket_type"] = ticket_type(self.session, rule.get("ticket_type", "adult"))
            rule["price"] = Decimal(rule["price"])
            card.rules.append(PriceCardRule(**rule))
        return self._save(card)

    def user(self, role=None, cinemas=(), password=PASSWORD, **kw):
        n = next(_seq)
        kw.setdefault("username", f"{role or 'user'}{n}")
        roles = (
            [r for r in [self.session.query(Role).filter_by(code=role).one()] if role]
            if role
            else []
        )
        user = User(roles=roles, cinemas=list(cinemas), is_active=kw.pop("is_active", True), **kw)
        user.set_password(password)
        return self._save(user)

    # -- selling ------------------------------------------------------------------------------
    def show_on_sale(self, layout="SSSS.SSSS\nCCCC.VVXW", prices=None, **kw):
        """A show on sale in a hall drawn as `layout` (text form), priced per (ticket type
        code, seat kind); default: adult 50, student 35 on every seat kind, VIP 80/60."""
        from portal.services.seating import change_layout, plan_layout

        hall = kw.pop("hall", None) or self.hall(
            **({"cinema": kw.pop("cinema")} if "cinema" in kw else {})
        )
        change_layout(self.session, hall.id, plan_layout(layout))
        self.session.commit()
        prices = prices or {
            ("adult", "standard"): "50.00",
            ("student", "standard"): "35.00",
            ("adult", "couple"): "50.00",
            ("student", "couple"): "35.00",
            ("adult", "vip"): "80.00",
            ("student", "vip"): "60.00",
            ("adult", "wheelchair"): "50.00",
            ("student", "wheelchair"): "35.00",
        }
        rows = [
            SchedulePrice(
                ticket_type=ticket_type(self.session, code), seat_kind=kind, price=Decimal(price)
            )
            for (code, kind), price in prices.items()
        ]
        kw.setdefault("status", "on_sale")
        return self.schedule(hall=hall, prices=rows, **kw)

    def customer(self, **kw):
        n = next(_seq)
        kw.setdefault("phone", f"138{n:08d}")
        kw.setdefault("nickname", f"顾客{n}")
        return self._save(Customer(**kw))

    def online_order(self, schedule, seats, status="paid", customer=None, **kw):
        """An order of the consumer app for `seats` (Seat rows) of `schedule`, adult price."""
        from portal.services.selling import new_order_no, new_ticket_code

        adult = ticket_type(self.session, "adult")
        order = Order(
            order_no=new_order_no("online"),
            cinema_id=schedule.hall.cinema_id,
            schedule_id=schedule.id,
            customer=customer or self.customer(),
            channel="online",
            status=status,
            amount=schedule.price * len(seats),
            **kw,
        )
        self.session.add(order)  # before the tickets' queries autoflush its customer
        order.tickets = [
            Ticket(
                schedule_id=schedule.id,
                seat_id=seat.id,
                live_seat_id=seat.id,
                ticket_type_id=adult.id,
                price=schedule.price,
                status="sold",
                code=new_ticket_code(),
            )
            for seat in seats
        ]
        return self._save(order)
