"""SecuredModelView: the permission gate, the cinema scope and optimistic locking, once.

Every model view asks this class, never its own code, whether the signed-in user may see a
view, run an action on it, or touch a row: list and count, details, edit and delete by id,
bulk actions, CSV export, ajax lookups and the choices of related-row drop-downs.
"""

import logging

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.helpers import get_form_data
from flask_admin.model import typefmt
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from .. import access
from ..extensions import db
from ..i18n import type_formatters, wtforms_translations
from ..services import audit
from ..services.rules import RuleViolation, refuse_delete_in_use
from . import export, guards
from .listing import FastListMixin
from .record_pages import RecordPagesMixin

log = logging.getLogger("portal.access")

# Flask-Admin view function -> the permission action it needs.
VIEW_ACTIONS = {
    "index_view": "view",
    "details_view": "view",
    "ajax_lookup": "view",
    "create_view": "create",
    "edit_view": "edit",
    "ajax_update": "edit",
    "delete_view": "delete",
    "export": "export",
}


class PortalForm(FlaskForm):
    """Base of every admin form: Flask-WTF's CSRF token, the same one CSRFProtect checks."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations

    def __init__(self, formdata=_Auto, obj=None, prefix="", **kwargs):
        # Flask-Admin's Unique validator compares against form._obj (set by its BaseForm).
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


class VersionField(HiddenField):
    """The row version the form was rendered from; compared on save, never written."""

    def populate_obj(self, obj, name):
        pass


class StaleEdit(RuleViolation):
    """Someone saved the row after this form was rendered."""


class ConcurrentEdit(Exception):
    """Someone saved the row between this request's read and its write."""

    def __init__(self, table, row_id):
        super().__init__(f"{table} #{row_id} changed while being saved")
        self.table, self.row_id = table, row_id


MAX_ROW_ID = 2**31 - 1  # INT primary keys on MySQL; larger values match no row


def parse_row_id(value):
    """A row id from a URL or form value, or None for anything that cannot be one."""
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ROW_ID else None


def deny(resource, reason="forbidden", details=None):
    """Record the refusal and answer 403."""
    audit.record("denied", resource or "", changes={"reason": reason, **(details or {})})
    log.warning(
        "denied %s %s to user %s", request.method, request.path, getattr(current_user, "id", None)
    )
    abort(403)


def to_sign_in():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """A select2 lookup that only offers, and only accepts, rows in the user's scope."""

    def get_query(self):
        return access.scope_query(super().get_query(), self.model)

    def get_list(self, term, offset=0, limit=None):
        offset, limit = guards.clamp_lookup(offset, limit, self.options.get("page_size"))
        return super().get_list(term, offset, limit)

    def get_one(self, pk):
        pk = parse_row_id(pk)
        if pk is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(getattr(self.model, self.pk) == pk).first()


class SecuredModelView(RecordPagesMixin, FastListMixin, ModelView):
    """A ModelView whose every route and every row goes through the permission gate.

    List speed is not its business: FastListMixin (listing.py) holds all of it, behind
    PORTAL_FAST_LISTS. Record pages (history, in-page delete, named flashes, named exports)
    are RecordPagesMixin's (record_pages.py)."""

    resource = None
    read_only = False
    # action name -> permission action needed to run it
    action_permissions = {"delete": "delete"}
    # extra exposed views -> permission action needed
    view_actions = {}

    form_base_class = PortalForm
    model_form_converter = guards.BoundedModelConverter
    list_template = "admin/portal_list.html"
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    can_view_details = True
    export_types = ["csv"]
    export_max_rows = 0  # no cap: exports stream every selected row (export.py)
    details_modal = False
    # Dates and UTC datetimes in the reader's locale and time zone (CSV keeps raw values).
    column_type_formatters = type_formatters()
    column_type_formatters_detail = type_formatters(typefmt.DETAIL_FORMATTERS)

    def __init__(self, model, **kwargs):
        # Details pages of versioned rows show the version: one label for every view.
        self.column_labels = {"version": _l("Version"), **(self.column_labels or {})}
        super().__init__(model, db, **kwargs)

    # -- the gate -------------------------------------------------------------------------
    def may(self, action):
        """An action of the view's resource ("edit"), or a whole code ("order.sell") for a
        page of this view that another resource's permission opens (a counter sale)."""
        if "." in action:
            return access.has_permission(action)
        if action != "view" and self.read_only and action != "export":
            return False
        return access.has_permission(f"{self.resource}.{action}")

    @property
    def can_create(self):
        return self.may("create")

    @property
    def can_edit(self):
        return self.may("edit")

    @property
    def can_delete(self):
        return self.may("delete")

    @property
    def can_export(self):
        return self.may("export")

    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active and self.may("view")

    def action_needed(self, name):
        """The permission action a request to view function `name` needs, or None."""
        if name == "action_view":
            return self.action_permissions.get(request.form.get("action", ""))
        return VIEW_ACTIONS.get(name) or self.view_actions.get(name)

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return to_sign_in()
        needed = self.action_needed(name)
        if not self.may("view") or needed is None or not self.may(needed):
            deny(
                self.resource,
                f"{name} needs {self.resource}.{needed}",
                {"permission": f"{self.resource}.{needed}"},
            )
        return guards.without_reserved_args() or super()._handle_view(name, **kwargs)

    def is_action_allowed(self, name):
        needed = self.action_permissions.get(name)
        return needed is not None and self.may(needed) and super().is_action_allowed(name)

    # -- the scope ------------------------------------------------------------------------
    def get_query(self):
        return access.scope_query(super().get_query(), self.model)

    def get_count_query(self):
        return access.scope_query(super().get_count_query(), self.model)

    def _get_list_extra_args(self):
        """The list's URL arguments, with a page number that cannot go below the first page."""
        view_args = super()._get_list_extra_args()
        view_args.page = guards.clamp_page(
            view_args.page, self.get_safe_page_size(view_args.page_size)
        )
        return view_args

    def get_one(self, id):
        """A row by id, only from inside the scope; any other id answers 404."""
        pk = parse_row_id(id)
        if pk is None:
            abort(404)
        row = self.get_query().filter(self.model.id == pk).first()
        if row is None:
            abort(404)
        return row

    def scoped_rows(self, ids):
        """The rows of a bulk action, filtered through the scope (raw ids are never trusted)."""
        pks = [pk for pk in map(parse_row_id, ids) if pk is not None]
        return self.get_query().filter(self.model.id.in_(pks)).all() if pks else []

    def _create_ajax_loader(self, name, options):
        attr = getattr(self.model, name)
        remote = attr.property.mapper.class_
        return ScopedAjaxLoader(name, self.session, remote, **options)

    def _scope_form_choices(self, form):
        """Related-row drop-downs offer, and validate against, only in-scope rows."""
        for field in form:
            factory = getattr(field, "query_factory", None)
            if factory is None or getattr(factory, "_portal_scoped", False):
                continue
            base = factory()
            model = base.column_descriptions[0]["entity"]
            if access.is_cinema_owned(model):

                def scoped_factory(base=base, model=model):
                    return access.scope_query(base, model)

                scoped_factory._portal_scoped = True
                field.query_factory = scoped_factory
        return form

    # -- forms and optimistic locking -------------------------------------------------------
    @property
    def is_versioned(self):
        return hasattr(self.model, "version") and "version_id_col" in getattr(
            self.model, "__mapper_args__", {}
        )

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if self.is_versioned:
            form_class.form_version = VersionField()
        return form_class

    def create_form(self, obj=None):
        return self._scope_form_choices(super().create_form(obj))

    def edit_form(self, obj=None):
        form = self._scope_form_choices(super().edit_form(obj))
        if self.is_versioned and obj is not None and get_form_data() is None:
            form.form_version.data = obj.version
        return form

    def check_version(self, form, model):
        """Refuse a form rendered from an older version of the row."""
        if not self.is_versioned or not hasattr(form, "form_version"):
            return
        try:
            submitted = int(form.form_version.data)
        except (TypeError, ValueError):
            submitted = None
        if submitted != model.version:
            raise StaleEdit(self.stale_message(model))

    def stale_message(self, model):
        return self.stale_message_for(audit.last_editor(self.model.__tablename__, model.id))

    @staticmethod
    def stale_message_for(who):
        if who:
            return _(
                "%(who)s changed this record after you opened it. Your changes were not "
                "saved: reload the record and edit it again.",
                who=who,
            )
        return _(
            "Someone changed this record after you opened it. Your changes were not "
            "saved: reload the record and edit it again."
        )

    def update_model(self, form, model):
        try:
            self.check_version(form, model)
        except RuleViolation as exc:
            flash(str(exc), "error")
            return False
        return super().update_model(form, model)

    def _on_model_change(self, form, model, is_created):
        """Write an edit before the commit, so that a row someone saved in between is
        refused here, naming the row (handle_view_exception gets only the exception)."""
        row_id = model.id  # read now: a failed flush leaves the session unreadable
        try:
            super()._on_model_change(form, model, is_created)  # the rules may flush too
            if not is_created and self.is_versioned:
                db.session.flush()
        except StaleDataError as exc:
            raise ConcurrentEdit(model.__tablename__, row_id) from exc

    def handle_view_exception(self, exc):
        if isinstance(exc, RuleViolation):
            flash(str(exc), "error")
            return True
        if isinstance(exc, ConcurrentEdit):
            # Another request saved the row between our read and our write: name them, read
            # from a fresh transaction (this one failed and cannot be queried any more).
            db.session.rollback()
            flash(self.stale_message_for(audit.last_editor(exc.table, exc.row_id)), "error")
            return True
        if isinstance(exc, StaleDataError):  # a write after ours, at commit: nobody to name
            flash(self.stale_message_for(None), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(
                _(
                    "This change conflicts with existing data (a duplicate name, or a "
                    "record still in use). Nothing was saved."
                ),
                "error",
            )
            return True
        if isinstance(exc, OperationalError) and "Deadlock" in str(exc):
            flash(_("The database was busy; nothing was saved. Please try again."), "error")
            return True
        return super().handle_view_exception(exc)

    # -- export: the hook CSV export goes through ---------------------------------------------
    def _export_csv(self, return_url):
        """Every row the list selects, streamed, cells safe for spreadsheets (export.py)."""
        return export.csv_response(self)

    def on_model_delete(self, model):
        refuse_delete_in_use(model)


class PortalIndexView(AdminIndexView):
    """The dashboard: only for signed-in, active users; figures scoped like every list."""

    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return to_sign_in()
        return super()._handle_view(name, **kwargs)

    @expose("/")
    def index(self):
        from ..services.dashboard import dashboard_figures
        from ..services.selling import local_now

        return self.render("admin/index.html", figures=dashboard_figures(now=local_now()))
