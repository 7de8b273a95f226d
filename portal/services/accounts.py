"""Accounts: the permission table, the default roles and creating users."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import access
from ..models import Cinema, Permission, Role, User
from ..models.accounts import USERNAME_KEY_LENGTH, username_key


def sync_permissions(session):
    """Make the permission table and the four default roles match the code; returns counts."""
    existing = {p.code: p for p in session.scalars(select(Permission))}
    created = 0
    for code in access.ALL_PERMISSIONS:
        if code not in existing:
            existing[code] = Permission(code=code, description=access.describe_permission(code))
            session.add(existing[code])
            created += 1
        elif not existing[code].description:
            existing[code].description = access.describe_permission(code)
    roles = {r.code: r for r in session.scalars(select(Role))}
    for code, (name, description, codes) in access.DEFAULT_ROLES.items():
        role = roles.get(code)
        if role is None:
            role = Role(code=code, name=name, description=description)
            session.add(role)
        role.permissions = sorted((existing[c] for c in codes), key=lambda p: p.code)
    session.flush()
    return {"permissions_created": created, "roles": len(access.DEFAULT_ROLES)}


def username_owner(session, username, user=None):
    """The name of the other user whose username_key `username` shares, or None (`user`:
    the user being renamed, None for a new one). No two users may share a key: sign-in
    could not tell them apart."""
    query = select(User.username).where(User.username_key == username_key(username))
    if user is not None and user.id is not None:
        query = query.where(User.id != user.id)
    with session.no_autoflush:
        return session.scalar(query)


def username_problem(session, username, user=None):
    """Why `username` cannot name `user` (None: a new user), or None when it can."""
    key = username_key(username)
    if not key:
        return _l("A user name needs letters or digits.")
    if len(key) > USERNAME_KEY_LENGTH:
        return _l("This user name is too long.")
    taken = username_owner(session, username, user)
    if taken is not None:
        return _l(
            "The user name %(name)s is taken (names that differ only in case, width or "
            "accents are the same name).",
            name=taken,
        )
    return None


def create_user(session, username, password, role_codes=(), cinema_ids=(), email=None):
    """Create an active user with roles and assigned cinemas; ValueError on bad input."""
    username = (username or "").strip()
    if not username:
        raise ValueError("username is required")
    if not username_key(username) or len(username_key(username)) > USERNAME_KEY_LENGTH:
        raise ValueError(
            f"user name {username!r} needs letters or digits, at most "
            f"{USERNAME_KEY_LENGTH} once folded"
        )
    taken = username_owner(session, username)
    if taken is not None:
        raise ValueError(
            f"user {taken!r} already exists (names that differ only in case, "
            "width or accents are the same name)"
        )
    roles = (
        list(session.scalars(select(Role).where(Role.code.in_(role_codes)))) if role_codes else []
    )
    missing = set(role_codes) - {r.code for r in roles}
    if missing:
        raise ValueError(f"unknown role(s): {', '.join(sorted(missing))}; run sync-permissions?")
    cinemas = (
        list(session.scalars(select(Cinema).where(Cinema.id.in_(cinema_ids)))) if cinema_ids else []
    )
    missing_cinemas = set(cinema_ids) - {c.id for c in cinemas}
    if missing_cinemas:
        raise ValueError(f"unknown cinema id(s): {', '.join(map(str, sorted(missing_cinemas)))}")
    user = User(username=username, email=email, roles=roles, cinemas=cinemas, is_active=True)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user
