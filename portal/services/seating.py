"""Seat layouts: the text form, seat numbering, versions, copying, and a show's seat map.

The text form (PRODUCT.md "Selling tickets"): one line per row, front row first, one
character per grid column: S standard, V vip, C couple (paired left to right), W wheelchair,
X blocked, `.` aisle or no seat. A layout is never edited in place: a change is a new version;
shows not yet on sale move to it, shows on sale keep the seats their tickets name.
"""

import re
from collections import Counter, namedtuple
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, event, exists, func, inspect, select, update
from sqlalchemy.orm import Session, aliased

from ..models import Hall, Schedule, Seat, SeatLayout, Ticket
from ..models.seating import (
    BLOCKED,
    COUPLE,
    LEFT_TO_RIGHT,
    NUMBERINGS,
    SEAT_KINDS,
    STANDARD,
    VIP,
    WHEELCHAIR,
)
from . import audit
from .rules import RuleViolation
from .scheduling import lock_hall

CHAR_OF_KIND = {STANDARD: "S", VIP: "V", COUPLE: "C", WHEELCHAIR: "W", BLOCKED: "X"}
KIND_OF_CHAR = {char: kind for kind, char in CHAR_OF_KIND.items()}
AISLE = "."
MAX_ROWS, MAX_COLS = 60, 80
MAX_LABEL_LENGTH = 8
MAX_PROBLEMS = 20  # a pasted page of nonsense gets a readable list, not thousands of lines

# A show's seat states (show_seat_map reads "sold" from the show's live tickets).
FREE, UNAVAILABLE, SOLD = "free", "blocked", "sold"


class LayoutError(RuleViolation):
    """A layout refused: every problem found (row and column named), nothing saved."""

    def __init__(self, problems):
        self.problems = [str(p) for p in problems][:MAX_PROBLEMS]
        super().__init__(" ".join(self.problems))


class StaleLayout(RuleViolation):
    """The layout changed after the editor was opened."""


@dataclass(frozen=True)
class PlannedSeat:
    """A seat of a layout not yet stored: what plan_layout makes of the text form."""

    row_no: int
    col_no: int
    kind: str
    row_label: str
    seat_label: str
    pair_col: int | None = None

    @property
    def ticket_label(self):
        return f"{self.row_label}排{self.seat_label}座"


@dataclass(frozen=True)
class LayoutPlan:
    """A checked layout: its grid, its numbering and its seats, labels included."""

    lines: tuple
    numbering: str
    seats: tuple
    custom_row_labels: bool = False

    @property
    def row_count(self):
        return len(self.lines)

    @property
    def col_count(self):
        return len(self.lines[0])

    @property
    def text(self):
        return "\n".join(self.lines)

    @property
    def row_labels(self):
        """The labels of the rows that have seats, front first."""
        labels = {seat.row_no: seat.row_label for seat in self.seats}
        return [labels[row] for row in sorted(labels)]

    @property
    def row_labels_text(self):
        """The labels as typed in the editor: empty when they are the plain 1, 2, 3..."""
        return " ".join(self.row_labels) if self.custom_row_labels else ""

    @property
    def stats(self):
        return layout_stats(self.seats)


@dataclass(frozen=True)
class LayoutChange:
    layout: SeatLayout
    previous: SeatLayout | None
    moved: int  # shows not yet on sale, now on the new version
    kept: int  # shows on sale, still on an earlier version
    summary: str


# -- the text form ---------------------------------------------------------------------------
def _where(row, col=None):
    if col is None:
        return _("Row %(row)s", row=row)
    return _("Row %(row)s, column %(col)s", row=row, col=col)


def _cells(line):
    """One line's cells: a spreadsheet's tab-separated cells (an empty cell is an aisle), or
    one character per column."""
    if "\t" in line:
        return [cell.strip().upper() or AISLE for cell in line.split("\t")]
    return list(line.strip().upper())


def parse_layout_lines(text):
    """The text form as a list of equal-length lines of S V C W X and `.`; LayoutError names
    the row and column of every problem."""
    lines = (text or "").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise LayoutError(
            [
                _(
                    "The layout is empty: give one line per row, front row first, "
                    "for example SSSS.SSSS."
                )
            ]
        )
    problems = []
    if len(lines) > MAX_ROWS:
        problems.append(
            _(
                "%(where)s: a hall has at most %(max)s rows.",
                where=_where(MAX_ROWS + 1),
                max=MAX_ROWS,
            )
        )
    rows = [_cells(line) for line in lines[:MAX_ROWS]]
    width = len(rows[0])
    for row_no, cells in enumerate(rows, 1):
        if len(cells) > MAX_COLS:
            problems.append(
                _(
                    "%(where)s: a row has at most %(max)s columns.",
                    where=_where(row_no, MAX_COLS + 1),
                    max=MAX_COLS,
                )
            )
        elif len(cells) != width:
            problems.append(
                _(
                    "%(where)s has %(count)s columns, row 1 has %(width)s: every "
                    "row needs the same number (use . where there is no seat).",
                    where=_where(row_no),
                    count=len(cells),
                    width=width,
                )
            )
        for col_no, cell in enumerate(cells[:MAX_COLS], 1):
            if cell != AISLE and cell not in KIND_OF_CHAR:
                problems.append(
                    _(
                        "%(where)s: unknown seat “%(char)s” (use S, V, C, W, X or .).",
                        where=_where(row_no, col_no),
                        char=cell,
                    )
                )
        problems.extend(_odd_couple_runs(row_no, cells))
    if problems:
        raise LayoutError(problems)
    return ["".join(cells) for cells in rows]


def _odd_couple_runs(row_no, cells):
    for match in re.finditer(r"C+", "".join(c if len(c) == 1 else "?" for c in cells)):
        if len(match.group()) % 2:
            yield _(
                "%(where)s: couple seats come in pairs (CC); this run of %(count)s C "
                "leaves its last seat without a partner.",
                where=_where(row_no, match.end()),
                count=len(match.group()),
            )


def split_row_labels(text):
    return [label for label in re.split(r"[\s,，、;；]+", text or "") if label]


def plan_layout(text, numbering=LEFT_TO_RIGHT, row_labels=""):
    """Check the text form and number its seats: rows with seats are numbered from the front
    (1, 2, 3... unless `row_labels` gives one label per such row), seats within a row left to
    right or right to left, aisles skipped. Raises LayoutError naming row and column."""
    lines = parse_layout_lines(text)
    if numbering not in NUMBERINGS:
        raise LayoutError([_("Unknown numbering: %(value)s.", value=numbering)])
    seat_rows = [row_no for row_no, line in enumerate(lines, 1) if line.strip(AISLE)]
    labels, custom = _row_labels(seat_rows, row_labels)
    seats = []
    for row_no, line in enumerate(lines, 1):
        columns = [col_no for col_no, char in enumerate(line, 1) if char != AISLE]
        in_order = columns if numbering == LEFT_TO_RIGHT else columns[::-1]
        numbers = {col_no: str(n) for n, col_no in enumerate(in_order, 1)}
        partners = _couple_partners(line)
        for col_no in columns:
            seats.append(
                PlannedSeat(
                    row_no,
                    col_no,
                    KIND_OF_CHAR[line[col_no - 1]],
                    labels.get(row_no, ""),
                    numbers[col_no],
                    partners.get(col_no),
                )
            )
    if not any(seat.kind != BLOCKED for seat in seats):
        raise LayoutError(
            [
                _(
                    "The layout has no seat that can be sold: every place is blocked "
                    "(X) or an aisle (.)."
                )
            ]
        )
    return LayoutPlan(tuple(lines), numbering, tuple(seats), custom)


def _row_labels(seat_rows, text):
    """{row_no: label} for the rows with seats, and whether the labels were given."""
    given = split_row_labels(text)
    if not given:
        return {row_no: str(n) for n, row_no in enumerate(seat_rows, 1)}, False
    problems = []
    if len(given) != len(seat_rows):
        problems.append(
            _(
                "Give one row label per row with seats: the layout has %(rows)s such "
                "rows, %(labels)s labels were given.",
                rows=len(seat_rows),
                labels=len(given),
            )
        )
    first_row_of = {}
    for row_no, label in zip(seat_rows, given, strict=False):
        if len(label) > MAX_LABEL_LENGTH:
            problems.append(
                _(
                    "%(where)s: the row label “%(label)s” is longer than %(max)s characters.",
                    where=_where(row_no),
                    label=label,
                    max=MAX_LABEL_LENGTH,
                )
            )
        elif label in first_row_of:
            problems.append(
                _(
                    "%(where)s, column 1: the row label “%(label)s” is already used "
                    "by row %(other)s; seat labels must be unique.",
                    where=_where(row_no),
                    label=label,
                    other=first_row_of[label],
                )
            )
        first_row_of.setdefault(label, row_no)
    if problems:
        raise LayoutError(problems)
    return dict(zip(seat_rows, given, strict=True)), True


def _couple_partners(line):
    """{col_no: partner col_no} for the couple seats of one checked line."""
    partners = {}
    for match in re.finditer(r"C+", line):
        for left in range(match.start() + 1, match.end() + 1, 2):
            partners[left], partners[left + 1] = left + 1, left
    return partners


def format_layout(seats, row_count, col_count):
    """The text form of a layout's seats (stored or planned): text -> seats -> text is exact."""
    grid = [[AISLE] * col_count for _row in range(row_count)]
    for seat in seats:
        grid[seat.row_no - 1][seat.col_no - 1] = CHAR_OF_KIND[seat.kind]
    return "\n".join("".join(row) for row in grid)


def rectangular_text(rows, cols):
    """A plain hall: `rows` rows of `cols` standard seats."""
    return "\n".join(["S" * cols] * rows)


def plan_of(layout):
    """A stored layout as a plan: its text, numbering and row labels, ready to edit."""
    seats = layout.seats
    text = format_layout(seats, layout.row_count, layout.col_count)
    stored = {seat.row_no: seat.row_label for seat in seats}
    default = {row_no: str(n) for n, row_no in enumerate(sorted(stored), 1)}
    labels = "" if stored == default else " ".join(stored[r] for r in sorted(stored))
    return plan_layout(text, layout.numbering, labels)


def layout_stats(seats):
    """Counts a summary is made of: rows with seats, capacity, seats of each kind."""
    kinds = Counter(seat.kind for seat in seats)
    return {
        "rows": len({seat.row_no for seat in seats}),
        "seats": sum(n for kind, n in kinds.items() if kind != BLOCKED),
        **{kind: kinds.get(kind, 0) for kind in SEAT_KINDS},
    }


def describe_change(before, after):
    """A readable audit summary, e.g. "rows 12, seats 180 -> 176; vip 20; couple 4 pairs;
    blocked 2": rows and capacity before and after, then what the new layout has of each
    special kind (`before` is None for a first layout)."""

    def figure(key):
        old = None if before is None else before[key]
        return f"{after[key]}" if old is None or old == after[key] else f"{old} -> {after[key]}"

    parts = [f"rows {figure('rows')}, seats {figure('seats')}"]
    for kind in (VIP, COUPLE, WHEELCHAIR, BLOCKED):
        if after[kind] or (before and before[kind]):
            count = after[kind] // 2 if kind == COUPLE else after[kind]
            unit = "" if kind != COUPLE else " pair" if count == 1 else " pairs"
            parts.append(f"{kind} {count}{unit}")
    return "; ".join(parts)


# -- stored layouts ---------------------------------------------------------------------------
def current_layout(session, hall_id, lock=False):
    """The hall's highest layout version (share-locked with `lock`: read as committed)."""
    query = (
        select(SeatLayout)
        .where(SeatLayout.hall_id == hall_id)
        .order_by(SeatLayout.version.desc())
        .limit(1)
    )
    if lock:
        query = query.with_for_update(read=True)
    return session.execute(query).scalar_one_or_none()


def add_layout(session, hall, plan, version):
    """Store `plan` as version `version` of `hall` (seats and couple pairs) in the session."""
    layout = SeatLayout(
        hall=hall,
        version=version,
        row_count=plan.row_count,
        col_count=plan.col_count,
        numbering=plan.numbering,
        capacity=plan.stats["seats"],
    )
    by_col = {}
    for planned in plan.seats:
        seat = Seat(
            layout=layout,
            row_no=planned.row_no,
            col_no=planned.col_no,
            row_label=planned.row_label,
            seat_label=planned.seat_label,
            kind=planned.kind,
        )
        by_col[planned.row_no, planned.col_no] = (seat, planned.pair_col)
    for (row_no, _col), (seat, pair_col) in by_col.items():
        if pair_col is not None:
            seat.pair = by_col[row_no, pair_col][0]
    session.add(layout)
    return layout


def first_layout(session, hall):
    """A new hall's version 1: `seat_rows` x `seat_cols` standard seats (every path that
    creates a hall gets it at flush, see install_seating_listener)."""
    for name in ("seat_rows", "seat_cols"):
        if getattr(hall, name) is None:
            setattr(hall, name, Hall.__table__.c[name].default.arg)
    return add_layout(
        session, hall, plan_layout(rectangular_text(hall.seat_rows, hall.seat_cols)), 1
    )


def shows_on_layouts(session, hall_id):
    """(shows not yet on sale, shows on sale) of a hall: who moves and who keeps on change."""
    counts = dict(
        session.execute(
            select(Schedule.status, func.count())
            .where(Schedule.hall_id == hall_id, Schedule.status.in_(("scheduled", "on_sale")))
            .group_by(Schedule.status)
        ).all()
    )
    return counts.get("scheduled", 0), counts.get("on_sale", 0)


def change_layout(session, hall_id, plan, based_on_version=None):
    """Make `plan` the hall's new current version, in the caller's transaction.

    The hall row is locked first (as scheduling does), so no show is created on the old
    version meanwhile. Shows not yet on sale move to the new version; shows on sale keep
    theirs. Refuses a plan opened from an older version, and a plan that changes nothing.
    """
    hall = lock_hall(session, hall_id)
    current = current_layout(session, hall_id, lock=True)
    if current is not None and based_on_version is not None and current.version != based_on_version:
        who = audit.last_editor("seat_layout", current.id)
        raise StaleLayout(
            _(
                "%(who)s saved version %(version)s of this layout after you opened "
                "it. Nothing was saved: look at it and edit again.",
                who=who or _("Someone"),
                version=current.version,
            )
        )
    before = plan_of(current) if current is not None else None
    if before is not None and (before.text, before.numbering, before.row_labels) == (
        plan.text,
        plan.numbering,
        plan.row_labels,
    ):
        raise RuleViolation(
            _("Nothing to save: this is version %(version)s as it is.", version=current.version)
        )
    layout = add_layout(session, hall, plan, (current.version if current else 0) + 1)
    session.flush()
    moved = session.execute(
        update(Schedule)
        .where(
            Schedule.hall_id == hall_id,
            Schedule.status == "scheduled",
            Schedule.seat_layout_id != layout.id,
            ~exists().where(Ticket.schedule_id == Schedule.id),
        )
        .values(seat_layout_id=layout.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    kept = session.scalar(
        select(func.count())
        .select_from(Schedule)
        .where(
            Schedule.hall_id == hall_id,
            Schedule.status == "on_sale",
            Schedule.seat_layout_id != layout.id,
        )
    )
    hall.seat_rows, hall.seat_cols = plan.row_count, plan.col_count
    summary = describe_change(before.stats if before else None, plan.stats)
    audit.record(
        "create",
        "seat_layout",
        layout.id,
        changes={
            "hall": str(hall),
            "hall_id": hall.id,
            "version": [current.version if current else None, layout.version],
            "summary": summary,
            "shows_moved": moved,
            "shows_kept": kept,
        },
        commit=False,
    )
    return LayoutChange(layout, current, moved, kept, summary)


def delete_layouts(session, hall_id):
    """Remove a hall's layouts with the hall itself (only a hall without shows is deleted)."""
    layout_ids = select(SeatLayout.id).where(SeatLayout.hall_id == hall_id)
    session.execute(
        delete(Seat)
        .where(Seat.layout_id.in_(layout_ids))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(SeatLayout)
        .where(SeatLayout.hall_id == hall_id)
        .execution_options(synchronize_session=False)
    )


# -- every new hall and show gets its layout, whatever the path -------------------------------
def _layout_of_hall(session, hall, hall_id, known):
    """The layout a show in this hall gets now: a new hall's first, else the current one
    (`known` remembers it per hall for the rest of the flush: bulk scheduling adds 200)."""
    if hall is not None and hall in session.new:
        return hall.layouts[-1] if hall.layouts else None
    hall_id = hall.id if hall is not None else hall_id
    if hall_id not in known:
        known[hall_id] = current_layout(session, hall_id, lock=True)
    return known[hall_id]


def _hall_changed(schedule):
    state = inspect(schedule)
    return state.attrs.hall.history.has_changes() or state.attrs.hall_id.history.has_changes()


def _before_flush(session, flush_context, instances):
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, Hall) and not obj.layouts:
                first_layout(session, obj)
        known = {}
        for obj in list(session.new) + list(session.dirty):
            if not isinstance(obj, Schedule):
                continue
            is_new = obj in session.new
            if (is_new and obj.seat_layout_id is None and obj.seat_layout is None) or (
                not is_new and _hall_changed(obj)
            ):
                layout = _layout_of_hall(session, obj.hall, obj.hall_id, known)
                if layout is not None:
                    obj.seat_layout = layout


def install_seating_listener():
    """New halls get their first layout and new shows their hall's current one at flush, so
    forms, bulk scheduling, the CLI, the demo seed and tests all agree (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


# -- a show's seat map -------------------------------------------------------------------------
@dataclass(frozen=True)
class GridCell:
    col_no: int
    seat: object  # Seat, PlannedSeat or None for an aisle
    state: str | None
    side: str = ""  # "left" or "right" half of a couple seat


@dataclass(frozen=True)
class GridRow:
    row_no: int
    label: str
    cells: tuple


def seat_grid(seats, row_count, col_count, states=None):
    """Rows front first, each with one cell per grid column; `states` maps a seat's id to its
    state (default: blocked seats unavailable, every other seat free)."""
    at = {(seat.row_no, seat.col_no): seat for seat in seats}
    rows = []
    for row_no in range(1, row_count + 1):
        cells, label, side = [], "", ""
        for col_no in range(1, col_count + 1):
            seat = at.get((row_no, col_no))
            state = None
            if seat is not None:
                label = seat.row_label
                state = (states or {}).get(getattr(seat, "id", None)) or default_state(seat)
            # Couple runs pair left to right (the text form's rule): halves alternate.
            side = (
                ("right" if side == "left" else "left")
                if seat is not None and seat.kind == COUPLE
                else ""
            )
            cells.append(GridCell(col_no, seat, state, side))
        rows.append(GridRow(row_no, label, tuple(cells)))
    return rows


def default_state(seat):
    return UNAVAILABLE if seat.kind == BLOCKED else FREE


LayoutFacts = namedtuple("LayoutFacts", "version row_count col_count")


@dataclass(frozen=True)
class SeatMap:
    layout: LayoutFacts
    rows: list
    counts: dict  # state -> seats


def show_seat_map(session, schedule):
    """A show's seats with their states, as rows of the grid, front row first.

    One query: the layout's seats, each with its layout joined and its live ticket of this
    show outer-joined (the sold ones), however many tickets the show and the others have."""
    live = aliased(Ticket)
    seats = session.execute(
        select(
            Seat.id,
            Seat.row_no,
            Seat.col_no,
            Seat.row_label,
            Seat.seat_label,
            Seat.kind,
            Seat.pair_seat_id,
            SeatLayout.version,
            SeatLayout.row_count,
            SeatLayout.col_count,
            live.id.label("ticket_id"),
        )
        .join(SeatLayout, SeatLayout.id == Seat.layout_id)
        .outerjoin(live, (live.schedule_id == schedule.id) & (live.live_seat_id == Seat.id))
        .where(Seat.layout_id == schedule.seat_layout_id)
        .order_by(Seat.row_no, Seat.col_no)
    ).all()
    # Rows, not ORM objects: a 600-seat hall reads 600 of them per page view.
    layout = (
        LayoutFacts(*seats[0][7:10])
        if seats
        else LayoutFacts(
            *session.execute(
                select(SeatLayout.version, SeatLayout.row_count, SeatLayout.col_count).where(
                    SeatLayout.id == schedule.seat_layout_id
                )
            ).one()
        )
    )
    states = {seat.id: SOLD if seat.ticket_id else default_state(seat) for seat in seats}
    return SeatMap(
        layout,
        seat_grid(seats, layout.row_count, layout.col_count, states),
        dict(Counter(states.values())),
    )
