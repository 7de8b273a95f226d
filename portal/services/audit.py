"""Audit writing: every create/edit/delete of an audited row, plus sign-ins and denials.

Row changes are captured from the ORM session itself (`after_flush`), so admin views,
bulk actions, the CLI and seeding all leave the same trail without remembering to.
"""

import datetime as dt
import decimal
import json
import logging

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    AuditLog,
    Cinema,
    City,
    Customer,
    Hall,
    Movie,
    Order,
    Permission,
    PriceCard,
    PriceCardRule,
    Role,
    Schedule,
    SchedulePrice,
    ScreeningRight,
    Ticket,
    TicketType,
    User,
)
from ..models.base import utcnow

log = logging.getLogger("portal.audit")

AUDITED = (
    City,
    Cinema,
    Hall,
    Movie,
    Schedule,
    User,
    Role,
    Permission,
    ScreeningRight,
    TicketType,
    PriceCard,
    PriceCardRule,
    SchedulePrice,
    Customer,
    Order,
    Ticket,
)
# Secrets never reach the log; the second factor's changes have their own entries.
NEVER_LOGGED = {
    "password_hash",
    "version",
    "last_login_at",
    "locale",
    "username_key",
    "totp_secret",
    "totp_enabled_at",
    "totp_last_step",
}


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(str(v) for v in value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _acting_user_id():
    if not has_request_context():
        return None
    try:
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # no user loader in this request (e.g. during sign-in)
        return None


def _changes(obj, created):
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in NEVER_LOGGED:
            continue
        hist = state.attrs[key].history
        if created:
            value = getattr(obj, key)
            if value is not None:
                changes[key] = [None, _plain(value)]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else _replaced_reference(state, key)
            new = hist.added[0] if hist.added else None
            if _plain(old) != _plain(new):
                changes[key] = [_plain(old), _plain(new)]
    for rel in state.mapper.relationships:
        if rel.secondary is None or created:
            continue
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            changes[rel.key] = [
                _plain(hist.unchanged + hist.deleted),
                _plain(hist.unchanged + hist.added),
            ]
    password = state.attrs.get("password_hash")
    if password is not None and password.history.added and not created:
        changes["password"] = ["***", "***"]
    return changes


def _replaced_reference(state, key):
    """The old value of a foreign key set through its relationship (a form sets
    `schedule.hall`, the flush writes `hall_id` without ever loading the old one)."""
    for rel in state.mapper.relationships:
        if rel.secondary is None and any(c.key == key for c in rel.local_columns):
            replaced = state.attrs[rel.key].history.deleted
            if replaced and replaced[0] is not None:
                return inspect(replaced[0]).identity[0]
    return None


def _primary_key(obj):
    values = inspect(obj).mapper.primary_key_from_instance(obj)
    return None if values[0] is None else ",".join(str(v) for v in values)


def _row_for(obj, action, user_id):
    changes = (
        _changes(obj, action == "create") if action != "delete" else {"deleted": _plain(str(obj))}
    )
    if action == "edit" and not changes:
        return None
    return {
        "at": utcnow(),
        "user_id": user_id,
        "action": action,
        "model": obj.__tablename__,
        "object_id": _primary_key(obj),
        "changes": json.dumps(changes, ensure_ascii=False),
    }


def _after_flush(session, flush_context):
    user_id = _acting_user_id()
    rows = []
    for action, objects in (
        ("create", session.new),
        ("edit", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if isinstance(obj, AUDITED):
                row = _row_for(obj, action, user_id)
                if row:
                    rows.append(row)
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def install_audit_listener():
    """Record row changes of audited models on every session flush (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def record(action, model="", object_id=None, changes=None, user_id=None, commit=True):
    """Write one audit entry outside a row change (sign-in, failed sign-in, denial)."""
    if user_id is None:
        user_id = _acting_user_id()
    details = dict(changes or {})
    if has_request_context():
        details.setdefault("ip", request.remote_addr)
        if action == "denied":
            details.setdefault("url", request.full_path.rstrip("?"))
            details.setdefault("method", request.method)
    db.session.add(
        AuditLog(
            action=action,
            model=model,
            object_id=None if object_id is None else str(object_id),
            user_id=user_id,
            changes=json.dumps(details, ensure_ascii=False),
        )
    )
    if commit:
        db.session.commit()
    log.info("audit %s %s %s user=%s", action, model, object_id, user_id)


def last_editor(model_name, object_id):
    """The username of whoever last created or edited a row, from the audit log."""
    entry = (
        db.session.query(AuditLog)
        .filter(
            AuditLog.model == model_name,
            AuditLog.object_id == str(object_id),
            AuditLog.action.in_(("create", "edit")),
        )
        .order_by(AuditLog.id.desc())
        .first()
    )
    return entry.user.username if entry and entry.user else None
