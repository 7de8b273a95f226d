"""Prices: a card's rules, the price table a show gets from them, the film's floor price and
re-pricing.

A rule matches a show when its ticket type is the one asked for and each of its constraints
holds: seat kind (empty: any), weekdays (ISO digits, 1 Monday … 7 Sunday), the start time's
band [starts_from, starts_before) (either end open), hall type (empty: any). Among matching
rules the most specific wins: specificity is the number of constrained fields among seat
kind, weekdays (fewer than all seven), time band (either end set) and hall type, 0 to 4. Two
matching rules of the same, highest specificity are a tie, and a tie is refused.
"""

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from ..extensions import db
from ..i18n import enum_label, format_clock
from ..models import PriceCard, Schedule, SchedulePrice, TicketType
from ..models.pricing import (
    ADULT,
    ALL_WEEKDAYS,
    SELLABLE_SEAT_KINDS,
    STANDARD_SEAT,
    TICKET_TYPE_CODES,
    TICKET_TYPE_NAMES,
)
from ..models.venues import HALL_TYPES
from .rules import RuleViolation

MIN_PRICE = Decimal("0.01")
MAX_PRICE = Decimal("9999.99")
# How many unpriced or tied combinations a refusal names before it says "and N more".
NAMED_PROBLEMS = 3
WEEKDAY_NAMES = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


class PricingRefused(RuleViolation):
    """A card, a show's prices or a re-pricing breaks a rule; the message says which."""


def has_sold_tickets(schedule):
    """Whether the show has sold tickets (re-pricing leaves those shows alone)."""
    from .selling import has_sold_tickets as sold

    return schedule.id is not None and sold(object_session(schedule) or db.session, schedule.id)


def hall_seat_kinds(hall):
    """The seat kinds a show in `hall` is priced for: every sellable kind, whatever the hall's
    current layout holds, because a show not yet on sale moves to the hall's next layout
    version (services/seating.py), which may add VIP or couple seats."""
    return SELLABLE_SEAT_KINDS


# -- matching ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShowContext:
    """What a rule can constrain about a show, besides ticket type and seat kind."""

    weekday: int  # ISO: 1 Monday … 7 Sunday
    at: time
    hall_type: str

    @classmethod
    def of(cls, hall, starts_at):
        return cls(starts_at.isoweekday(), starts_at.time(), hall.hall_type)


def ticket_type_id(rule):
    """The rule's ticket type id, also before a new rule is flushed."""
    return rule.ticket_type.id if rule.ticket_type is not None else rule.ticket_type_id


def has_band(rule):
    return rule.starts_from is not None or rule.starts_before is not None


def specificity(rule):
    """How many of seat kind, weekdays, time band and hall type the rule constrains."""
    return sum(
        (
            bool(rule.seat_kind),
            (rule.weekdays or ALL_WEEKDAYS) != ALL_WEEKDAYS,
            has_band(rule),
            bool(rule.hall_type),
        )
    )


def rule_matches(rule, type_id, seat_kind, context):
    return (
        ticket_type_id(rule) == type_id
        and rule.seat_kind in ("", None, seat_kind)
        and str(context.weekday) in (rule.weekdays or ALL_WEEKDAYS)
        and (rule.starts_from is None or context.at >= rule.starts_from)
        and (rule.starts_before is None or context.at < rule.starts_before)
        and rule.hall_type in ("", None, context.hall_type)
    )


@dataclass(frozen=True)
class Resolution:
    """The winning rule for one combination, or the equally specific rules that tie."""

    rule: object = None
    tied: tuple = ()

    @property
    def price(self):
        return self.rule.price if self.rule is not None else None


def resolve(rules, type_id, seat_kind, context):
    """The most specific rule matching the combination; ties and no match are reported."""
    matching = [r for r in rules if rule_matches(r, type_id, seat_kind, context)]
    if not matching:
        return Resolution()
    best = max(specificity(r) for r in matching)
    top = [r for r in matching if specificity(r) == best]
    return Resolution(rule=top[0]) if len(top) == 1 else Resolution(tied=tuple(top))


def offered_ticket_types(rules):
    """The ticket types a card prices, in the contract's order (by ticket type id)."""
    types = {}
    for rule in rules:
        if rule.ticket_type is not None:
            types[rule.ticket_type.id] = rule.ticket_type
    return [types[k] for k in sorted(types)]


@dataclass
class PriceTable:
    """A show's prices by (ticket type, seat kind), and what the card failed to price."""

    prices: dict = field(default_factory=dict)  # (TicketType, seat kind) -> Decimal
    unpriced: list = field(default_factory=list)  # [(TicketType, seat kind)]
    ties: list = field(default_factory=list)  # [((TicketType, seat kind), rules)]

    def price_of(self, code, seat_kind):
        return next(
            (p for (t, k), p in self.prices.items() if t.code == code and k == seat_kind), None
        )


def price_table(rules, seat_kinds, context):
    """The price of every offered ticket type on every seat kind for one show context."""
    table = PriceTable()
    for ticket_type in offered_ticket_types(rules):
        for kind in seat_kinds:
            found = resolve(rules, ticket_type.id, kind, context)
            if found.tied:
                table.ties.append(((ticket_type, kind), found.tied))
            elif found.rule is None:
                table.unpriced.append((ticket_type, kind))
            else:
                table.prices[(ticket_type, kind)] = found.price
    return table


# -- describing problems ------------------------------------------------------------------------
def describe_combination(ticket_type, seat_kind):
    return f"{ticket_type.name} · {enum_label(seat_kind)}"


def describe_context(context):
    return _l(
        "%(weekday)s %(time)s in %(hall_type)s halls",
        weekday=WEEKDAY_NAMES[context.weekday - 1],
        time=format_clock(context.at),
        hall_type=enum_label(context.hall_type),
    )


def rule_label(rules, rule):
    """'rule 3': the rule's row number on the card (new rules have no id yet)."""
    return _l("rule %(number)s", number=rules.index(rule) + 1)


def describe_tie(rules, combination, tied, context=None):
    names = ", ".join(str(rule_label(rules, r)) for r in tied)
    where = f" ({describe_context(context)})" if context is not None else ""
    return _l(
        "%(combination)s%(where)s is priced by equally specific rules: %(rules)s.",
        combination=describe_combination(*combination),
        where=where,
        rules=names,
    )


def describe_unpriced(combination, context=None):
    where = f" ({describe_context(context)})" if context is not None else ""
    return _l(
        "%(combination)s%(where)s has no price.",
        combination=describe_combination(*combination),
        where=where,
    )


def _named(problems):
    shown = problems[:NAMED_PROBLEMS]
    if len(problems) > NAMED_PROBLEMS:
        shown.append(_l("and %(count)s more.", count=len(problems) - NAMED_PROBLEMS))
    return " ".join(map(str, shown))


# -- checking a card ----------------------------------------------------------------------------
def check_price_value(price):
    """True when `price` is a price a show may carry (0.01 to 9999.99)."""
    try:
        return price is not None and MIN_PRICE <= Decimal(price) <= MAX_PRICE
    except (InvalidOperation, TypeError, ValueError):
        return False


def normalized_weekdays(text):
    """'7 15' -> None (not only digits); '5117' -> '157'; '' -> None."""
    text = (text or "").strip()
    if not text or any(ch not in ALL_WEEKDAYS for ch in text):
        return None
    return "".join(sorted(set(text)))


def rule_problems(rules, rule):
    """What is wrong with one rule on its own, each message naming the rule."""
    name = rule_label(rules, rule)
    problems = []
    if rule.weekdays is None:
        rule.weekdays = ALL_WEEKDAYS  # the column default, not applied before the flush
    if rule.ticket_type is None and rule.ticket_type_id is None:
        problems.append(_l("%(rule)s: choose a ticket type.", rule=name))
    weekdays = normalized_weekdays(rule.weekdays)
    if weekdays is None:
        problems.append(
            _l(
                "%(rule)s: weekdays “%(value)s” may only hold the digits 1 (Monday) to 7 (Sunday).",
                rule=name,
                value=rule.weekdays or "",
            )
        )
    else:
        rule.weekdays = weekdays
    if (
        rule.starts_from is not None
        and rule.starts_before is not None
        and rule.starts_before <= rule.starts_from
    ):
        problems.append(
            _l(
                "%(rule)s: the time band ends (%(end)s) before it starts (%(start)s).",
                rule=name,
                end=rule.starts_before.strftime("%H:%M"),
                start=rule.starts_from.strftime("%H:%M"),
            )
        )
    if not check_price_value(rule.price):
        problems.append(_l("%(rule)s: the price must be between 0.01 and 9999.99.", rule=name))
    rule.seat_kind, rule.hall_type = rule.seat_kind or "", rule.hall_type or ""
    if rule.seat_kind not in ("",) + SELLABLE_SEAT_KINDS:
        problems.append(
            _l("%(rule)s: unknown seat kind %(value)s.", rule=name, value=rule.seat_kind)
        )
    if rule.hall_type not in ("",) + HALL_TYPES:
        problems.append(
            _l("%(rule)s: unknown hall type %(value)s.", rule=name, value=rule.hall_type)
        )
    return problems


def every_context(rules):
    """One show context per weekday, hall type and stretch of the day in which the set of
    matching rules cannot change (the day cut at every band's ends)."""
    cuts = sorted(
        {time(0)}
        | {r.starts_from for r in rules if r.starts_from is not None}
        | {r.starts_before for r in rules if r.starts_before is not None}
    )
    for weekday in range(1, 8):
        for hall_type in HALL_TYPES:
            for at in cuts:
                yield ShowContext(weekday, at, hall_type)


def check_card(card):
    """Refuse a card with a bad rule, with two equally specific rules for one combination,
    or, when it is active, with a combination it offers and leaves unpriced."""
    rules = list(card.rules)
    problems = [p for rule in rules for p in rule_problems(rules, rule)]
    if problems:
        raise PricingRefused(" ".join(map(str, problems)))
    ties, unpriced = {}, {}
    for context in every_context(rules):
        table = price_table(rules, SELLABLE_SEAT_KINDS, context)
        for combination, tied in table.ties:
            key = (combination, tuple(id(r) for r in tied))
            if key not in ties:
                ties[key] = describe_tie(rules, combination, tied, context)
        for combination in table.unpriced:
            if combination not in unpriced:
                unpriced[combination] = describe_unpriced(combination, context)
    if ties:
        raise PricingRefused(
            _l(
                "Ties: %(ties)s Make one of the rules more specific, or keep their bands apart.",
                ties=_named(list(ties.values())),
            )
        )
    if card.is_active:
        if not rules:
            raise PricingRefused(_l("An active price card needs at least one rule."))
        if not any(t.code == ADULT for t in offered_ticket_types(rules)):
            raise PricingRefused(
                _l(
                    "An active price card must price adult tickets: a show's "
                    "price is its adult standard price."
                )
            )
        if unpriced:
            raise PricingRefused(
                _l(
                    "An active price card must price every ticket type it "
                    "offers for every show: %(gaps)s",
                    gaps=_named(list(unpriced.values())),
                )
            )


# -- the preview --------------------------------------------------------------------------------
@dataclass
class PreviewColumn:
    starts: time
    ends: time  # None: the end of the day
    table: PriceTable


def card_preview(card, hall, day):
    """The price tables shows in `hall` on `day` would get, one column per stretch of the day
    in which they stay the same."""
    rules = list(card.rules)
    kinds = hall_seat_kinds(hall)
    cuts = sorted(
        {time(0)}
        | {r.starts_from for r in rules if r.starts_from is not None}
        | {r.starts_before for r in rules if r.starts_before is not None}
    )
    columns = []
    for at in cuts:
        table = price_table(rules, kinds, ShowContext(day.isoweekday(), at, hall.hall_type))
        if columns and _same(columns[-1].table, table):
            continue
        if columns:
            columns[-1].ends = at
        columns.append(PreviewColumn(at, None, table))
    return columns


def _same(a, b):
    return (
        a.prices == b.prices
        and a.unpriced == b.unpriced
        and [(c, tuple(map(id, r))) for c, r in a.ties]
        == [(c, tuple(map(id, r))) for c, r in b.ties]
    )


# -- a show's prices ------------------------------------------------------------------------------
def seed_ticket_types(session):
    """Create whichever of the contract's five ticket types is missing; returns how many."""
    existing = set(session.scalars(select(TicketType.code)))
    missing = [code for code in TICKET_TYPE_CODES if code not in existing]
    session.add_all(TicketType(code=code, name=TICKET_TYPE_NAMES[code]) for code in missing)
    session.flush()
    return len(missing)


def ticket_types(session):
    """Ticket types by code."""
    return {t.code: t for t in session.scalars(select(TicketType).order_by(TicketType.id))}


def pick_card(session, cinema, chosen=None):
    """The card that prices a new show at `cinema`: the one chosen (it must be an active card
    of that cinema), else the cinema's only active card; None when it has none."""
    if chosen is not None:
        if chosen.cinema_id != cinema.id:
            raise PricingRefused(
                _l(
                    "Price card %(card)s belongs to %(other)s, not to %(cinema)s.",
                    card=chosen.name,
                    other=chosen.cinema.name,
                    cinema=cinema.name,
                )
            )
        if not chosen.is_active:
            raise PricingRefused(_l("Price card %(card)s is not active.", card=chosen.name))
        return chosen
    cards = session.scalars(
        select(PriceCard)
        .where(PriceCard.cinema_id == cinema.id, PriceCard.is_active.is_(True))
        .order_by(PriceCard.name)
        .limit(2)
    ).all()
    if len(cards) > 1:
        raise PricingRefused(
            _l("%(cinema)s has several active price cards; choose one.", cinema=cinema.name)
        )
    return cards[0] if cards else None


def check_floor(movie, prices):
    """Refuse any price below the film's floor price, naming the film and the floor.

    `prices`: {(TicketType or None, seat kind): price}.
    """
    if movie is None or movie.min_price is None:
        return
    for (ticket_type, kind), price in prices.items():
        if price is not None and Decimal(price) < movie.min_price:
            what = describe_combination(ticket_type, kind) if ticket_type is not None else ""
            raise PricingRefused(
                _l(
                    "The price %(price)s %(what)s is below the floor price of "
                    "%(movie)s (%(floor)s).",
                    price=f"{Decimal(price):.2f}",
                    what=f"({what})" if what else "",
                    movie=movie.title,
                    floor=f"{movie.min_price:.2f}",
                )
            )


def show_prices(session, card, movie, hall, starts_at, hand_price):
    """{(TicketType, seat kind): price} a new show gets: from `card`, or, without a card, the
    one price typed by hand as the adult standard price. Raises PricingRefused."""
    if card is None:
        if not check_price_value(hand_price):
            raise PricingRefused(_l("Price must be between 0.01 and 9999.99."))
        prices = {(ticket_types(session)[ADULT], STANDARD_SEAT): Decimal(hand_price)}
    else:
        table = price_table(
            list(card.rules), hall_seat_kinds(hall), ShowContext.of(hall, starts_at)
        )
        problems = [describe_tie(list(card.rules), c, r) for c, r in table.ties] + [
            describe_unpriced(c) for c in table.unpriced
        ]
        if problems:
            raise PricingRefused(
                _l(
                    "Price card %(card)s cannot price this show: %(problems)s",
                    card=card.name,
                    problems=_named(problems),
                )
            )
        if table.price_of(ADULT, STANDARD_SEAT) is None:
            raise PricingRefused(
                _l("Price card %(card)s has no adult price for standard seats.", card=card.name)
            )
        prices = table.prices
    check_floor(movie, prices)
    return prices


def adult_standard(prices):
    return next(p for (t, k), p in prices.items() if t.code == ADULT and k == STANDARD_SEAT)


def set_show_prices(schedule, prices):
    """Make the show's price list `prices` (rows updated in place, others added or removed);
    schedule.price becomes the adult standard price."""
    wanted = {(t.id, k): (t, p) for (t, k), p in prices.items()}
    for row in list(schedule.prices):
        key = (row.ticket_type_id, row.seat_kind)
        if key in wanted:
            row.price = wanted.pop(key)[1]
        else:
            schedule.prices.remove(row)
    for (_type_id, kind), (ticket_type, price) in wanted.items():
        schedule.prices.append(SchedulePrice(ticket_type=ticket_type, seat_kind=kind, price=price))
    schedule.price = adult_standard(prices)


def price_new_show(session, schedule, movie, hall, card=None):
    """Give a new show its prices: from the chosen or the cinema's active card, else the
    price typed by hand. Raises PricingRefused."""
    card = pick_card(session, hall.cinema, card)
    set_show_prices(
        schedule, show_prices(session, card, movie, hall, schedule.starts_at, schedule.price)
    )


def stored_prices(schedule):
    return {(row.ticket_type, row.seat_kind): row.price for row in schedule.prices}


def check_edited_show_prices(session, schedule, movie):
    """An existing show keeps its price list; a price typed by hand replaces the adult
    standard price in it. Nothing may fall below the film's floor."""
    if not check_price_value(schedule.price):
        raise PricingRefused(_l("Price must be between 0.01 and 9999.99."))
    adult = ticket_types(session)[ADULT]
    row = next(
        (
            r
            for r in schedule.prices
            if r.ticket_type_id == adult.id and r.seat_kind == STANDARD_SEAT
        ),
        None,
    )
    if row is None:
        schedule.prices.append(
            SchedulePrice(ticket_type=adult, seat_kind=STANDARD_SEAT, price=schedule.price)
        )
    elif row.price != Decimal(schedule.price):
        row.price = schedule.price
    check_floor(movie, stored_prices(schedule))


# -- re-pricing -----------------------------------------------------------------------------------
def reprice(session, schedules):
    """Give each show the prices its cinema's active card gives it now, all or none.

    Shows that are cancelled, or have sold tickets, are left as they are. Returns
    (repriced, left alone); raises PricingRefused listing every show that cannot be priced.
    """
    repriced, left, problems = [], [], []
    for show in schedules:
        if show.status == "cancelled" or has_sold_tickets(show):
            left.append(show)
            continue
        try:
            card = pick_card(session, show.hall.cinema)
            if card is None:
                raise PricingRefused(
                    _l("%(cinema)s has no active price card.", cinema=show.hall.cinema.name)
                )
            set_show_prices(
                show, show_prices(session, card, show.movie, show.hall, show.starts_at, None)
            )
        except PricingRefused as exc:
            problems.append(f"#{show.id} {show.starts_at:%Y-%m-%d %H:%M}: {exc}")
            continue
        repriced.append(show)
    if problems:
        raise PricingRefused(" ".join(problems))
    return repriced, left


def check_floor_of_coming_shows(session, movie, now=None):
    """Refuse a floor price above a price of the film's coming shows, naming them."""
    if movie.id is None or movie.min_price is None:
        return
    now = now or datetime.now()
    with session.no_autoflush:
        shows = session.execute(
            select(Schedule.id, Schedule.starts_at, func.min(SchedulePrice.price))
            .join(SchedulePrice, SchedulePrice.schedule_id == Schedule.id)
            .where(
                Schedule.movie_id == movie.id,
                Schedule.status != "cancelled",
                Schedule.starts_at >= now,
                SchedulePrice.price < movie.min_price,
            )
            .group_by(Schedule.id, Schedule.starts_at)
            .order_by(Schedule.starts_at)
            .limit(NAMED_PROBLEMS + 1)
        ).all()
    if shows:
        named = ", ".join(
            f"#{i} {at:%Y-%m-%d %H:%M} ({low:.2f})" for i, at, low in shows[:NAMED_PROBLEMS]
        )
        raise PricingRefused(
            _l(
                "Coming shows of %(movie)s are priced below the floor price "
                "%(floor)s: %(shows)s. Re-price or cancel them first.",
                movie=movie.title,
                floor=f"{movie.min_price:.2f}",
                shows=named,
            )
        )
