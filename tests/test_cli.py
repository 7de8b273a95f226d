"""The command line: import-cities, seed-demo, create-user and sync-permissions."""

import json
import os

import pytest

from portal import access
from portal.extensions import db
from portal.models import Cinema, City, Hall, Movie, Permission, Role, Schedule, User
from portal.services.demo import CITIES_FILE


def city_file(tmp_path, cities):
    groups = {}
    for city in cities:
        groups.setdefault(city["pinYin"][0], []).append(city)
    path = tmp_path / "cities.json"
    path.write_text(
        json.dumps({"returnCode": "0", "returnValue": groups}, ensure_ascii=False), encoding="utf-8"
    )
    return path


ABA = {"id": 3643, "parentId": 0, "regionName": "阿坝", "cityCode": 513200, "pinYin": "ABA"}
BEIJING = {"id": 1, "parentId": 0, "regionName": "北京", "cityCode": 110100, "pinYin": "BEIJING"}


def test_import_cities_twice_gives_the_same_rows(runner, tmp_path):
    path = city_file(tmp_path, [ABA, BEIJING])
    first = runner.invoke(args=["import-cities", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 created" in first.output
    rows = sorted((c.id, c.name, c.pinyin, c.letter, c.city_code) for c in db.session.query(City))
    second = runner.invoke(args=["import-cities", str(path)])
    assert second.exit_code == 0 and "0 created, 0 updated, 2 unchanged" in second.output
    db.session.expire_all()
    assert (
        sorted((c.id, c.name, c.pinyin, c.letter, c.city_code) for c in db.session.query(City))
        == rows
    )
    assert rows[0] == (1, "北京", "BEIJING", "B", 110100)


def test_import_cities_updates_changed_names(runner, tmp_path):
    runner.invoke(args=["import-cities", str(city_file(tmp_path, [ABA]))])
    result = runner.invoke(
        args=["import-cities", str(city_file(tmp_path, [dict(ABA, regionName="阿坝州")]))]
    )
    assert "1 updated" in result.output
    db.session.expire_all()
    assert db.session.get(City, 3643).name == "阿坝州"


def test_shipped_city_list_has_more_than_300_chinese_cities(runner):
    result = runner.invoke(args=["import-cities", str(CITIES_FILE)])
    assert result.exit_code == 0, result.output
    assert db.session.query(City).count() >= 300
    assert db.session.query(City).filter_by(name="上海").count() == 1


@pytest.mark.parametrize(
    "content", ["not json", '{"returnValue": []}', '{"returnValue": {"A": [{"id": "x"}]}}']
)
def test_import_of_a_malformed_file_fails_cleanly(runner, tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import-cities", str(path)])
    assert result.exit_code != 0 and "Error" in result.output
    assert db.session.query(City).count() == 0


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "portal-demo-2026" in first.output
    counts = [db.session.query(m).count() for m in (City, Cinema, Hall, Movie, Schedule, User)]
    assert all(counts)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert [
        db.session.query(m).count() for m in (City, Cinema, Hall, Movie, Schedule, User)
    ] == counts
    manager = db.session.query(User).filter_by(username="manager").one()
    assert [c.name for c in manager.cinemas] == ["万达影城（CBD店）"]


def test_seed_demo_is_refused_in_production(app):
    from portal import create_app

    prod = create_app(
        "production", SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]
    )
    result = prod.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "never seeds" in result.output


def test_create_user_with_role_and_cinema(runner, make):
    cinema = make.cinema()
    result = runner.invoke(
        args=[
            "create-user",
            "zhang",
            "--role",
            "cinema_manager",
            "--cinema",
            str(cinema.id),
            "--email",
            "z@example.com",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="zhang").one()
    assert user.role_codes == {"cinema_manager"} and user.cinemas == [cinema]
    assert user.check_password("a-long-password")


def test_create_user_takes_the_password_from_the_environment(runner, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "from-the-environment")
    result = runner.invoke(args=["create-user", "li", "--role", "auditor"])
    assert result.exit_code == 0, result.output
    assert (
        db.session.query(User).filter_by(username="li").one().check_password("from-the-environment")
    )


def test_create_user_prompts_for_a_hidden_password(runner, monkeypatch):
    monkeypatch.delenv("PORTAL_PASSWORD", raising=False)
    result = runner.invoke(
        args=["create-user", "wang", "--role", "auditor"],
        input="prompted-password\nprompted-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "prompted-password" not in result.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--role", "nope", "--password", "a-long-password"], "unknown role"),
        (["--role", "auditor", "--password", "short"], "at least 10"),
        (
            ["--role", "cinema_manager", "--cinema", "999999", "--password", "a-long-password"],
            "unknown cinema",
        ),
    ],
)
def test_create_user_refuses_bad_input_without_writing(runner, args, message):
    result = runner.invoke(args=["create-user", "bad"] + args)
    assert result.exit_code != 0 and message in result.output
    assert db.session.query(User).filter_by(username="bad").count() == 0


def test_sync_permissions_restores_codes_and_default_roles(runner):
    db.session.query(Role).filter_by(code="auditor").one().permissions = []
    db.session.commit()
    result = runner.invoke(args=["sync-permissions"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert {p.code for p in db.session.query(Permission)} == set(access.ALL_PERMISSIONS)
    for code, (_, _, perms) in access.DEFAULT_ROLES.items():
        role = db.session.query(Role).filter_by(code=code).one()
        assert {p.code for p in role.permissions} == perms


def test_seed_demo_gives_every_movie_a_poster_stored_like_an_upload(runner, app_ctx):
    from PIL import Image

    from portal.services import posters

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    movies = db.session.query(Movie).all()
    names = {movie.poster for movie in movies}
    assert movies and None not in names and len(names) == len(movies)
    for name in names:
        with Image.open(posters.poster_path(name)) as image:
            assert image.size == (400, 600)
        assert os.path.exists(posters.poster_path(posters.thumbnail_name(name)))
    runner.invoke(args=["seed-demo"])
    assert {m.poster for m in db.session.query(Movie)} == names
