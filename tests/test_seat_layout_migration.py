"""Migration 0005 on a database holding data: every hall gets version 1 of its layout from
its rows x columns, every schedule its hall's layout. Runs on a database of its own (a
temporary SQLite file, or `<name>_migration` next to the MySQL database under test)."""

import datetime as dt
import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db


@pytest.fixture()
def migration_app(tmp_path):
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    drop = None
    if url and url.startswith("mysql"):
        url = sa.engine.make_url(url)
        url = url.set(database=f"{url.database}_migration")
        name = url.database
        server = sa.create_engine(
            sa.engine.URL.create(
                url.drivername, url.username, url.password, url.host, url.port, query=url.query
            )
        )
        with server.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{url.database}`"))
            conn.execute(
                sa.text(
                    f"CREATE DATABASE `{url.database}` CHARACTER SET utf8mb4 "
                    "COLLATE utf8mb4_unicode_ci"
                )
            )

        def drop():
            with server.begin() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
            server.dispose()

        url = url.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'migration.db'}"
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        UPLOADS_DEST=str(tmp_path),
        RATELIMIT_STORAGE_URI="memory://",
    )
    yield app
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


def insert_production_data(conn):
    """Rows as they stood before seat layouts: two halls, shows in both."""
    conn.execute(
        sa.text(
            "INSERT INTO city (id, name, pinyin, letter, parent_id) "
            "VALUES (1, '北京', 'BEIJING', 'B', 0)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO cinema (id, name, city_id, address, phone, is_active, "
            "created_at, version) VALUES (1, '老影城', 1, '', '', 1, :at, 1)"
        ),
        {"at": dt.datetime(2025, 1, 1)},
    )
    conn.execute(
        sa.text(
            "INSERT INTO hall (id, cinema_id, name, hall_type, seat_rows, seat_cols, "
            "is_active, version) VALUES (1, 1, '1号厅', '2D', 3, 4, 1, 1), "
            "(2, 1, '2号厅', 'IMAX', 2, 5, 1, 1)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO movie (id, title, original_title, director, `cast`, "
            "genres, language, country, duration_minutes, status, version) "
            "VALUES (1, '旧片', '', '', '', '', '', '', 100, 'showing', 1)"
        )
        if conn.dialect.name == "mysql"
        else sa.text(
            'INSERT INTO movie (id, title, original_title, director, "cast", '
            "genres, language, country, duration_minutes, status, version) "
            "VALUES (1, '旧片', '', '', '', '', '', '', 100, 'showing', 1)"
        )
    )
    for show_id, hall_id, status in ((1, 1, "on_sale"), (2, 1, "scheduled"), (3, 2, "cancelled")):
        starts = dt.datetime(2026, 1, 1, 10) + dt.timedelta(days=show_id)
        conn.execute(
            sa.text(
                "INSERT INTO schedule (id, movie_id, hall_id, starts_at, ends_at, price, "
                "language_version, status, version) VALUES (:id, 1, :hall, :starts, :ends, 40, '', "
                ":status, 1)"
            ),
            {
                "id": show_id,
                "hall": hall_id,
                "starts": starts,
                "ends": starts + dt.timedelta(minutes=115),
                "status": status,
            },
        )


def test_existing_halls_and_schedules_get_a_layout(migration_app):
    with migration_app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as conn:
            insert_production_data(conn)
        upgrade()
        with db.engine.connect() as conn:
            layouts = conn.execute(
                sa.text(
                    "SELECT hall_id, version, row_count, col_count, numbering, capacity, id "
                    "FROM seat_layout ORDER BY hall_id"
                )
            ).all()
            assert [tuple(r[:6]) for r in layouts] == [
                (1, 1, 3, 4, "ltr", 12),
                (2, 1, 2, 5, "ltr", 10),
            ]
            layout_of = {r[0]: r[6] for r in layouts}
            seats = conn.execute(
                sa.text(
                    "SELECT layout_id, row_no, col_no, row_label, seat_label, kind, pair_seat_id "
                    "FROM seat ORDER BY layout_id, row_no, col_no"
                )
            ).all()
            assert len(seats) == 22
            assert {s.kind for s in seats} == {"standard"}
            assert {s.pair_seat_id for s in seats} == {None}
            assert tuple(seats[0][1:5]) == (1, 1, "1", "1")
            assert tuple(seats[11][1:5]) == (3, 4, "3", "4")  # 3排4座
            shows = dict(conn.execute(sa.text("SELECT id, seat_layout_id FROM schedule")).all())
            assert shows == {1: layout_of[1], 2: layout_of[1], 3: layout_of[2]}


def test_downgrade_removes_the_seat_tables(migration_app):
    with migration_app.app_context():
        upgrade()
        downgrade(revision="0003")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert not {"seat", "seat_layout"} & tables
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("schedule")}
        assert "seat_layout_id" not in columns
