"""The audit log as people read it: "field: old → new" in the reader's language, records by
name, denial reasons in words, and each record's history (Django's object history)."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from flask import abort, current_app, g, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from .. import access
from ..extensions import db
from ..i18n import (
    AUDIT_ACTION_LABELS,
    MODEL_LABELS,
    audit_action_label,
    enum_label,
    export_time,
    format_day,
    format_price,
    format_showtime,
    format_utc,
    model_label,
    permission_label,
    punctuation,
    yes_no,
)
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
    ScreeningRight,
    SeatLayout,
    Ticket,
    TicketType,
    User,
)
from ..records import record_name
from .base import SecuredModelView, parse_row_id
from .day_filters import day_filters

# audit_log.model (a table name) -> the model whose rows it names.
MODELS = {
    m.__tablename__: m
    for m in (
        Movie,
        Cinema,
        Hall,
        Schedule,
        City,
        User,
        Role,
        Permission,
        SeatLayout,
        ScreeningRight,
        PriceCard,
        PriceCardRule,
        TicketType,
        Order,
        Ticket,
        Customer,
    )
}
# A changed column that points at another row -> that row's table.
REFERENCES = {
    "movie_id": "movie",
    "hall_id": "hall",
    "cinema_id": "cinema",
    "city_id": "city",
    "parent_id": "city",
    "user_id": "user",
    "ticket_type_id": "ticket_type",
    "price_card_id": "price_card",
    "seat_layout_id": "seat_layout",
    "layout_id": "seat_layout",
    "order_id": "ticket_order",
    "customer_id": "customer",
    "schedule_id": "schedule",
    "sold_by_user_id": "user",
}
ENUM_FIELDS = {"status", "hall_type", "kind", "seat_kind", "numbering", "channel"}
WALL_CLOCK_FIELDS = {"starts_at", "ends_at"}  # schedule times: cinema wall-clock, not UTC
UTC_FIELDS = {"created_at", "last_login_at", "at", "paid_at"}
DATE_FIELDS = {"release_date", "starts_on", "ends_on"}
PRICE_FIELDS = {"price", "min_price", "amount"}
# Details of entries that are not row changes (sign-ins, denials).
DETAIL_LABELS = {
    "ip": _l("IP address"),
    "url": _l("Address"),
    "method": _l("Method"),
    "username": _l("Username"),
    "reason": _l("Reason"),
    "deleted": _l("Deleted record"),
    "password": _l("Password"),
    "permission": _l("Missing permission"),
    # a seat layout's new version (services/seating.py)
    "hall": _l("Hall"),
    "summary": _l("Changes"),
    "shows_moved": _l("Shows moved to it"),
    "shows_kept": _l("Shows keeping their earlier version"),
    # account entries (sign-in, sessions, invitations, password resets)
    "email": _l("Email"),
    "count": _l("Sessions ended"),
    "left": _l("Recovery codes left"),
    "session": _l("Session"),
    "this_browser": _l("This browser"),
}
# Fixed words account entries store (services/passwords.py, auth/recovery.py, profile.py,
# auth/views.py and auth/second_step.py: why a sign-in or a password check failed).
STORED_WORDS = {
    "password change": _l("Password changed"),
    "password set through a link": _l("Password reset used"),
    "signed out everywhere else": _l("Signed out everywhere else"),
    "kept": _l("kept signed in"),
    "set up": _l("set up"),
}
# Why a sign-in or a signed-in user's password or code check failed (the reason a
# "login_failed" entry stores: auth/views.py, auth/second_step.py, services/passwords.py).
FAILURE_REASONS = {
    "throttled (account)": _l("Too many failed sign-ins for this account"),
    "throttled (address)": _l("Too many failed sign-ins from this address"),
    "password change": _l("Wrong current password when changing the password"),
    "e-mail change": _l("Wrong password when changing the e-mail address"),
    "second factor": _l("Wrong two-factor code"),
    "second factor setup": _l("Wrong code when setting up two-factor sign-in"),
    "turning off two-factor sign-in": _l("Wrong password when turning off two-factor sign-in"),
    "new recovery codes": _l("Wrong password when asking for new recovery codes"),
}
EMPTY = "—"
NEEDS = re.compile(r"needs ([a-z_]+\.[A-Za-z_]+)$")


def _view_for(table):
    """The admin view listing rows of `table`, or None."""
    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            model = getattr(view, "model", None)
            if (
                model is not None
                and getattr(model, "__tablename__", None) == table
                and isinstance(view, SecuredModelView)
            ):
                return view
    return None


class NameBook:
    """Names of the rows a page of audit entries mentions, read one query per table."""

    def __init__(self):
        self.names = {}

    def want(self, refs):
        missing = {}
        for table, pk in refs:
            if table in MODELS and pk is not None and (table, pk) not in self.names:
                missing.setdefault(table, set()).add(pk)
        for table, pks in missing.items():
            model = MODELS[table]
            for row in db.session.query(model).filter(model.id.in_(pks)):
                self.names[(table, row.id)] = record_name(row)
            for pk in pks:
                self.names.setdefault((table, pk), None)

    def name(self, table, pk):
        pk = parse_row_id(pk)
        if pk is None:
            return None
        if (table, pk) not in self.names:
            self.want([(table, pk)])
        return self.names.get((table, pk))  # a table without a model here: no name


def _names():
    if "audit_names" not in g:
        g.audit_names = NameBook()
    return g.audit_names


def _refs(entry):
    """Every (table, id) an entry names: its own row and the rows its changes point at."""
    refs = [(entry.model, parse_row_id(entry.object_id))]
    for field, values in entry.changes_dict.items():
        if field in REFERENCES and isinstance(values, list):
            refs += [(REFERENCES[field], parse_row_id(v)) for v in values]
    return refs


def record_link(table, pk, name):
    """A record's name, linked to its details page when the reader may open it."""
    view = _view_for(table)
    text = name or (f"#{pk}" if pk else EMPTY)
    if view is None or not pk or name is None or not view.may("view"):
        return escape(text)
    return Markup('<a href="{}">{}</a>').format(
        url_for(f"{view.endpoint}.details_view", id=pk), text
    )


def field_label(table, field):
    view = _view_for(table)
    labels = getattr(view, "column_labels", None) or {}
    name = field[:-3] if field.endswith("_id") and field[:-3] in labels else field
    label = labels.get(name) or DETAIL_LABELS.get(field)
    return str(label) if label is not None else field


def _parse_time(value):
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def value_text(field, value):
    """One stored value as the reader reads it: labels, names, local times, prices."""
    if value is None or value == "" or value == []:
        return escape(EMPTY)
    if field in REFERENCES:
        pk = parse_row_id(value)
        return (
            record_link(REFERENCES[field], pk, _names().name(REFERENCES[field], pk))
            if pk
            else escape(EMPTY)
        )
    if isinstance(value, bool):
        return escape(yes_no(value))
    if isinstance(value, str) and value in STORED_WORDS:
        return escape(STORED_WORDS[value])
    if field in ENUM_FIELDS:
        return escape(enum_label(value))
    if field in WALL_CLOCK_FIELDS and _parse_time(value):
        return escape(format_showtime(_parse_time(value)))
    if field in UTC_FIELDS and _parse_time(value):
        return escape(format_utc(_parse_time(value)))
    if field in DATE_FIELDS and _parse_time(value):
        return escape(format_day(_parse_time(value).date()))
    if field in PRICE_FIELDS:
        try:
            return escape(format_price(Decimal(str(value))))
        except InvalidOperation:
            pass
    if field == "permissions" and isinstance(value, list):
        return escape("、".join(permission_label(code) for code in value))
    if isinstance(value, list):
        return escape("、".join(str(v) for v in value))
    return escape(str(value))


def denial_reason(details):
    """Why a request was refused, in words."""
    code = details.get("permission")
    match = NEEDS.search(str(details.get("reason", "")))
    code = code or (match.group(1) if match else None)
    if code and not code.endswith(".None"):
        return _("Needs the permission “%(permission)s”.", permission=permission_label(code))
    if code:
        return _("This action is not offered here.")
    return _("Not permitted.")


def change_lines(entry):
    """(label, html) per line: "status": "Coming soon → Showing", or one value."""
    details = entry.changes_dict
    lines = []
    if entry.action == "denied":
        lines.append((str(DETAIL_LABELS["reason"]), escape(denial_reason(details))))
        details = {k: v for k, v in details.items() if k not in ("reason", "permission")}
    if entry.action == "login_failed" and details.get("reason") in FAILURE_REASONS:
        lines.append((str(DETAIL_LABELS["reason"]), escape(FAILURE_REASONS[details["reason"]])))
        details = {k: v for k, v in details.items() if k != "reason"}
    if entry.action == "delete" and "deleted" in details:
        lines.append((str(DETAIL_LABELS["deleted"]), escape(details.pop("deleted"))))
    for field, values in details.items():
        label = field_label(entry.model, field)
        if entry.action == "create" and (
            field == "id"
            or isinstance(values, list)
            and len(values) == 2
            and values[1] in (None, "")
        ):
            continue  # a new row: what it was created with, not its key or empty fields
        if field == "password":
            lines.append((label, escape(_("changed"))))
        elif isinstance(values, list) and len(values) == 2 and entry.action in ("create", "edit"):
            old, new = values
            if entry.action == "create" or old is None and field not in REFERENCES:
                lines.append((label, value_text(field, new)))
            else:
                lines.append(
                    (
                        label,
                        Markup("{} → {}").format(value_text(field, old), value_text(field, new)),
                    )
                )
        else:
            lines.append((label, value_text(field, values)))
    return lines


def changes_html(entry):
    lines = change_lines(entry)
    if not lines:
        return ""
    colon = punctuation("colon")  # "状态：即将上映 → 正在热映"
    items = Markup("").join(
        Markup('<li><span class="audit-field">{}</span>{}{}</li>').format(label, colon, text)
        for label, text in lines
    )
    return Markup('<ul class="audit-changes list-unstyled mb-0">{}</ul>').format(items)


def entry_record(entry):
    pk = parse_row_id(entry.object_id)
    if not entry.model:
        return ""
    if pk is None:
        return model_label(entry.model)
    name = _names().name(entry.model, pk)
    if name is None and entry.action == "delete":
        name = entry.changes_dict.get("deleted")
        return Markup("{} {}").format(model_label(entry.model), name or f"#{pk}")
    return Markup("{} {}").format(model_label(entry.model), record_link(entry.model, pk, name))


class AuditLogView(SecuredModelView):
    resource = "audit"
    read_only = True
    action_permissions = {}
    view_actions = {"history_view": "view"}
    page_size = 50
    column_list = ("at", "user", "action", "object_id", "changes")
    column_details_list = ("at", "user", "action", "object_id", "changes")
    column_labels = {
        "at": _l("Time"),
        "user": _l("User"),
        "user.username": _l("User"),
        "action": _l("Action"),
        "model": _l("Model"),
        "object_id": _l("Record"),
        "changes": _l("Changes"),
    }
    column_filters = (
        "action",
        "model",
        "user.username",
        *day_filters(AuditLog.at, _l("Time"), wall_clock=False),
        "object_id",
    )
    column_searchable_list = ("changes",)
    column_list_related = {"user": ("username",)}
    column_sortable_list = ("at", "action", "model")
    column_default_sort = [("at", True), ("id", True)]
    column_formatters = {
        "changes": lambda v, c, m, n: changes_html(m),
        "action": lambda v, c, m, n: audit_action_label(m.action),
        "object_id": lambda v, c, m, n: entry_record(m),
        "model": lambda v, c, m, n: model_label(m.model),
    }
    column_formatters_export = {
        "changes": lambda v, c, m, n: m.changes or "",
        "at": lambda v, c, m, n: export_time(m.at),
        "action": lambda v, c, m, n: m.action,
        "object_id": lambda v, c, m, n: m.object_id or "",
        "model": lambda v, c, m, n: m.model,
    }
    column_export_list = ("at", "user", "action", "model", "object_id", "changes")
    column_choices = {
        "action": list(AUDIT_ACTION_LABELS.items()),
        "model": list(MODEL_LABELS.items()),
    }  # translated filter options

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and isinstance(rows, list):
            _names().want(ref for entry in rows for ref in _refs(entry))
        return count, rows

    def history_url(self, model):
        return None  # the audit log's own entries have no history of their own

    @expose("/history/")
    def history_view(self):
        """One record's entries, newest first; only for a record the reader may see."""
        table, pk = request.args.get("model", ""), parse_row_id(request.args.get("id"))
        view = _view_for(table)
        if view is None or pk is None or not view.may("view"):
            abort(404)
        row = view.get_query().filter(view.model.id == pk).first()
        if row is None and access.cinema_scope() is not None:
            abort(404)  # a deleted row's history: only for who sees every cinema's rows
        entries = (
            db.session.query(AuditLog)
            .filter(AuditLog.model == table, AuditLog.object_id == str(pk))
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(500)
            .all()
        )
        _names().want(ref for entry in entries for ref in _refs(entry))
        name = (
            record_name(row)
            if row is not None
            else (
                next((e.changes_dict.get("deleted") for e in entries if e.action == "delete"), None)
                or f"#{pk}"
            )
        )
        return self.render(
            "admin/audit_history.html",
            entries=entries,
            record=row,
            record_title=name,
            kind=model_label(table),
            view=view,
            pk=pk,
            changes_html=changes_html,
        )
