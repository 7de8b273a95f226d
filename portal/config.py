"""Settings: one class per environment, every value overridable from the environment.

Values are read from the environment when the app is built (`load_config`), not at import,
so tests and the CLI can change them per process.
"""

import os
import secrets
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
    # Failed sign-ins, counted in the database (auth/throttle.py): per account, however its
    # name is typed, and per client address (password spraying).
    LOGIN_FAILURE_LIMIT = "5 per 15 minutes"
    LOGIN_IP_LIMIT = "60 per minute"
    # A signed-in session's last_seen_at is written at most this often (one UPDATE).
    SESSION_TOUCH_SECONDS = 300
    # Proxies in front of the portal whose X-Forwarded-For/-Proto are believed (0: none, the
    # client's address is the connection's).
    PORTAL_PROXY_COUNT = 0
    # Where development keeps its generated secret key (default: instance/secret_key).
    SECRET_KEY_FILE = None
    # Strict-Transport-Security on every response (staging and production, behind HTTPS).
    PORTAL_HSTS = False
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
    # List pages' speed-ups (admin_views/listing.py FastListMixin and the portal's cache,
    # portal/memo.py); False: stock Flask-Admin list pages, nothing kept between requests.
    PORTAL_FAST_LISTS = True
    PORTAL_MEMO_SIZE = 20000  # entries in the portal's cache (oldest dropped first)
    SEED_DEMO = True
    REQUIRED = ()
    # Mail (password reset, invitations): `smtp` sends through MAIL_SERVER, `console` prints.
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the first byte (port 465)
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "portal@localhost"
    MAIL_TIMEOUT = 10
    # Links in mails start with this (e.g. https://portal.example.com); unset: the request's
    # own address, which a forged Host header could change: set it wherever mail is sent.
    PORTAL_BASE_URL = None
    PASSWORD_RESET_MINUTES = 30
    INVITATION_HOURS = 72
    RESET_REQUEST_LIMIT = "3 per 15 minutes"  # per e-mail address asked for
    TOKEN_FAILURE_LIMIT = "10 per 15 minutes"  # refused links per client address
    # Platform admins must sign in with a second factor (staging and production: on).
    REQUIRE_ADMIN_TWO_FACTOR = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    # SECRET_KEY unset: a random one generated per instance (see instance_secret_key).
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{BASE_DIR / 'instance' / 'portal.db'}"
    MAIL_BACKEND = "console"  # `make run` prints mails instead of sending them


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Cheap hashes keep hundreds of sign-ins fast; other environments use Werkzeug's default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    LOGIN_IP_LIMIT = "10000 per minute"
    TOKEN_FAILURE_LIMIT = "10000 per minute"
    # One app serves the whole test session: tests that want the count cache turn it on.
    PORTAL_COUNT_CACHE_SECONDS = 0


class StagingConfig(Config):
    ENV_NAME = "staging"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PORTAL_HSTS = True
    SEED_DEMO = False
    REQUIRED = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")
    REQUIRE_ADMIN_TWO_FACTOR = True


class ProductionConfig(StagingConfig):
    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "staging": StagingConfig,
    "production": ProductionConfig,
}


def flag(raw):
    """An on/off setting from the environment: 1/0, true/false, on/off, yes/no."""
    value = raw.strip().lower()
    if value not in ("1", "true", "on", "yes", "0", "false", "off", "no"):
        raise ValueError(raw)
    return value in ("1", "true", "on", "yes")


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
    "PORTAL_FAST_LISTS": ("PORTAL_FAST_LISTS", flag),
    "PORTAL_PROXY_COUNT": ("PORTAL_PROXY_COUNT", int),
    "SECRET_KEY_FILE": ("SECRET_KEY_FILE", str),
    "MAIL_BACKEND": ("MAIL_BACKEND", str),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", flag),
    "MAIL_USE_SSL": ("MAIL_USE_SSL", flag),
    "MAIL_USERNAME": ("MAIL_USERNAME", str),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "MAIL_DEFAULT_SENDER": ("MAIL_DEFAULT_SENDER", str),
    "PORTAL_BASE_URL": ("PORTAL_BASE_URL", str),
    "REQUIRE_ADMIN_TWO_FACTOR": ("PORTAL_REQUIRE_ADMIN_TWO_FACTOR", flag),
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
    if name == "testing" and not values.get("SECRET_KEY"):
        values["SECRET_KEY"] = secrets.token_hex(32)  # per app: nothing to keep
    values.update(overrides or {})
    missing = [setting for setting in cls.REQUIRED if not values.get(setting)]
    if missing:
        names = ", ".join(FROM_ENVIRONMENT[m][0] for m in missing)
        raise ConfigError(f"PORTAL_ENV={name} refuses to start without {names}")
    return values


def instance_secret_key(path):
    """The development secret key kept in `path` (created with a random key, mode 0600, on
    first use), so that restarts and several workers share it and no two checkouts do."""
    path = Path(path)
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker was first: use theirs
        return path.read_text().strip() or _refuse_empty(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


def _refuse_empty(path):
    raise ConfigError(f"{path} is empty: delete it to have a new secret key generated")
