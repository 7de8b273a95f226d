"""Who signs in, and what their roles let them do; their sessions and failed sign-ins."""

import unicodedata

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import restrict_fk, utcnow

MIN_PASSWORD_LENGTH = 10
USERNAME_KEY_LENGTH = 255


def username_key(username):
    """The one spelling of a user name that sign-in, the throttle and uniqueness compare:
    compatibility forms folded (full width), case folded (Unicode, so `İ` and `ß` too),
    accents and other combining marks and invisible format characters dropped, outer
    spaces stripped. `édïtor`, `ｅｄｉｔｏｒ`, `EDİTOR` and `e\u0301ditor` are all `editor`."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", username or "").casefold())
    text = "".join(
        ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )
    return unicodedata.normalize("NFC", text).strip()


def KeyString(length):  # noqa: N802 (a column type)
    """A string compared byte for byte on every database: MySQL's default collation would
    otherwise call other spellings equal, and the rule is username_key's alone."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb"
    )


role_permission = sa.Table(
    "role_permission",
    db.metadata,
    sa.Column("role_id", sa.Integer, restrict_fk("role.id"), primary_key=True),
    sa.Column("permission_id", sa.Integer, restrict_fk("permission.id"), primary_key=True),
)

user_role = sa.Table(
    "user_role",
    db.metadata,
    sa.Column("user_id", sa.Integer, restrict_fk("user.id"), primary_key=True),
    sa.Column("role_id", sa.Integer, restrict_fk("role.id"), primary_key=True),
)

user_cinema = sa.Table(
    "user_cinema",
    db.metadata,
    sa.Column("user_id", sa.Integer, restrict_fk("user.id"), primary_key=True),
    sa.Column("cinema_id", sa.Integer, restrict_fk("cinema.id"), primary_key=True, index=True),
)


class Permission(db.Model):
    __tablename__ = "permission"

    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(64), nullable=False, unique=True)
    description = sa.Column(sa.String(255), nullable=False, default="")

    def __str__(self):
        return self.code


class Role(db.Model):
    __tablename__ = "role"

    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(64), nullable=False, unique=True)
    name = sa.Column(sa.String(128), nullable=False)
    description = sa.Column(sa.String(255), nullable=False, default="")

    permissions = relationship(
        Permission, secondary=role_permission, lazy="selectin", order_by=Permission.code
    )

    def __str__(self):
        return self.name


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    # username_key(username), kept by the validator below: sign-in looks users up by it and
    # no two users share one, so one account has one name however it is typed.
    username_key = sa.Column(KeyString(USERNAME_KEY_LENGTH), nullable=False, unique=True)
    email = sa.Column(sa.String(255), nullable=True)
    # Empty for an invited user until they choose a password through their link.
    password_hash = sa.Column(sa.String(255), nullable=True)
    is_active = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    last_login_at = sa.Column(sa.DateTime, nullable=True)
    locale = sa.Column(sa.String(16), nullable=True)
    # Two-factor sign-in (services/two_factor.py): the TOTP secret, encrypted; when it was
    # confirmed; the last time step accepted, so that no code is accepted twice.
    totp_secret = sa.Column(sa.String(255), nullable=True)
    totp_enabled_at = sa.Column(sa.DateTime, nullable=True)
    totp_last_step = sa.Column(sa.Integer, nullable=True)

    # Loaded when asked for (the user list asks in its own query): the signed-in user is
    # loaded on every request, and access.py reads their permissions and cinemas directly.
    roles = relationship(Role, secondary=user_role, order_by=Role.code)
    cinemas = relationship("Cinema", secondary=user_cinema)

    @validates("username")
    def _keep_username_key(self, _attribute, username):
        self.username_key = username_key(username)
        return username

    def set_password(self, password):
        """Hash and store `password`; refuses one that is too short."""
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
        method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
        self.password_hash = generate_password_hash(
            password, **({"method": method} if method else {})
        )

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def has_password(self):
        return bool(self.password_hash)

    @property
    def has_two_factor(self):
        return self.totp_enabled_at is not None

    @property
    def role_codes(self):
        return frozenset(role.code for role in self.roles)

    def __str__(self):
        return self.username


class UserSession(db.Model):
    """One signed-in browser: the session cookie carries a random token, stored here hashed.

    Revoked (signed out, or ended by a password, activity, role or cinema change) sessions
    stay as rows with `revoked_at`, so a copied cookie is refused for good.
    """

    __tablename__ = "user_session"

    id = sa.Column(sa.Integer, primary_key=True)
    # Sessions are bookkeeping, not records: they go with their user.
    user_id = sa.Column(
        sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_seen_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    ip = sa.Column(sa.String(45), nullable=True)
    user_agent = sa.Column(sa.String(255), nullable=True)
    revoked_at = sa.Column(sa.DateTime, nullable=True)

    @property
    def is_revoked(self):
        return self.revoked_at is not None


class LoginFailure(db.Model):
    """A sign-in attempt not (yet) known to be right, counted by the sign-in throttle.

    Kept in the database so that every worker and host counts the same attempts; rows of an
    account are removed by its successful sign-in, older ones by later failures.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_username_key_at", "username_key", "at"),
        sa.Index("ix_login_failure_ip_at", "ip", "at"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    username_key = sa.Column(KeyString(USERNAME_KEY_LENGTH), nullable=False)
    ip = sa.Column(sa.String(45), nullable=True)


def cascade_fk(target, **kwargs):
    """A user's own credentials (links, recovery codes) go with the user."""
    return sa.ForeignKey(target, ondelete="CASCADE", **kwargs)


class AccountToken(db.Model):
    """A one-time link sent by mail: a password reset or an invitation. Only the SHA-256 of
    the token is stored; the link itself exists only in the mail."""

    __tablename__ = "account_token"

    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, cascade_fk("user.id"), nullable=False, index=True)
    purpose = sa.Column(sa.String(16), nullable=False)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    created_at = sa.Column(sa.DateTime, nullable=False)
    expires_at = sa.Column(sa.DateTime, nullable=False)
    used_at = sa.Column(sa.DateTime, nullable=True)
    revoked_at = sa.Column(sa.DateTime, nullable=True)

    user = relationship(User)


class RecoveryCode(db.Model):
    """One of a user's single-use second-factor recovery codes, stored hashed."""

    __tablename__ = "recovery_code"

    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, cascade_fk("user.id"), nullable=False, index=True)
    code_hash = sa.Column(sa.String(64), nullable=False)
    used_at = sa.Column(sa.DateTime, nullable=True)
