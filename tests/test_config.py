"""Environments: development defaults, overrides from the environment, refusals in production."""

from pathlib import Path

import pytest

from portal import create_app
from portal.config import ConfigError, load_config


@pytest.mark.parametrize("env", ["staging", "production"])
@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_staging_and_production_refuse_to_start_without_secrets(env, missing):
    environ = {"SECRET_KEY": "s3cret-from-vault", "DATABASE_URL": "mysql+pymysql://u@h/db"}
    del environ[missing]
    with pytest.raises(ConfigError, match=missing):
        load_config(env, environ)


def test_create_app_refuses_production_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError):
        create_app("production")


def test_production_uses_secure_cookies_and_never_seeds():
    config = load_config("production", {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SEED_DEMO"] is False


def test_portal_env_chooses_the_environment():
    assert load_config(environ={"PORTAL_ENV": "testing"})["ENV_NAME"] == "testing"
    assert load_config(environ={})["ENV_NAME"] == "development"
    with pytest.raises(ConfigError):
        load_config(environ={"PORTAL_ENV": "prod"})


def test_every_setting_can_come_from_the_environment():
    config = load_config(
        "development",
        {
            "DATABASE_URL": "mysql+pymysql://root@127.0.0.1/x",
            "SECRET_KEY": "k",
            "UPLOADS_DEST": "/srv/uploads",
            "MAX_CONTENT_LENGTH": "1024",
            "PORTAL_DEFAULT_LOCALE": "en",
            "SCHEDULE_CLEANUP_MINUTES": "20",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1",
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "mysql+pymysql://root@127.0.0.1/x"
    assert (config["UPLOADS_DEST"], config["MAX_CONTENT_LENGTH"]) == ("/srv/uploads", 1024)
    assert (config["BABEL_DEFAULT_LOCALE"], config["SCHEDULE_CLEANUP_MINUTES"]) == ("en", 20)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/1"


def test_a_malformed_number_is_a_clear_error():
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_config("development", {"MAX_CONTENT_LENGTH": "8MB"})


def test_mysql_urls_get_utf8mb4(app):
    other = create_app("testing", SQLALCHEMY_DATABASE_URI="mysql+pymysql://root@127.0.0.1/x")
    assert other.config["SQLALCHEMY_DATABASE_URI"].endswith("?charset=utf8mb4")


def test_the_factory_builds_independent_apps(app):
    second = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert second is not app
    assert "movie.index_view" in second.view_functions and "movie.index_view" in app.view_functions


@pytest.mark.parametrize(
    ("raw", "expected"), [("0", False), ("off", False), ("1", True), ("True", True)]
)
def test_fast_lists_can_be_switched_from_the_environment(raw, expected):
    assert load_config("development", {"PORTAL_FAST_LISTS": raw})["PORTAL_FAST_LISTS"] is expected


def test_a_malformed_switch_is_a_clear_error():
    with pytest.raises(ConfigError, match="PORTAL_FAST_LISTS"):
        load_config("development", {"PORTAL_FAST_LISTS": "maybe"})


def development_app(secret_file):
    return create_app(
        "development", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY_FILE=str(secret_file)
    )


def test_development_generates_its_own_secret_key_kept_private_under_instance(
    app, tmp_path, monkeypatch
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = development_app(tmp_path / "one" / "secret_key")
    other_checkout = development_app(tmp_path / "two" / "secret_key")
    restarted = development_app(tmp_path / "one" / "secret_key")
    key = first.config["SECRET_KEY"]
    assert len(key) >= 64 and key != other_checkout.config["SECRET_KEY"]
    assert restarted.config["SECRET_KEY"] == key
    assert (tmp_path / "one" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_development_keeps_its_secret_key_in_the_instance_folder(app, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    built = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://")
    kept = Path(built.instance_path) / "secret_key"
    assert kept.read_text().strip() == built.config["SECRET_KEY"]


def test_no_secret_key_is_written_in_the_code():
    from portal.config import CONFIGS

    assert all(config.SECRET_KEY is None for config in CONFIGS.values())
    assert load_config("testing", {})["SECRET_KEY"] != load_config("testing", {})["SECRET_KEY"]


@pytest.mark.parametrize("env", ["staging", "production"])
def test_staging_and_production_send_hsts_and_development_does_not(env):
    environ = {"SECRET_KEY": "s3cret-from-vault", "DATABASE_URL": "mysql+pymysql://u@h/db"}
    assert load_config(env, environ)["PORTAL_HSTS"] is True
    assert load_config("development", {})["PORTAL_HSTS"] is False
