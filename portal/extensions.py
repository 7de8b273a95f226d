"""Extension objects, created unbound and initialised by the app factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_uploads import UploadSet
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event

# Named constraints so that migrations can alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
POSTER_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
posters = UploadSet("posters", POSTER_EXTENSIONS)


def enforce_sqlite_foreign_keys(engine):
    """SQLite ignores foreign keys unless each connection asks; MySQL always enforces them."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _fk_pragma):
        return
    event.listen(engine, "connect", _fk_pragma)


def _fk_pragma(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
