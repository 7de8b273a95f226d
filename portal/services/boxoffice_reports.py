"""Box office reports: a period, a grouping, the figures, and the same figures a period earlier.

Every figure is summed from `box_office_show` (services/boxoffice.py), restricted to the
cinemas the reader may see (`cinema_ids`: None for every cinema); a reader of every cinema
reads the same sums from `box_office_rollup` (by day and group, kept in step with the shows),
a few thousand rows for a month instead of a million shows. A report is three queries
whatever the period: this period's groups, the previous period's, and the names of the groups.
Definitions (PRODUCT.md: figures equal what the tickets add up to), over the tickets of paid
orders of the shows of the period (by the show's day):
  tickets sold = tickets issued; refunds = refunded tickets' amount; net = gross - refunds;
  shows = shows not cancelled; occupancy = (tickets - refunded tickets) / sellable seats of
  those shows; average price = net / (tickets - refunded tickets); distributor share = net x
  the show's screening right share.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, select

from ..i18n import format_short_day
from ..models import BoxOfficeRollup, BoxOfficeShow, Cinema, City, Hall, Movie, Schedule
from .boxoffice import summed_figures

CENT = Decimal("0.01")
MAX_DAYS = 366
PRESETS = {
    "today": _l("Today"),
    "yesterday": _l("Yesterday"),
    "this_week": _l("This week"),
    "last_7": _l("Last 7 days"),
    "last_30": _l("Last 30 days"),
    "month": _l("A month"),
    "custom": _l("Custom"),
}
GROUPS = {
    "day": _l("Day"),
    "cinema": _l("Cinema"),
    "city": _l("City"),
    "movie": _l("Movie"),
    "hall": _l("Hall"),
    "hour": _l("Hour of day"),
}
B = BoxOfficeShow
R = BoxOfficeRollup
KEYS = {
    "day": B.show_date,
    "cinema": B.cinema_id,
    "city": B.city_id,
    "movie": B.movie_id,
    "hall": B.hall_id,
    "hour": B.show_hour,
}


class ReportError(ValueError):
    """Query parameters that make no report; the message says what to change."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    preset: str

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def previous(self):
        """The period of the same length just before this one."""
        return Period(
            self.start - dt.timedelta(days=self.days),
            self.start - dt.timedelta(days=1),
            self.preset,
        )


def _date(text, what):
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise ReportError(_("%(what)s is not a date (YYYY-MM-DD).", what=what)) from None


def _month(text):
    try:
        year, month = (int(part) for part in (text or "").strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise ReportError(_("The month is not a month (YYYY-MM).")) from None


def resolve_period(preset, today, start=None, end=None, month=None):
    """The period a report's parameters name, or ReportError."""
    try:
        period = _period(preset or "last_7", today, start, end, month)
        period.previous()  # a period whose previous one is before year 1 is no period
    except OverflowError:
        raise ReportError(_("These dates are out of range.")) from None
    return period


def _period(preset, today, start, end, month):
    if preset == "today":
        return Period(today, today, preset)
    if preset == "yesterday":
        day = today - dt.timedelta(days=1)
        return Period(day, day, preset)
    if preset == "this_week":
        return Period(today - dt.timedelta(days=today.weekday()), today, preset)
    if preset in ("last_7", "last_30"):
        days = 7 if preset == "last_7" else 30
        return Period(today - dt.timedelta(days=days - 1), today, preset)
    if preset == "month":
        first = _month(month or today.strftime("%Y-%m"))
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return Period(first, following - dt.timedelta(days=1), preset)
    if preset == "custom":
        first, last = _date(start, _("The first day")), _date(end, _("The last day"))
        if last < first:
            raise ReportError(_("The last day is before the first day."))
        if (last - first).days + 1 > MAX_DAYS:
            raise ReportError(_("A report covers at most %(days)s days.", days=MAX_DAYS))
        return Period(first, last, preset)
    raise ReportError(_("Unknown period: choose one of the listed periods."))


def check_group(group):
    group = group or "day"
    if group not in GROUPS:
        raise ReportError(_("Unknown grouping: choose one of the listed groupings."))
    return group


@dataclass
class Figures:
    """One row of a report (or its total)."""

    key: object = None
    label: str = ""
    tickets: int = 0
    gross: Decimal = Decimal("0")
    refunded_tickets: int = 0
    refunds: Decimal = Decimal("0")
    shows: int = 0
    seats: int = 0
    share_amount: Decimal = Decimal("0")  # net x share percent (not yet divided by 100)
    previous_net: Decimal | None = None

    def add(self, other):
        for name in (
            "tickets",
            "gross",
            "refunded_tickets",
            "refunds",
            "shows",
            "seats",
            "share_amount",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def net(self):
        return _money(self.gross - self.refunds)

    @property
    def net_tickets(self):
        return self.tickets - self.refunded_tickets

    @property
    def occupancy(self):
        """Sold seats of the shows per sellable seat, as a fraction (None: no seats)."""
        return self.net_tickets / self.seats if self.seats else None

    @property
    def average_price(self):
        return _money(self.net / self.net_tickets) if self.net_tickets else None

    @property
    def distributor_share(self):
        return _money(self.share_amount / 100)

    @property
    def change(self):
        """Net against the previous period, as a fraction (None: nothing to compare with)."""
        if not self.previous_net:
            return None
        return float((self.net - self.previous_net) / self.previous_net)


def _money(value):
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Report:
    period: Period
    group: str
    rows: list = field(default_factory=list)
    total: Figures = field(default_factory=Figures)


def scope_filter(cinema_ids):
    if cinema_ids is None:
        return sa.true()
    if not cinema_ids:
        return false()
    return B.cinema_id.in_(sorted(cinema_ids))


# The figures a report sums, in the order `_figures` reads them.
SUMMED = ("tickets", "gross", "refunded_tickets", "refunds", "shows", "seats", "share_amount")


def _sums():
    """The figures of the shows' rows in scope (services/boxoffice.summed_figures)."""
    sums = summed_figures()
    return tuple(sums[name].label(name) for name in SUMMED)


def _figures(key, sums):
    tickets, gross, refunded, refunds, shows, seats, share = sums
    return Figures(
        key=key,
        tickets=int(tickets or 0),
        gross=_money(gross),
        refunded_tickets=int(refunded or 0),
        refunds=_money(refunds),
        shows=int(shows or 0),
        seats=int(seats or 0),
        share_amount=Decimal(str(share or 0)),
    )


def _rollup_sums():
    """The same figures, summed over the rollup's rows."""
    return tuple(func.sum(getattr(R, name)).label(name) for name in SUMMED)


def _rollup_of(group):
    """The rollup dimension a chain-wide grouping reads, and its key: a day is the sum of
    its hours (every show has one)."""
    if group == "day":
        return "hour", R.show_date
    return group, R.group_key


def _grouped_query(period, group, cinema_ids):
    """SELECT key, figures... of the period, a row per group (a group: at least one show):
    from the rollup for a reader of every cinema, else from the shows in scope."""
    if cinema_ids is None:
        dimension, key = _rollup_of(group)
        return (
            select(key.label("key"), *_rollup_sums())
            .where(R.dimension == dimension, R.show_date.between(period.start, period.end))
            .group_by(key)
            .having(func.sum(R.show_rows) > 0)
        )
    key = KEYS[group]
    return (
        select(key.label("key"), *_sums())
        .where(B.show_date.between(period.start, period.end), scope_filter(cinema_ids))
        .group_by(key)
    )


def grouped(session, period, group, cinema_ids):
    """{key: Figures} of the period, one per group."""
    rows = session.execute(_grouped_query(period, group, cinema_ids)).all()
    return {_key(group, row[0]): _figures(_key(group, row[0]), row[1:]) for row in rows}


def _key(group, value):
    if group == "day" and isinstance(value, str):  # SQLite hands DATE() results back as text
        return dt.date.fromisoformat(value)
    return value


def labels(session, group, keys):
    """The name of each group's key, in one query (none for days and hours)."""
    keys = [k for k in keys if k is not None]
    if group == "day":
        return {k: k.isoformat() for k in keys}
    if group == "hour":
        return {k: f"{int(k):02d}:00" for k in keys}
    if not keys:
        return {}
    if group == "cinema":
        query = select(Cinema.id, Cinema.name).where(Cinema.id.in_(keys))
    elif group == "city":
        query = select(City.id, City.name).where(City.id.in_(keys))
    elif group == "movie":
        query = select(Movie.id, Movie.title).where(Movie.id.in_(keys))
    else:
        query = (
            select(Hall.id, Cinema.name + " · " + Hall.name)
            .join(Cinema, Cinema.id == Hall.cinema_id)
            .where(Hall.id.in_(keys))
        )
    return dict(session.execute(query).all())


def build_report(session, period, group, cinema_ids):
    """The report: a row per group (with the previous period's net), and the total."""
    current = grouped(session, period, group, cinema_ids)
    previous_period = period.previous()
    previous = grouped(session, previous_period, group, cinema_ids)
    shift = dt.timedelta(days=period.days)
    names = labels(session, group, list(current))
    report = Report(period, group)
    for key, figures in current.items():
        earlier = previous.get(key - shift if group == "day" else key)
        figures.previous_net = earlier.net if earlier else None
        figures.label = names.get(key, f"#{key}")
        report.rows.append(figures)
        report.total.add(figures)
    if group in ("day", "hour"):
        report.rows.sort(key=lambda f: f.key)
    else:
        report.rows.sort(key=lambda f: (-f.net, f.label))
    report.total.label = _("Total")
    report.total.previous_net = (
        sum((f.net for f in previous.values()), Decimal("0")) if previous else None
    )
    return report


COLUMNS = (
    ("label", None),
    ("tickets", _l("Tickets sold")),
    ("gross", _l("Gross")),
    ("refunded_tickets", _l("Refunded tickets")),
    ("refunds", _l("Refunds")),
    ("net", _l("Net")),
    ("shows", _l("Shows")),
    ("occupancy", _l("Occupancy")),
    ("average_price", _l("Average ticket price")),
    ("distributor_share", _l("Distributor share")),
    ("change", _l("Change against the previous period")),
)


def table_rows(report):
    """The report as rows of plain values (header first), for CSV and XLSX: fractions as
    percentages rounded to 0.1."""
    head = [str(GROUPS[report.group])] + [str(title) for _name, title in COLUMNS[1:]]
    yield head
    for figures in [*report.rows, report.total]:
        yield [_plain(name, getattr(figures, name)) for name, _title in COLUMNS]


def _plain(name, value):
    if name in ("occupancy", "change"):
        return None if value is None else round(value * 100, 1)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def chart_data(report, limit=20):
    """What the report's chart draws: a category per row (the first `limit`), net and
    tickets; a line over days, bars otherwise."""
    rows = report.rows if report.group in ("day", "hour") else report.rows[:limit]
    return {
        "kind": "line" if report.group == "day" else "bar",
        "categories": [str(f.label) for f in rows],
        "series": [
            {"name": str(_("Net")), "data": [float(f.net) for f in rows]},
            {"name": str(_("Tickets sold")), "data": [f.net_tickets for f in rows], "axis": 1},
        ],
    }


# -- the dashboard's box office cards ------------------------------------------------------------
TREND_DAYS = 30
TOP_FILMS = 10
TODAY_SHOWS = 15


def dashboard_box_office(session, today, cinema_ids, now=None):
    """The dashboard's box office: today against the same weekday a week ago, the 30-day
    trend, this week's top films, occupancy by hour and today's shows; four queries."""
    trend_period = Period(today - dt.timedelta(days=TREND_DAYS - 1), today, "last_30")
    by_day = grouped(session, trend_period, "day", cinema_ids)
    trend = [
        by_day.get(trend_period.start + dt.timedelta(days=n))
        or Figures(key=trend_period.start + dt.timedelta(days=n))
        for n in range(TREND_DAYS)
    ]
    for figures in trend:
        figures.label = format_short_day(figures.key)
    week = resolve_period("this_week", today)
    week_films = _grouped_query(week, "movie", cinema_ids).subquery()
    top = session.execute(
        select(Movie.id, Movie.title, *(week_films.c[name] for name in SUMMED))
        .join(Movie, Movie.id == week_films.c.key)
        .order_by((week_films.c.gross - week_films.c.refunds).desc(), Movie.id)
        .limit(TOP_FILMS)
    ).all()
    films = []
    for row in top:
        figures = _figures(row[0], row[2:])
        figures.label = row[1]
        films.append(figures)
    hours = grouped(session, trend_period, "hour", cinema_ids)
    by_hour = [hours[h] for h in sorted(hours)]
    for figures in by_hour:
        figures.label = f"{int(figures.key):02d}:00"
    if cinema_ids is None:
        # Every cinema: the first shows of the day in the schedule's (starts_at, id) order,
        # not all the day's 40,000 sorted.
        day_start = dt.datetime.combine(today, dt.time())
        todays = (
            Schedule.starts_at >= day_start,
            Schedule.starts_at < day_start + dt.timedelta(days=1),
            Schedule.status != "cancelled",
        )
    else:
        todays = (B.show_date == today, B.is_cancelled.is_(False), scope_filter(cinema_ids))
    shows = session.execute(
        select(
            Schedule.id,
            Schedule.starts_at,
            Movie.title,
            Hall.name,
            Cinema.name,
            B.tickets - B.refunded_tickets,
            B.seats,
        )
        .select_from(Schedule)
        .join(B, B.schedule_id == Schedule.id)
        .join(Movie, Movie.id == B.movie_id)
        .join(Hall, Hall.id == B.hall_id)
        .join(Cinema, Cinema.id == B.cinema_id)
        .where(*todays)
        .order_by(Schedule.starts_at, Schedule.id)
        .limit(TODAY_SHOWS)
    ).all()
    week_ago = by_day.get(today - dt.timedelta(days=7)) or Figures()
    return {
        "today": by_day.get(today) or Figures(key=today),
        "week_ago": week_ago,
        "trend": trend,
        "films": films,
        "hours": by_hour,
        "shows": [
            {
                "id": s[0],
                "starts_at": s[1],
                "movie": s[2],
                "hall": s[3],
                "cinema": s[4],
                "sold": int(s[5] or 0),
                "seats": int(s[6] or 0),
                "fill": (int(s[5] or 0) / s[6]) if s[6] else None,
            }
            for s in shows
        ],
    }


def dashboard_charts(box):
    """Chart data of the dashboard's cards (the same numbers as their tables)."""
    return {
        "trend": {
            "kind": "line",
            "categories": [f.label for f in box["trend"]],
            "series": [{"name": str(_("Net")), "data": [float(f.net) for f in box["trend"]]}],
        },
        "films": {
            "kind": "bar",
            "categories": [f.label for f in box["films"]],
            "series": [{"name": str(_("Net")), "data": [float(f.net) for f in box["films"]]}],
        },
        "hours": {
            "kind": "bar",
            "categories": [f.label for f in box["hours"]],
            "series": [
                {
                    "name": str(_("Occupancy")),
                    "percent": True,
                    "data": [round((f.occupancy or 0) * 100, 1) for f in box["hours"]],
                }
            ],
        },
    }
