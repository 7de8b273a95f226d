"""Seat layout rules (services/seating.py), without HTTP: the text form, numbering, versions.

Oracles from PRODUCT.md "Selling tickets": one line per row, front row first; S V C W X and
`.`; couples paired left to right; capacity = seats that are not blocked; a schedule keeps the
layout it was created with; shows on sale keep theirs when the layout changes.
"""

import json

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Hall, Schedule, Seat, SeatLayout
from portal.services.rules import RuleViolation
from portal.services.seating import (
    LayoutError,
    StaleLayout,
    change_layout,
    current_layout,
    delete_layouts,
    describe_change,
    format_layout,
    plan_layout,
    plan_of,
    show_seat_map,
)

DRAWN = "\n".join(
    [
        "SSSS.SSSSSS.SSSS",
        "SSSS.SSSSSS.SSSS",
        "................",
        "SSSS.VVVVVV.SSSS",
        "WSSS.SCCCCS.SXSW",
    ]
)


@pytest.fixture()
def ctx(app_ctx):
    """A request context in English: the messages below are the catalog's msgids."""
    with app_ctx.test_request_context(), force_locale("en"):
        yield app_ctx


def seats_by_label(plan):
    return {(s.row_label, s.seat_label): s for s in plan.seats}


# -- the text form -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        DRAWN,
        "S",
        "SSSS.SSSSSS.SSSS",
        "CC..CCCC\nXXXXXXXS\n........\nWWWWWWWW",
        "\n".join(["V" * 80] * 60),
    ],
)
def test_text_form_round_trips_through_seats(ctx, text):
    plan = plan_layout(text)
    assert format_layout(plan.seats, plan.row_count, plan.col_count) == text


def test_stored_layout_round_trips_text_to_seats_to_text(ctx, make):
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout(DRAWN, "rtl"))
    db.session.commit()
    stored = current_layout(db.session, hall.id)
    assert format_layout(stored.seats, stored.row_count, stored.col_count) == DRAWN
    again = plan_of(stored)
    assert (again.text, again.numbering) == (DRAWN, "rtl")


def test_spreadsheet_cells_lowercase_and_blank_edge_lines_are_accepted(ctx):
    pasted = "\n\ns\ts\t\tv\tv\nC\tC\t\tx\tw\n\n"
    assert plan_layout(pasted).text == "SS.VV\nCC.XW"


def test_kinds_come_from_the_letters(ctx):
    kinds = {s.col_no: s.kind for s in plan_layout("SVCCWX.").seats}
    assert kinds == {
        1: "standard",
        2: "vip",
        3: "couple",
        4: "couple",
        5: "wheelchair",
        6: "blocked",
    }


# -- numbering ----------------------------------------------------------------------------------
def test_rows_are_numbered_from_the_front_skipping_cross_aisles(ctx):
    plan = plan_layout(DRAWN)
    assert plan.row_labels == ["1", "2", "3", "4"]
    assert {s.row_label for s in plan.seats if s.row_no == 4} == {"3"}


def test_seats_numbered_left_to_right_skip_aisles(ctx):
    row = [s for s in plan_layout("SS.SSS").seats]
    assert [(s.col_no, s.seat_label) for s in row] == [
        (1, "1"),
        (2, "2"),
        (4, "3"),
        (5, "4"),
        (6, "5"),
    ]


def test_seats_numbered_right_to_left_skip_aisles(ctx):
    row = [s for s in plan_layout("SS.SSS", "rtl").seats]
    assert [(s.col_no, s.seat_label) for s in row] == [
        (1, "5"),
        (2, "4"),
        (4, "3"),
        (5, "2"),
        (6, "1"),
    ]


def test_ticket_label_prints_row_and_seat(ctx, make):
    plan = plan_layout(DRAWN)
    assert seats_by_label(plan)["3", "6"].ticket_label == "3排6座"
    hall = make.hall(seat_rows=5, seat_cols=8)
    seat = db.session.scalars(
        select(Seat).where(
            Seat.layout_id == current_layout(db.session, hall.id).id,
            Seat.row_no == 5,
            Seat.col_no == 8,
        )
    ).one()
    assert seat.ticket_label == "5排8座"


def test_row_labels_can_be_given_per_row_with_seats(ctx):
    plan = plan_layout("SS\n..\nSS\nSS", row_labels="1, 2 5")
    assert plan.row_labels == ["1", "2", "5"]
    assert plan.row_labels_text == "1 2 5"


def test_couple_seats_pair_left_to_right(ctx, make):
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SCCCCS"))
    db.session.commit()
    seats = {s.col_no: s for s in current_layout(db.session, hall.id).seats}
    assert seats[2].pair_seat_id == seats[3].id and seats[3].pair_seat_id == seats[2].id
    assert seats[4].pair_seat_id == seats[5].id and seats[5].pair_seat_id == seats[4].id
    assert seats[1].pair_seat_id is None and seats[6].pair_seat_id is None


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, labels, expected",
    [
        ("SSSS\nSSS\nSSSS", "", ["Row 2 has 3 columns, row 1 has 4"]),
        ("SSSS\nSSQS", "", ["Row 2, column 3: unknown seat “Q”"]),
        ("SSSS\nS SS", "", ["Row 2, column 2: unknown seat “ ”"]),
        ("SSSS\nSCCC", "", ["Row 2, column 4: couple seats come in pairs"]),
        ("", "", ["The layout is empty"]),
        ("\n  \n", "", ["The layout is empty"]),
        ("\n".join(["S"] * 61), "", ["Row 61: a hall has at most 60 rows."]),
        ("S" * 81, "", ["Row 1, column 81: a row has at most 80 columns."]),
        ("XX.\n...\nXXX", "", ["no seat that can be sold"]),
        ("SS\nSS\nSS", "1 2 1", ["Row 3, column 1: the row label “1” is already used by row 1"]),
        ("SS\nSS", "1", ["one row label per row with seats: the layout has 2 such rows, 1 labels"]),
    ],
)
def test_bad_layouts_are_refused_naming_row_and_column(ctx, text, labels, expected):
    with pytest.raises(LayoutError) as refused:
        plan_layout(text, row_labels=labels)
    for message in expected:
        assert any(message in problem for problem in refused.value.problems), refused.value.problems


def test_every_problem_is_listed_not_only_the_first(ctx):
    with pytest.raises(LayoutError) as refused:
        plan_layout("SSSS\nSSQ\nCCCS")
    assert len(refused.value.problems) == 3


def test_a_refused_layout_saves_nothing(ctx, make):
    hall = make.hall()
    before = (
        db.session.scalar(select(func.count()).select_from(SeatLayout)),
        db.session.scalar(select(func.count()).select_from(Seat)),
    )
    with pytest.raises(LayoutError):
        change_layout(db.session, hall.id, plan_layout("SSC"))
    db.session.rollback()
    assert (
        db.session.scalar(select(func.count()).select_from(SeatLayout)),
        db.session.scalar(select(func.count()).select_from(Seat)),
    ) == before


# -- every hall and every show has a layout -------------------------------------------------------
def test_a_new_hall_gets_version_1_from_rows_and_columns(ctx, make):
    hall = make.hall(seat_rows=7, seat_cols=9)
    layout = current_layout(db.session, hall.id)
    assert (layout.version, layout.row_count, layout.col_count, layout.capacity) == (1, 7, 9, 63)
    assert {s.kind for s in layout.seats} == {"standard"}
    assert len(layout.seats) == 63


def test_a_new_show_gets_the_halls_current_layout(ctx, make):
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SS.SS"))
    db.session.commit()
    show = make.schedule(hall=hall)
    assert show.seat_layout_id == current_layout(db.session, hall.id).id


def test_a_show_moved_to_another_hall_takes_that_halls_layout(ctx, make):
    show, other = make.schedule(), make.hall()
    show.hall = other
    db.session.commit()
    assert show.seat_layout_id == current_layout(db.session, other.id).id


def test_capacity_counts_the_current_layouts_seats_that_are_not_blocked(ctx, make):
    hall = make.hall(seat_rows=2, seat_cols=2)
    change_layout(db.session, hall.id, plan_layout("SVXW.CC\nXXSS.SS"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Hall.capacity).where(Hall.id == hall.id)) == 9


# -- versions ----------------------------------------------------------------------------------
def test_changing_a_layout_moves_shows_not_on_sale_and_keeps_shows_on_sale(ctx, make):
    hall = make.hall(seat_rows=2, seat_cols=4)
    first = current_layout(db.session, hall.id)
    waiting = [make.schedule(hall=hall, status="scheduled") for _ in range(3)]
    selling = [make.schedule(hall=hall, status="on_sale") for _ in range(2)]
    cancelled = make.schedule(hall=hall, status="cancelled")
    change = change_layout(db.session, hall.id, plan_layout("SS.SS\nVV.VV"), first.version)
    db.session.commit()
    db.session.expire_all()
    assert (change.layout.version, change.moved, change.kept) == (2, 3, 2)
    assert {db.session.get(Schedule, s.id).seat_layout_id for s in waiting} == {change.layout.id}
    assert {db.session.get(Schedule, s.id).seat_layout_id for s in selling} == {first.id}
    assert db.session.get(Schedule, cancelled.id).seat_layout_id == first.id
    assert len(current_layout(db.session, hall.id).seats) == 8
    assert len(db.session.get(SeatLayout, first.id).seats) == 8  # old seats stay as they were


def test_a_show_on_sale_keeps_its_seats_through_two_changes(ctx, make):
    hall = make.hall(seat_rows=1, seat_cols=4)
    selling = make.schedule(hall=hall, status="on_sale")
    seat_ids = {s.id for s in db.session.get(SeatLayout, selling.seat_layout_id).seats}
    change_layout(db.session, hall.id, plan_layout("SS.SS"))
    change_layout(db.session, hall.id, plan_layout("VVVVVV"))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(SeatLayout, db.session.get(Schedule, selling.id).seat_layout_id)
    assert kept.version == 1 and {s.id for s in kept.seats} == seat_ids
    assert current_layout(db.session, hall.id).version == 3


def test_a_change_updates_the_halls_grid_size(ctx, make):
    hall = make.hall(seat_rows=10, seat_cols=12)
    change_layout(db.session, hall.id, plan_layout("SSS.SSS\nSSS.SSS\nSSS.SSS"))
    db.session.commit()
    db.session.expire_all()
    assert (db.session.get(Hall, hall.id).seat_rows, db.session.get(Hall, hall.id).seat_cols) == (
        3,
        7,
    )


def test_a_change_from_an_older_version_is_refused(ctx, make):
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SSSS"), based_on_version=1)
    db.session.commit()
    with pytest.raises(StaleLayout):
        change_layout(db.session, hall.id, plan_layout("VVVV"), based_on_version=1)
    db.session.rollback()
    assert current_layout(db.session, hall.id).version == 2


def test_saving_the_same_layout_again_is_refused(ctx, make):
    hall = make.hall(seat_rows=1, seat_cols=3)
    with pytest.raises(RuleViolation):
        change_layout(db.session, hall.id, plan_layout("SSS"))
    db.session.rollback()
    assert current_layout(db.session, hall.id).version == 1


def test_a_change_is_audited_with_a_readable_summary(ctx, make):
    hall = make.hall(seat_rows=12, seat_cols=15)
    lines = ["VVVVVVV.VVVVVVV"] * 2 + ["SSSSSSS.SSSSSSS"] * 9 + ["XXCCCC.CCCCSSSS"]
    change = change_layout(db.session, hall.id, plan_layout("\n".join(lines)))
    db.session.commit()
    entry = db.session.scalars(select(AuditLog).where(AuditLog.model == "seat_layout")).one()
    changes = json.loads(entry.changes)
    assert changes["summary"] == "rows 12, seats 180 -> 166; vip 28; couple 4 pairs; blocked 2"
    assert changes["version"] == [1, 2] and changes["hall_id"] == hall.id
    assert entry.object_id == str(change.layout.id)
    assert len(entry.changes) < 400  # a summary, not a dump of seats


def test_describe_change_names_only_what_the_layout_has():
    before = {
        "rows": 10,
        "seats": 120,
        "standard": 120,
        "vip": 0,
        "couple": 0,
        "wheelchair": 0,
        "blocked": 0,
    }
    after = dict(before, seats=118, standard=116, wheelchair=2, blocked=2)
    assert describe_change(before, after) == "rows 10, seats 120 -> 118; wheelchair 2; blocked 2"
    assert describe_change(None, before) == "rows 10, seats 120"


def test_deleting_a_hall_without_shows_removes_its_layouts(ctx, make):
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SCCS"))
    db.session.commit()
    delete_layouts(db.session, hall.id)
    db.session.delete(hall)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SeatLayout)) == 0
    assert db.session.scalar(select(func.count()).select_from(Seat)) == 0


# -- a show's seat map ---------------------------------------------------------------------------
def test_seat_map_gives_each_seat_its_state_front_row_first(ctx, make):
    hall = make.hall()
    change_layout(db.session, hall.id, plan_layout("SX.S\n....\nCCVW"))
    db.session.commit()
    seat_map = show_seat_map(db.session, make.schedule(hall=hall))
    assert [row.label for row in seat_map.rows] == ["1", "", "2"]
    states = [[cell.state for cell in row.cells] for row in seat_map.rows]
    assert states == [
        ["free", "blocked", None, "free"],
        [None] * 4,
        ["free", "free", "free", "free"],
    ]
    assert seat_map.counts == {"free": 6, "blocked": 1}
    assert [cell.side for cell in seat_map.rows[2].cells] == ["left", "right", "", ""]


def test_problems_are_named_in_chinese_too(app_ctx):
    with (
        app_ctx.test_request_context(),
        force_locale("zh_Hans_CN"),
        pytest.raises(LayoutError) as refused,
    ):
        plan_layout("SSSS\nSSQS")
    assert refused.value.problems == [
        "第2行第3列：无法识别的座位“Q”（请使用 S、V、C、W、X 或 .）。"
    ]
