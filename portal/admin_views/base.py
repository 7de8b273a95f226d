"""SecuredModelView: the permission gate, the cinema scope and optimistic locking, once.

Every model view asks this class, never its own code, whether the signed-in user may see a
view, run an action on it, or touch a row: list and count, details, edit and delete by id,
bulk actions, CSV export, ajax lookups and the choices of related-row drop-downs.
"""
import functools
import itertools
import logging

from flask import abort, current_app, flash, g, has_request_context, redirect, request, url_for
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
from sqlalchemy import desc
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from .. import access
from ..extensions import db
from ..i18n import type_formatters, wtforms_translations
from ..services import audit
from ..services.rules import RuleViolation, refuse_delete_in_use
from . import chrome, listing
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
    log.warning("denied %s %s to user %s", request.method, request.path,
                getattr(current_user, "id", None))
    abort(403)


def to_sign_in():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """A select2 lookup that only offers, and only accepts, rows in the user's scope."""

    def get_query(self):
        return access.scope_query(super().get_query(), self.model)

    def get_one(self, pk):
        pk = parse_row_id(pk)
        if pk is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(getattr(self.model, self.pk) == pk).first()


class SecuredModelView(RecordPagesMixin, ModelView):
    """A ModelView whose every route and every row goes through the permission gate."""

    resource = None
    read_only = False
    # action name -> permission action needed to run it
    action_permissions = {"delete": "delete"}
    # extra exposed views -> permission action needed
    view_actions = {}

    form_base_class = PortalForm
    list_template = "admin/portal_list.html"
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    can_view_details = True
    export_types = ["csv"]
    export_max_rows = 50000
    details_modal = False
    # The list page's related rows and the only columns it reads from them, e.g.
    # {"hall.cinema": ("name",)} (listing.related_loads); None: Flask-Admin's joins, whole rows.
    column_list_related = None
    # List rows written by listing.ListRows; False: Flask-Admin's Jinja `list_row` block
    # (same markup, several times slower), e.g. for a view that overrides that block.
    rows_in_python = True
    # Dates and UTC datetimes in the reader's locale and time zone (CSV keeps raw values).
    column_type_formatters = type_formatters()
    column_type_formatters_detail = type_formatters(typefmt.DETAIL_FORMATTERS)

    def __init__(self, model, **kwargs):
        # Details pages of versioned rows show the version: one label for every view.
        self.column_labels = {"version": _l("Version"), **(self.column_labels or {})}
        super().__init__(model, db, **kwargs)

    # -- the gate -------------------------------------------------------------------------
    def may(self, action):
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
            deny(self.resource, f"{name} needs {self.resource}.{needed}",
                 {"permission": f"{self.resource}.{needed}"})
        return super()._handle_view(name, **kwargs)

    def is_action_allowed(self, name):
        needed = self.action_permissions.get(name)
        return needed is not None and self.may(needed) and super().is_action_allowed(name)

    # -- the scope ------------------------------------------------------------------------
    def get_query(self):
        return access.scope_query(super().get_query(), self.model)

    def get_count_query(self):
        return access.scope_query(super().get_count_query(), self.model)

    # -- list pages at millions of rows (see listing.py and bench/README.md) ---------------
    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        """Flask-Admin's list, scoped; a capped count and a deferred-join page: 2 queries."""
        joins, count_joins = {}, {}
        query, count_query = self.get_query(), self.get_count_query()
        if self._search_supported and search:
            query, count_query, joins, count_joins = self._apply_search(
                query, count_query, joins, count_joins, search)
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(
                query, count_query, joins, count_joins, filters)
        page_size = self.page_size if page_size is None else page_size
        count = listing.capped_count(count_query, listing.count_reach(page, page_size))
        if execute and self.column_list_related is not None:
            query = query.options(*self._related_loads)
        else:
            for path in self._auto_joins:
                query = query.options(joinedload(path))
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        if page_size:
            query = listing.deferred_page(query, self.model, page, page_size)
        return count, (query.all() if execute else query)

    def _get_filter_groups(self):
        return chrome.filter_groups(self, super()._get_filter_groups)

    @functools.cached_property
    def _related_loads(self):
        return listing.related_loads(self.model, self.column_list_related)

    def get_url(self, endpoint, **kwargs):
        """url_for, remembered: a list page asks for ~25 URLs (pager, sort links, page sizes,
        row actions), the same ones for the same list state. Keyed by everything url_for
        reads here: the blueprint (relative endpoints), the script root, the host (external
        URLs) and the arguments in their order."""
        if not has_request_context():
            return super().get_url(endpoint, **kwargs)
        key = (request.blueprint, request.script_root,
               request.host if kwargs.get("_external") else None, endpoint,
               repr(tuple(kwargs.items())))
        return chrome.remembered("urls", key, lambda: super(SecuredModelView, self).get_url(
            endpoint, **kwargs))

    def delete_form(self):
        if request.method == "GET" and request.endpoint == f"{self.endpoint}.index_view" \
                and self.rows_in_python and not self.column_editable_list:
            return listing.RowsDeleteForm()  # the list's buttons need only its token
        return super().delete_form()

    def get_list_row_actions(self):
        return [listing.fast_row_action(action) for action in super().get_list_row_actions()]

    def render(self, template, **kwargs):
        self._template_args["_gettext"] = chrome.admin_gettext
        # List pages: rows written in Python (listing.ListRows), unless cells are editable.
        if "list_row_actions" in kwargs and self.rows_in_python and \
                not self.column_editable_list:
            kwargs["list_rows_html"] = listing.ListRows(self).render
        return super().render(template, **kwargs)

    def _order_by(self, query, joins, sort_joins, sort_field, sort_desc):
        """Sort by a related column through an INNER JOIN when the relation is required."""
        if sort_field is None or not listing.join_is_required(sort_joins):
            return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)
        query, joins, alias = self._apply_path_joins(query, joins, sort_joins, inner_join=True)
        column = sort_field if alias is None else getattr(alias, sort_field.key)
        return query.order_by(desc(column) if sort_desc else column), joins

    def _get_list_extra_args(self):
        """The list's URL arguments, with a page number that cannot go below the first page."""
        view_args = super()._get_list_extra_args()
        view_args.page = max(0, view_args.page or 0)
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
            self.model, "__mapper_args__", {})

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
            return _("%(who)s changed this record after you opened it. Your changes were not "
                     "saved: reload the record and edit it again.", who=who)
        return _("Someone changed this record after you opened it. Your changes were not "
                 "saved: reload the record and edit it again.")

    def update_model(self, form, model):
        try:
            self.check_version(form, model)
        except RuleViolation as exc:
            flash(str(exc), "error")
            return False
        g.portal_saving = model.id
        return super().update_model(form, model)

    def handle_view_exception(self, exc):
        if isinstance(exc, RuleViolation):
            flash(str(exc), "error")
            return True
        if isinstance(exc, StaleDataError):
            # Another request saved the row between our read and our write: name them, read
            # from a fresh transaction (this one failed and cannot be queried any more).
            db.session.rollback()
            who = audit.last_editor(self.model.__tablename__, g.get("portal_saving"))
            flash(self.stale_message_for(who), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(_("This change conflicts with existing data (a duplicate name, or a "
                    "record still in use). Nothing was saved."), "error")
            return True
        if isinstance(exc, OperationalError) and "Deadlock" in str(exc):
            flash(_("The database was busy; nothing was saved. Please try again."), "error")
            return True
        return super().handle_view_exception(exc)

    def _export_csv(self, return_url):
        """Flask-Admin's CSV, with a UTF-8 BOM so that Excel shows Chinese text correctly."""
        response = super()._export_csv(return_url)
        response.response = itertools.chain(["\ufeff"], response.response)
        response.mimetype = "text/csv"
        response.charset = "utf-8"
        return response

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
        return self.render("admin/index.html", figures=dashboard_figures())

