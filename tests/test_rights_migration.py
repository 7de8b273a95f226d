"""Migration 0006 keeps the shows a database already has valid: each scheduled (movie, cinema)
gets a screening right over its show days, each show its one price as the adult standard
price, and the default roles the new permission codes. On a SQLite file of its own."""

import datetime as dt
from decimal import Decimal

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from portal.models import Role, Schedule, SchedulePrice, ScreeningRight
from portal.services.scheduling import prepare_schedule

BEFORE = "0003"  # the revision before rights and prices


@pytest.fixture()
def old_database(tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}",
        RATELIMIT_STORAGE_URI="memory://",
    )
    with app.app_context():
        upgrade(revision=BEFORE)
        db.session.execute(
            text(
                "INSERT INTO city (id, name, pinyin, letter, parent_id) VALUES (1, '北京', "
                "'BEIJING', 'B', 0)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO cinema (id, name, city_id, address, phone, is_active, created_at, "
                "version) VALUES (1, '老影城', 1, '', '', 1, '2026-01-01 00:00:00', 1)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO hall (id, cinema_id, name, hall_type, seat_rows, seat_cols, "
                "is_active, version) VALUES (1, 1, '1号厅', '2D', 10, 10, 1, 1)"
            )
        )
        db.session.execute(
            text(
                'INSERT INTO movie (id, title, original_title, director, "cast", genres, '
                "language, country, duration_minutes, status, version) VALUES (1, '老片', '', "
                "'', '', '', '', '', 100, 'showing', 1)"
            )
        )
        for sid, start, price in (
            (1, "2030-03-04 10:00:00", "39.90"),
            (2, "2030-03-09 19:00:00", "49.90"),
        ):
            db.session.execute(
                text(
                    "INSERT INTO schedule (id, movie_id, hall_id, starts_at, ends_at, price, "
                    "language_version, status, version) VALUES (:id, 1, 1, :start, :start, "
                    ":price, '', 'scheduled', 1)"
                ),
                {"id": sid, "start": start, "price": price},
            )
        db.session.commit()
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_each_scheduled_movie_and_cinema_gets_a_right_over_its_show_days(old_database):
    (right,) = db.session.query(ScreeningRight).all()
    assert (right.movie_id, right.cinema_id) == (1, 1)
    assert (right.starts_on, right.ends_on) == (dt.date(2030, 3, 4), dt.date(2030, 3, 9))


def test_each_show_keeps_its_price_as_the_adult_standard_price(old_database):
    rows = db.session.query(SchedulePrice).order_by(SchedulePrice.schedule_id).all()
    assert [(r.schedule_id, r.ticket_type.code, r.seat_kind, r.price) for r in rows] == [
        (1, "adult", "standard", Decimal("39.90")),
        (2, "adult", "standard", Decimal("49.90")),
    ]


def test_existing_show_still_passes_every_rule(old_database):
    show = db.session.get(Schedule, 2)
    show.starts_at = dt.datetime(2030, 3, 9, 20, 0)
    prepare_schedule(db.session, show)
    db.session.commit()
    assert db.session.get(Schedule, 2).ends_at == dt.datetime(2030, 3, 9, 21, 55)


def test_default_roles_get_the_new_permission_codes(old_database):
    codes = {role.code: {p.code for p in role.permissions} for role in db.session.query(Role)}
    assert {"right.create", "right.view"} <= codes["content_editor"]
    assert {"pricecard.edit", "right.view", "tickettype.view"} <= codes["cinema_manager"]
    assert "right.create" not in codes["cinema_manager"]
    assert "pricecard.export" not in codes["cinema_manager"]
    assert "right.export" not in codes["content_editor"]
    assert {"right.export", "pricecard.export", "tickettype.export"} <= codes["auditor"]
    assert "tickettype.delete" in codes["platform_admin"]
