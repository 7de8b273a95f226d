"""Settings: one class per environment, every value overridable from the environment.

Values are read from the environment when the app is built (`load_config`), not at import,
so tests and the CLI can change them per process.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A required setting is missing or wrong for this environment."""


class Config:
    ENV_NAME = "development"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 3600}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    UPLOADS_DEST = str(BASE_DIR / "uploads")
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    PORTAL_LOCALES = ("zh_Hans_CN", "en")
    SCHEDULE_CLEANUP_MINUTES = 15
    REFUND_CUTOFF_MINUTES = 30
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_FAILURE_LIMIT = "5 per 15 minutes"  # per username
    LOGIN_IP_LIMIT = "60 per minute"  # sign-in POSTs per client address (password spraying)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = False
    SESSION_PROTECTION = "strong"
    WTF_CSRF_TIME_LIMIT = None
    # Lists stop counting past this many rows and say "more than N" (see bench/README.md).
    PORTAL_COUNT_CAP = 1000
    # ...and remember such a "more than N" this many seconds (0: count on every page).
    PORTAL_COUNT_CACHE_SECONDS = 30
    SEED_DEMO = True
    REQUIRED = ()


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    # Only for a developer's machine; staging and production refuse to run without their own.
    SECRET_KEY = "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{BASE_DIR / 'instance' / 'portal.db'}"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Cheap hashes keep hundreds of sign-ins fast; other environments use Werkzeug's default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    LOGIN_IP_LIMIT = "10000 per minute"
    # One app serves the whole test session: tests that want the count cache turn it on.
    PORTAL_COUNT_CACHE_SECONDS = 0


class StagingConfig(Config):
    ENV_NAME = "staging"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SEED_DEMO = False
    REQUIRED = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")


class ProductionConfig(StagingConfig):
    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "staging": StagingConfig,
    "production": ProductionConfig,
}

# setting name -> (environment variable, type)
FROM_ENVIRONMENT = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "SQLALCHEMY_DATABASE_URI": ("DATABASE_URL", str),
    "UPLOADS_DEST": ("UPLOADS_DEST", str),
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "BABEL_DEFAULT_LOCALE": ("PORTAL_DEFAULT_LOCALE", str),
    "SCHEDULE_CLEANUP_MINUTES": ("SCHEDULE_CLEANUP_MINUTES", int),
    "REFUND_CUTOFF_MINUTES": ("REFUND_CUTOFF_MINUTES", int),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "PORTAL_COUNT_CAP": ("PORTAL_COUNT_CAP", int),
    "PORTAL_COUNT_CACHE_SECONDS": ("PORTAL_COUNT_CACHE_SECONDS", float),
}


def load_config(env=None, environ=None, overrides=None):
    """Settings for `env` (else PORTAL_ENV, else development): class defaults, then the
    environment, then `overrides` (from code, e.g. tests); refuses missing required ones."""
    environ = os.environ if environ is None else environ
    name = env or environ.get("PORTAL_ENV") or "development"
    if name not in CONFIGS:
        raise ConfigError(f"unknown PORTAL_ENV {name!r}; use one of {', '.join(CONFIGS)}")
    cls = CONFIGS[name]
    values = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for setting, (variable, kind) in FROM_ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw:
            try:
                values[setting] = kind(raw)
            except ValueError:
                raise ConfigError(f"{variable} must be a {kind.__name__}, got {raw!r}") from None
    if name == "testing" and environ.get("PORTAL_TEST_DATABASE_URL"):
        values["SQLALCHEMY_DATABASE_URI"] = environ["PORTAL_TEST_DATABASE_URL"]
    values.update(overrides or {})
    missing = [setting for setting in cls.REQUIRED if not values.get(setting)]
    if missing:
        names = ", ".join(FROM_ENVIRONMENT[m][0] for m in missing)
        raise ConfigError(f"PORTAL_ENV={name} refuses to start without {names}")
    return values
