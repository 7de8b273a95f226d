"""Box office figures kept in step with the tickets (models/boxoffice.py).

Every change of what a show sold goes through `add_figures`, called by the selling services
in the transaction that changes the tickets: a counter sale, an online payment confirmed, a
refund (and so cancelling a show). The figures count the tickets of paid orders (`paid`,
`partially_refunded`, `refunded`); an online order awaiting its payment's confirmation counts
once confirmed, and a cancelled unpaid order never did. `add_figures` is one UPDATE of
`column = column + delta`, atomic on both databases: concurrent sales of one show queue on
the row's lock and none is lost.

A show's descriptive columns (day, hour, cinema, city, movie, hall, seats, distributor share,
cancelled) are copied by mapper listeners when a show, a screening right or a cinema's city
changes, in the same flush. Rows written without the ORM (bulk loads) and databases from
before revision 0011 are filled by `rebuild` (`flask rebuild-box-office`).

`box_office_rollup` (models/boxoffice.py) holds the same figures summed by day and movie,
cinema, city, hall or hour, for chain-wide reports. Every change of a `box_office_show` row
adds its difference to the rollup rows the show counts in, in the same transaction: a sale or
refund its figures (`add_figures`), a show created, moved, cancelled or deleted, a right's
share or a cinema's city changed its whole contribution (read before and after, under the
show rows' locks). Rollup rows are written in key order, so concurrent sales queue, never
deadlock. Invariant, checked by the tests on both databases: each rollup row equals the sums
of its shows' rows.
"""

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import (
    BoxOfficeRollup,
    BoxOfficeShow,
    Cinema,
    Hall,
    Order,
    Schedule,
    ScreeningRight,
    SeatLayout,
    Ticket,
)
from ..models.selling import PAID, PARTIALLY_REFUNDED, REFUNDED

# Orders whose tickets are box office: paid, whatever was refunded of them since.
COUNTED_ORDER_STATUSES = (PAID, PARTIALLY_REFUNDED, REFUNDED)
FIGURES = ("tickets", "gross", "refunded_tickets", "refunds")
DESCRIPTIVE = (
    "show_date",
    "show_hour",
    "cinema_id",
    "city_id",
    "movie_id",
    "hall_id",
    "is_cancelled",
    "seats",
    "distributor_share",
)
# Show attributes the descriptive columns are copied from.
SHOW_ATTRIBUTES = (
    "starts_at",
    "movie_id",
    "hall_id",
    "status",
    "seat_layout_id",
    "movie",
    "hall",
    "seat_layout",
)  # a form sets the relationships, not the ids
REBUILD_CHUNK = 50_000  # shows per statement when rebuilding

TABLE = BoxOfficeShow.__table__
ROLLUP = BoxOfficeRollup.__table__
# rollup dimension -> the box_office_show column it groups by
DIMENSIONS = {
    "movie": "movie_id",
    "cinema": "cinema_id",
    "city": "city_id",
    "hall": "hall_id",
    "hour": "show_hour",
}
ROLLUP_KEY = ("dimension", "show_date", "group_key")
ROLLUP_FIGURES = (
    "show_rows",
    "shows",
    "seats",
    "tickets",
    "gross",
    "refunded_tickets",
    "refunds",
    "share_amount",
)
ROLLUP_CHUNK_DAYS = 31  # days per statement when rebuilding the rollup


def _dialect(bind):
    return bind.dialect.name


def show_day(column):
    """The date of a DATETIME column, as the database computes it (DATE() on both)."""
    return func.date(column)


def show_hour(dialect, column):
    if dialect == "sqlite":
        return sa.cast(func.strftime("%H", column), sa.Integer)
    return func.hour(column)


def share_of(movie_id, cinema_id, day):
    """The distributor share of the screening right covering the movie, cinema and day."""
    return (
        select(func.max(ScreeningRight.distributor_share))
        .where(
            ScreeningRight.movie_id == movie_id,
            ScreeningRight.cinema_id == cinema_id,
            ScreeningRight.starts_on <= day,
            ScreeningRight.ends_on >= day,
        )
        .scalar_subquery()
    )


def _descriptive_columns(dialect):
    day = show_day(Schedule.starts_at)
    return [
        Schedule.id.label("schedule_id"),
        day.label("show_date"),
        show_hour(dialect, Schedule.starts_at).label("show_hour"),
        Hall.cinema_id.label("cinema_id"),
        Cinema.city_id.label("city_id"),
        Schedule.movie_id.label("movie_id"),
        Schedule.hall_id.label("hall_id"),
        sa.case((Schedule.status == "cancelled", sa.true()), else_=sa.false()).label(
            "is_cancelled"
        ),
        SeatLayout.capacity.label("seats"),
        share_of(Schedule.movie_id, Hall.cinema_id, day).label("distributor_share"),
    ]


def _shows_joined(select_):
    return (
        select_.select_from(Schedule)
        .join(Hall, Hall.id == Schedule.hall_id)
        .join(Cinema, Cinema.id == Hall.cinema_id)
        .join(SeatLayout, SeatLayout.id == Schedule.seat_layout_id)
    )


def _upsert(dialect, select_, names, update_names):
    """INSERT ... SELECT that updates `update_names` of rows already there."""
    if dialect == "sqlite":
        stmt = sqlite_insert(TABLE).from_select(names, select_)
        return stmt.on_conflict_do_update(
            index_elements=["schedule_id"],
            set_={name: getattr(stmt.excluded, name) for name in update_names},
        )
    stmt = mysql_insert(TABLE).from_select(names, select_)
    return stmt.on_duplicate_key_update({name: stmt.inserted[name] for name in update_names})


def copy_show_details(connection, schedule_ids):
    """Create or refresh the descriptive columns of these shows' rows (figures untouched)."""
    ids = sorted({i for i in schedule_ids if i is not None})
    if not ids:
        return
    dialect = _dialect(connection)
    select_ = _shows_joined(select(*_descriptive_columns(dialect))).where(Schedule.id.in_(ids))
    names = ["schedule_id", *DESCRIPTIVE]
    with rolled_up(connection, TABLE.c.schedule_id.in_(ids)):
        connection.execute(_upsert(dialect, select_, names, DESCRIPTIVE))


def add_figures(session, schedule_id, tickets=0, gross=0, refunded_tickets=0, refunds=0):
    """Add to a show's figures and to its rollup rows, in the caller's transaction (one
    atomic UPDATE of the show's row, then one upsert of its five rollup rows)."""
    gross, refunds = Decimal(gross), Decimal(refunds)
    stmt = (
        update(TABLE)
        .where(TABLE.c.schedule_id == schedule_id)
        .values(
            tickets=TABLE.c.tickets + tickets,
            gross=TABLE.c.gross + gross,
            refunded_tickets=TABLE.c.refunded_tickets + refunded_tickets,
            refunds=TABLE.c.refunds + refunds,
        )
    )
    if session.execute(stmt).rowcount == 0:
        # A show written without the ORM, not yet rebuilt: its row first (race-safe upsert).
        copy_show_details(session.connection(), [schedule_id])
        session.execute(stmt)
    show = session.execute(select(*_show_columns()).where(TABLE.c.schedule_id == schedule_id)).one()
    figures = {
        "tickets": tickets,
        "gross": gross,
        "refunded_tickets": refunded_tickets,
        "refunds": refunds,
        "share_amount": _share_amount(gross, refunds, show.distributor_share),
    }
    apply_to_rollup(session.connection(), dict.fromkeys(_rollup_keys(show), figures))


def record_sale(session, schedule_id, tickets):
    """Tickets of a paid order (a counter sale, an online payment confirmed)."""
    add_figures(
        session,
        schedule_id,
        tickets=len(tickets),
        gross=sum((Decimal(t.price) for t in tickets), Decimal("0")),
    )


def record_refund(session, schedule_id, tickets):
    """Tickets of a paid order refunded (by a seller, or by cancelling the show)."""
    add_figures(
        session,
        schedule_id,
        refunded_tickets=len(tickets),
        refunds=sum((Decimal(t.price) for t in tickets), Decimal("0")),
    )


# -- rebuilding from the tickets ----------------------------------------------------------------
def ticket_figures(lo=None, hi=None):
    """Each show's figures summed over its tickets (of paid orders), shows lo..hi."""
    refunded = Ticket.status == REFUNDED
    query = (
        select(
            Ticket.schedule_id.label("schedule_id"),
            func.count(Ticket.id).label("tickets"),
            func.sum(Ticket.price).label("gross"),
            func.sum(sa.case((refunded, 1), else_=0)).label("refunded_tickets"),
            func.sum(sa.case((refunded, Ticket.price), else_=0)).label("refunds"),
        )
        .join(Order, Order.id == Ticket.order_id)
        .where(Order.status.in_(COUNTED_ORDER_STATUSES))
        .group_by(Ticket.schedule_id)
    )
    if lo is not None:
        query = query.where(Ticket.schedule_id.between(lo, hi))
    return query


def rebuild(session, progress=None, chunk=REBUILD_CHUNK):
    """Recompute every show's row from the shows and their tickets, then the rollup from
    those rows; returns the show count (`flask rebuild-box-office`)."""
    count = rebuild_shows(session, progress=progress, chunk=chunk)
    rebuild_rollup(session)
    return count


def rebuild_shows(session, progress=None, chunk=REBUILD_CHUNK):
    """Recompute every show's row from the shows and their tickets; returns the show count.

    A chunk of shows at a time (DELETE, then INSERT ... SELECT), each in the caller's
    transaction; `progress(n)` is told how many shows each chunk covered."""
    dialect = _dialect(session.get_bind())
    lowest, highest, count = session.execute(
        select(func.min(Schedule.id), func.max(Schedule.id), func.count(Schedule.id))
    ).one()
    session.execute(sa.delete(TABLE).where(~TABLE.c.schedule_id.in_(select(Schedule.id))))
    if not count:
        return 0
    names = ["schedule_id", *DESCRIPTIVE, *FIGURES]
    for lo in range(lowest, highest + 1, chunk):
        hi = lo + chunk - 1
        figures = ticket_figures(lo, hi).subquery()
        columns = _descriptive_columns(dialect) + [
            func.coalesce(figures.c.tickets, 0),
            func.coalesce(figures.c.gross, 0),
            func.coalesce(figures.c.refunded_tickets, 0),
            func.coalesce(figures.c.refunds, 0),
        ]
        select_ = (
            _shows_joined(select(*columns))
            .outerjoin(figures, figures.c.schedule_id == Schedule.id)
            .where(Schedule.id.between(lo, hi))
        )
        session.execute(sa.delete(TABLE).where(TABLE.c.schedule_id.between(lo, hi)))
        session.execute(_upsert(dialect, select_, names, DESCRIPTIVE + FIGURES))
        if progress is not None:
            progress(
                session.scalar(select(func.count(Schedule.id)).where(Schedule.id.between(lo, hi)))
            )
    return count


def summed_figures():
    """A group of `box_office_show` rows' figures in SQL, by rollup column (all but
    `show_rows`): what the rollup stores and what a report of some cinemas sums live."""
    live = TABLE.c.is_cancelled.is_(False)
    return {
        "shows": func.sum(sa.case((live, 1), else_=0)),
        "seats": func.sum(sa.case((live, TABLE.c.seats), else_=0)),
        "tickets": func.sum(TABLE.c.tickets),
        "gross": func.sum(TABLE.c.gross),
        "refunded_tickets": func.sum(TABLE.c.refunded_tickets),
        "refunds": func.sum(TABLE.c.refunds),
        "share_amount": func.sum(
            (TABLE.c.gross - TABLE.c.refunds) * func.coalesce(TABLE.c.distributor_share, 0)
        ),
    }


def rebuild_rollup(session, chunk_days=ROLLUP_CHUNK_DAYS):
    """Recompute the rollup from `box_office_show`: one INSERT ... SELECT per dimension and
    `chunk_days` days, in the caller's transaction."""
    session.execute(sa.delete(ROLLUP))
    first, last = session.execute(
        select(func.min(TABLE.c.show_date), func.max(TABLE.c.show_date))
    ).one()
    if first is None:
        return
    first, last = _as_date(first), _as_date(last)
    names = [*ROLLUP_KEY, *ROLLUP_FIGURES]
    sums = summed_figures()
    start = first
    while start <= last:
        end = start + timedelta(days=chunk_days - 1)
        for dimension, column in DIMENSIONS.items():
            select_ = (
                select(
                    sa.literal(dimension, sa.String(8)),
                    TABLE.c.show_date,
                    TABLE.c[column],
                    func.count(),
                    *(sums[name] for name in ROLLUP_FIGURES if name != "show_rows"),
                )
                .where(TABLE.c.show_date.between(start, end))
                .group_by(TABLE.c.show_date, TABLE.c[column])
            )
            session.execute(sa.insert(ROLLUP).from_select(names, select_))
        start = end + timedelta(days=1)


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


# -- the rollup follows box_office_show ---------------------------------------------------------
def _show_columns():
    return [TABLE.c[name] for name in (*DESCRIPTIVE, *FIGURES)]


def _rollup_keys(show):
    return [
        (dimension, show.show_date, getattr(show, column))
        for dimension, column in DIMENSIONS.items()
    ]


def _share_amount(gross, refunds, share):
    """Net x the distributor share percent (the rollup's `share_amount`)."""
    return (gross - refunds) * Decimal(share or 0)


def _contribution(show):
    """What one show's row adds to each of its rollup rows."""
    live = not show.is_cancelled
    gross, refunds = Decimal(show.gross), Decimal(show.refunds)
    return {
        "show_rows": 1,
        "shows": 1 if live else 0,
        "seats": show.seats if live else 0,
        "tickets": show.tickets,
        "gross": gross,
        "refunded_tickets": show.refunded_tickets,
        "refunds": refunds,
        "share_amount": _share_amount(gross, refunds, show.distributor_share),
    }


def _add_contributions(deltas, shows, sign):
    for show in shows:
        contribution = _contribution(show)
        for key in _rollup_keys(show):
            row = deltas.setdefault(key, dict.fromkeys(ROLLUP_FIGURES, 0))
            for name, value in contribution.items():
                row[name] += sign * value


def apply_to_rollup(connection, deltas):
    """Add {(dimension, day, key): {figure: delta}} to the rollup (rows made as needed),
    in key order: concurrent writers lock the rows they share in the same order."""
    rows = []
    for key in sorted(deltas, key=lambda k: (k[0], _as_date(k[1]), k[2])):
        figures = deltas[key]
        if any(figures.get(name) for name in ROLLUP_FIGURES):
            rows.append(
                {
                    **dict(zip(ROLLUP_KEY, key, strict=True)),
                    **{name: figures.get(name, 0) for name in ROLLUP_FIGURES},
                }
            )
    if not rows:
        return
    if _dialect(connection) == "sqlite":
        stmt = sqlite_insert(ROLLUP)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(ROLLUP_KEY),
            set_={name: ROLLUP.c[name] + stmt.excluded[name] for name in ROLLUP_FIGURES},
        )
    else:
        stmt = mysql_insert(ROLLUP)
        stmt = stmt.on_duplicate_key_update(
            {name: ROLLUP.c[name] + stmt.inserted[name] for name in ROLLUP_FIGURES}
        )
    connection.execute(stmt, rows)


def _read_shows(connection, where, lock):
    query = select(*_show_columns()).where(where)
    if lock and _dialect(connection) != "sqlite":
        query = query.with_for_update()
    return connection.execute(query).all()


@contextmanager
def rolled_up(connection, where):
    """Carry into the rollup whatever the enclosed statements change in the rows of
    `box_office_show` that `where` selects (before: locked and subtracted; after: added)."""
    before = _read_shows(connection, where, lock=True)
    yield
    deltas = {}
    _add_contributions(deltas, before, -1)
    _add_contributions(deltas, _read_shows(connection, where, lock=False), 1)
    apply_to_rollup(connection, deltas)


# -- listeners: the descriptive columns follow the shows, rights and cinemas --------------------
def _changed(target, names):
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in names)


def _show_inserted(mapper, connection, target):
    copy_show_details(connection, [target.id])


def _show_updated(mapper, connection, target):
    if _changed(target, SHOW_ATTRIBUTES):
        copy_show_details(connection, [target.id])


def _show_deleted(mapper, connection, target):
    """Before a show's row goes: its contribution leaves the rollup, and its figures row goes
    with it (also where the database does not enforce the foreign key's cascade)."""
    where = TABLE.c.schedule_id == target.id
    with rolled_up(connection, where):
        connection.execute(sa.delete(TABLE).where(where))


def _refresh_share(connection, pairs):
    """Re-read the distributor share of the shows of these (movie, cinema) pairs."""
    for movie_id, cinema_id in sorted({p for p in pairs if None not in p}):
        where = sa.and_(TABLE.c.movie_id == movie_id, TABLE.c.cinema_id == cinema_id)
        with rolled_up(connection, where):
            connection.execute(
                update(TABLE)
                .where(where)
                .values(
                    distributor_share=share_of(
                        TABLE.c.movie_id, TABLE.c.cinema_id, TABLE.c.show_date
                    )
                )
            )


def _right_pairs(target):
    state = inspect(target)
    pairs = {(target.movie_id, target.cinema_id)}
    movies = state.attrs.movie_id.history
    cinemas = state.attrs.cinema_id.history
    for movie_id in movies.deleted or [target.movie_id]:
        for cinema_id in cinemas.deleted or [target.cinema_id]:
            pairs.add((movie_id, cinema_id))
    return pairs


def _right_changed(mapper, connection, target):
    _refresh_share(connection, _right_pairs(target))


def _cinema_updated(mapper, connection, target):
    if _changed(target, ("city_id",)):
        where = TABLE.c.cinema_id == target.id
        with rolled_up(connection, where):
            connection.execute(update(TABLE).where(where).values(city_id=target.city_id))


LISTENERS = (
    (Schedule, "after_insert", _show_inserted),
    (Schedule, "after_update", _show_updated),
    (Schedule, "before_delete", _show_deleted),
    (ScreeningRight, "after_insert", _right_changed),
    (ScreeningRight, "after_update", _right_changed),
    (ScreeningRight, "after_delete", _right_changed),
    (Cinema, "after_update", _cinema_updated),
)


def install_box_office_listeners():
    """Keep the descriptive columns in step on every path that writes through the ORM
    (forms, bulk scheduling, the CLI, the demo seed, tests); idempotent."""
    for model, name, listener in LISTENERS:
        if not event.contains(model, name, listener):
            event.listen(model, name, listener)
