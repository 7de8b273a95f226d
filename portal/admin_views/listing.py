"""List pages that stay fast at millions of rows, behind one seam: FastListMixin.

With PORTAL_FAST_LISTS on (the default) a list page costs two statements: how many rows
(a capped count) and which rows (ids picked on an index first, then the rows with only the
related names shown); ListRows writes the rows' HTML without a Jinja block per row, and
URLs, filter definitions and Flask-Admin's template texts come from the portal's cache.
Off, every list page is stock Flask-Admin (its get_list, row actions, delete form and
templates, nothing cached): tests/test_list_parity.py renders every list both ways and
requires the same rows, cells, row actions, pager and counts.

The seam leans on Flask-Admin internals; every one is listed in FLASK_ADMIN_INTERNALS with
why, and setup.cfg pins the minor version (2.2) the parity test has proven them on.
"""

import functools
from types import SimpleNamespace

from flask import current_app, has_request_context, request
from flask_admin.model import template
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import desc, func, literal_column, select
from sqlalchemy.orm import joinedload

from ..i18n import current_locale
from ..memo import current_memo, remember
from .chrome import admin_gettext

# Flask-Admin 2.2 members the seam uses that are not its documented API, and why. Keys:
# "ModelView.<member>" (of a model view), "<module>.<name>" (under flask_admin) or
# "<template>#<block>". tests/test_list_parity.py checks every one still exists.
FLASK_ADMIN_INTERNALS = {
    "ModelView._search_supported": "get_list: whether the view has a search box",
    "ModelView._apply_search": "get_list: the search clause, as stock builds it",
    "ModelView._filters": "get_list: the view's filter objects",
    "ModelView._apply_filters": "get_list: the filter clauses, as stock builds them",
    "ModelView._auto_joins": "get_list: stock's eager joins when no column_list_related",
    "ModelView._apply_sorting": "get_list: the ORDER BY, as stock builds it",
    "ModelView._order_by": "an INNER JOIN for sorts on required relations",
    "ModelView._apply_path_joins": "_order_by: the join path of a related sort column",
    "ModelView._get_filter_groups": "filter definitions kept per view and language",
    "ModelView._column_choices_map": "ListRows: a column's choice labels",
    "ModelView._get_field_value": "ListRows: a cell's raw value (dotted paths included)",
    "ModelView._template_args": "render: Flask-Admin's _gettext swapped for a kept one",
    "model.template.ViewRowAction": "the stock eye icon, written in Python",
    "model.template.EditRowAction": "the stock pencil icon, written in Python",
    "model.template.DeleteRowAction": "the stock delete form, written in Python",
    "model.template.EndpointLinkRowAction": "a stock link action, written in Python",
    "admin/model/list.html#model_list_table": "portal_list.html swaps the rows in it",
    "admin/model/list.html#list_header": "portal_list.html keeps the stock header",
    "admin/model/list.html#list_pager": "portal_list.html keeps the stock pager",
}


class CappedCount(int):
    """A count that stopped early: its value is cap + 1, it reads "more than <cap>"."""

    def __str__(self):
        return _("more than %(count)s", count=int(self) - 1)

    def __html__(self):
        return str(escape(str(self)))


def count_reach(page, page_size):
    """How many rows the count needs to see: the configured cap past the page's first row.

    So the pager always offers the pages after the one shown, however deep it is.
    """
    cap = int(current_app.config.get("PORTAL_COUNT_CAP", 1000))
    return (page or 0) * (page_size or 0) + cap


def capped_count(count_query, reach):
    """COUNT over at most `reach` + 1 rows: exact below the cap, CappedCount above it.

    A full COUNT(*) reads every matching row on every page; this reads the first
    `reach` + 1 (from the narrowest index the database finds) and stops. A count that
    reached the cap is remembered for PORTAL_COUNT_CACHE_SECONDS (per app, per statement
    and its values: scope, search and filters included): "more than 1000" stays true
    while people page through a big list, so it need not be re-read on every page.
    Counts below the cap are never kept; they are exact on every request.
    """
    limited = count_query.with_entities(literal_column("1")).limit(reach + 1).subquery()
    statement = select(func.count()).select_from(limited)
    memo, seconds = current_memo(), _count_cache_seconds()
    key = _statement_key(statement) if memo is not None and seconds > 0 else None
    kept = memo.get(key) if key is not None else None
    if kept is not None:
        return kept
    count = count_query.session.execute(statement).scalar_one()
    if count <= reach:
        return count
    if key is not None:
        memo.put(key, CappedCount(count), seconds)
    return CappedCount(count)


def _count_cache_seconds():
    return float(current_app.config.get("PORTAL_COUNT_CACHE_SECONDS", 0) or 0)


def _statement_key(statement):
    """("count", SQLAlchemy's own cache key of the statement, its bound values), or None."""
    cache_key = statement._generate_cache_key()
    if cache_key is None:
        return None
    return "count", cache_key.key, repr([bind.effective_value for bind in cache_key.bindparams])


def deferred_page(query, model, page, page_size):
    """The rows of one page, picked by id first so that deep pages do not load skipped rows.

    The inner SELECT reads only ids in the list's order (an index walk over one table), the
    outer one loads those rows with their eager-joined related names in the same statement.
    Even page 1 needs it on MariaDB: given the joins, its optimizer starts from the smallest
    table and sorts millions of rows. The id list is wrapped in a derived table because
    MariaDB refuses LIMIT directly inside IN (...).
    """
    offset = (page or 0) * page_size
    picked = query.with_entities(model.id).limit(page_size).offset(offset).subquery()
    ids = select(picked.c.id).select_from(picked)
    return query.filter(model.id.in_(ids))


def related_loads(model, spec):
    """Loader options that bring a list page's related names and nothing else.

    `spec` maps a relationship path to the columns the list reads from it, e.g.
    {"movie": ("title",), "hall": ("name",), "hall.cinema": ("name",)}: each path is
    joined into the page's query with only those columns (and the key), and the related
    rows' own relationships are not joined unless listed (a schedule's cinema's city).
    """
    options = []
    for path, columns in spec.items():
        loader, entity = None, model
        for name in path.split("."):
            attr = getattr(entity, name)
            entity = attr.property.mapper.class_
            loader = joinedload(attr) if loader is None else loader.joinedload(attr)
        options.append(
            loader.load_only(*(getattr(entity, column) for column in columns)).lazyload("*")
        )
    return options


def join_is_required(path):
    """Whether every relationship on `path` hangs on non-nullable foreign keys.

    Then an INNER JOIN returns the same rows as Flask-Admin's LEFT JOIN, and the database
    may start from the related table's index (e.g. sort schedules by movie title).
    """
    for attr in path or ():
        prop = getattr(attr, "property", None)
        local = getattr(prop, "local_columns", None)
        if (
            not local
            or prop.direction.name != "MANYTOONE"
            or any(column.nullable for column in local)
        ):
            return False
    return bool(path)


def icon_link(url, title, icon):
    return Markup('<a class="icon" href="{}" title="{}"><span class="{}"></span></a>').format(
        url, title or "", icon
    )


# Stands for a row's id while a row action's markup is built once per page.
ROW_ID = "0PORTALROWID0"


def _per_row(markup):
    """A function row_id -> the markup with ROW_ID replaced (ids are integers: nothing to
    quote), or None if that is ambiguous (the page's own URL, e.g. a search for the
    placeholder, contains it too)."""
    parts = str(markup).split(ROW_ID)
    if len(parts) != 2:
        return None
    head, tail = parts
    return lambda row_id: f"{head}{escape(row_id)}{tail}"


class FastRowAction:
    """A row action whose markup is built once per page and filled in with each row's id.
    Subclasses write `markup(context, row_id)`."""

    def render(self, context, row_id, row):
        return self.markup(context, row_id)

    def for_rows(self, context):
        """A function (row_id, row) -> this action's HTML for the row."""
        fill = _per_row(self.markup(context, ROW_ID))
        if fill is None:
            return lambda row_id, row: str(self.markup(context, row_id))
        return lambda row_id, row: fill(row_id)


class ViewRowAction(FastRowAction, template.ViewRowAction):
    """Flask-Admin's per-row "view" icon, same markup, written without a Jinja macro."""

    def markup(self, context, row_id):
        url = context.resolve("get_url")(
            ".details_view", id=row_id, url=context.resolve("return_url")
        )
        return icon_link(url, self.title, "fa fa-eye glyphicon glyphicon-eye-open")


class EditRowAction(FastRowAction, template.EditRowAction):
    """Flask-Admin's per-row "edit" icon, same markup, written without a Jinja macro."""

    def markup(self, context, row_id):
        url = context.resolve("get_url")(".edit_view", id=row_id, url=context.resolve("return_url"))
        return icon_link(url, self.title, "fa fa-pencil glyphicon glyphicon-pencil")


class EndpointLinkRowAction(FastRowAction, template.EndpointLinkRowAction):
    """Flask-Admin's link to another endpoint with the row's id, without a Jinja macro."""

    def markup(self, context, row_id):
        args = {**(self.url_args or {}), self.id_arg: row_id}
        return icon_link(
            context.resolve("get_url")(self.endpoint, **args), self.title, self.icon_class
        )


class RowsDeleteForm:
    """What the list's delete buttons (DeleteRowAction) read of Flask-Admin's delete form:
    its CSRF token. Building the WTForms form on every list page cost more than the rows'
    buttons; the POST to delete_view still validates the real form."""

    def __init__(self):
        self._csrf = current_app.config.get("WTF_CSRF_ENABLED", True)
        if self._csrf:
            self.csrf_token = SimpleNamespace(current_token=generate_csrf())

    def __contains__(self, name):
        return name == "csrf_token" and self._csrf


class DeleteRowAction(FastRowAction, template.DeleteRowAction):
    """Flask-Admin's per-row delete button, same markup, written without a Jinja macro.

    The macro renders three WTForms fields on every row; at 25-100 rows a page that was a
    third of the list's rendering time.
    """

    def markup(self, context, row_id):
        form = context.resolve("delete_form")
        token = form.csrf_token.current_token if "csrf_token" in form else None
        token_input = (
            Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="{}">').format(
                token
            )
            if token
            else ""
        )
        return Markup(
            '<form class="icon" method="POST" action="{action}">'
            '<input id="id" name="id" type="hidden" value="{row_id}">'
            '<input id="url" name="url" type="hidden" value="{url}">{token}'
            '<button onclick="return faHelpers.safeConfirm(\'{confirm}\');" title="{title}">'
            '<span class="fa fa-trash glyphicon glyphicon-trash"></span></button></form>'
        ).format(
            action=context.resolve("get_url")(".delete_view"),
            row_id=row_id,
            url=context.resolve("return_url"),
            token=token_input,
            confirm=admin_gettext("Are you sure you want to delete this record?"),
            title=self.title or "",
        )


# Flask-Admin's row action -> its twin rendered in Python
FAST_ROW_ACTIONS = {
    template.ViewRowAction: lambda action: ViewRowAction(),
    template.EditRowAction: lambda action: EditRowAction(),
    template.DeleteRowAction: lambda action: DeleteRowAction(),
    template.EndpointLinkRowAction: lambda action: EndpointLinkRowAction(
        action.icon_class,
        action.endpoint,
        title=action.title,
        id_arg=action.id_arg,
        url_args=action.url_args,
    ),
}


def fast_row_action(action):
    """The Python-rendered twin of one of Flask-Admin's stock row actions, else `action`."""
    twin = FAST_ROW_ACTIONS.get(type(action))
    return action if twin is None else twin(action)


class ListRows:
    """A list page's rows as HTML, written in Python: the markup of Flask-Admin's
    `list_row` block (select box, row actions, one cell per column) for a fraction of the
    cost. Per page it builds each row action's markup once and looks up each column's
    formatter once; per row it only formats values and joins strings.

    Used by the portal's list template (`admin/portal_list.html`) for views without
    inline-editable columns; those keep Flask-Admin's block.
    """

    def __init__(self, view):
        self.view = view
        self._row = None  # built on first use, inside the template's context

    @pass_context
    def render(self, context, rows):
        """Every row, <tr> included, or the empty-list row: no Jinja block per row."""
        if not rows:
            return Markup(
                '<tr><td colspan="999"><div class="text-center">{}</div></td></tr>'
            ).format(self.view.get_empty_list_message())
        if self._row is None:
            self._row = self._build(context)
        return Markup("".join([f"<tr>{self._row(row)}</tr>" for row in rows]))

    def _build(self, context):
        """One function per row: every piece is constant markup or an escaped value, so
        the row is joined as plain text and marked safe once."""
        view = self.view
        get_pk = view.get_pk_value
        parts = []  # functions (row_id, row) -> HTML text, in column order
        if context.resolve("actions"):
            title = escape(admin_gettext("Select record"))
            parts.append(
                lambda row_id, row: (
                    f'<td><input type="checkbox" name="rowid" class="action-checkbox" '
                    f'value="{escape(row_id)}" title="{title}" /></td>'
                )
            )
        if view.column_display_actions:
            # SecuredModelView.get_list_row_actions gave the stock actions' Python twins
            actions = [
                action.for_rows(context)
                if isinstance(action, FastRowAction)
                else self._slow_action(context, action)
                for action in context.resolve("list_row_actions")
            ]
            parts.append(
                lambda row_id, row: (
                    '<td class="list-buttons-column">'
                    + "".join([action(row_id, row) for action in actions])
                    + "</td>"
                )
            )
        for name, _label in context.resolve("list_columns"):
            parts.append(self._cell(context, name))

        def row_html(row):
            row_id = get_pk(row)
            return Markup("".join([part(row_id, row) for part in parts]))

        return row_html

    @staticmethod
    def _slow_action(context, action):
        return lambda row_id, row: str(escape(action.render(context, row_id, row)))

    def _cell(self, context, name):
        """A function (row_id, row) -> one <td>: Flask-Admin's `_get_list_value`, with the
        type formatter looked up once per value type instead of once per cell."""
        view = self.view
        column_fmt = view.column_formatters.get(name)
        # Choice labels are lazy strings: translate each once per page, not once per cell.
        choices = {
            key: label if isinstance(label, str) else str(label)
            for key, label in (view._column_choices_map.get(name) or {}).items()
        }
        type_formatters = view.column_type_formatters
        by_type = {}
        opening = Markup('<td class="col-{}">').format(name)

        def type_formatter(value):
            kind = type(value)
            if kind not in by_type:
                by_type[kind] = next(
                    (fmt for typeobj, fmt in type_formatters.items() if isinstance(value, typeobj)),
                    None,
                )
            return by_type[kind]

        def cell(row_id, row):
            if column_fmt is not None:
                value = column_fmt(view, context, row, name)
            else:
                value = view._get_field_value(row, name)
            if choices:
                value = choices.get(value) or value
            else:
                fmt = type_formatter(value)
                if fmt is not None:
                    value = fmt(view, value, name)
            return f"{opening}{escape(value)}</td>"

        return cell


class FastListMixin:
    """Everything a list page does only for speed, behind PORTAL_FAST_LISTS (default on).

    Put it before Flask-Admin's ModelView in the bases: each method either does the fast
    thing or, with the setting off, hands over to stock Flask-Admin unchanged.
    """

    # The list page's related rows and the only columns it reads from them, e.g.
    # {"hall.cinema": ("name",)} (related_loads); None: Flask-Admin's joins, whole rows.
    column_list_related = None
    # False: Flask-Admin's Jinja `list_row` block even with the seam on (a view that
    # overrides that block).
    rows_in_python = True

    @property
    def fast_lists(self):
        return bool(current_app.config.get("PORTAL_FAST_LISTS", True))

    def _writes_rows(self):
        return self.fast_lists and self.rows_in_python and not self.column_editable_list

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Flask-Admin's list (scoped by get_query): a capped count and a deferred-join
        page, 2 statements."""
        if not self.fast_lists:
            return super().get_list(
                page, sort_column, sort_desc, search, filters, execute=execute, page_size=page_size
            )
        joins, count_joins = {}, {}
        query, count_query = self.get_query(), self.get_count_query()
        if self._search_supported and search:
            query, count_query, joins, count_joins = self._apply_search(
                query, count_query, joins, count_joins, search
            )
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(
                query, count_query, joins, count_joins, filters
            )
        page_size = self.page_size if page_size is None else page_size
        count = capped_count(count_query, count_reach(page, page_size))
        if execute and self.column_list_related is not None:
            query = query.options(*self._related_loads)
        else:
            for path in self._auto_joins:
                query = query.options(joinedload(path))
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        if page_size:
            query = deferred_page(query, self.model, page, page_size)
        return count, (query.all() if execute else query)

    @functools.cached_property
    def _related_loads(self):
        return related_loads(self.model, self.column_list_related)

    def _order_by(self, query, joins, sort_joins, sort_field, sort_desc):
        """Sort by a related column through an INNER JOIN when the relation is required."""
        if not self.fast_lists or sort_field is None or not join_is_required(sort_joins):
            return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)
        query, joins, alias = self._apply_path_joins(query, joins, sort_joins, inner_join=True)
        column = sort_field if alias is None else getattr(alias, sort_field.key)
        return query.order_by(desc(column) if sort_desc else column), joins

    def _get_filter_groups(self):
        """The filter definitions (names, operations, options) in the reader's language:
        fixed per view and language once the view is set up."""
        return remember(
            ("filter_groups", self.endpoint, current_locale()), super()._get_filter_groups
        )

    def get_url(self, endpoint, **kwargs):
        """url_for, kept: a list page asks for ~25 URLs (pager, sort links, page sizes, row
        actions, static files), the same ones for the same list state. Keyed by everything
        url_for reads here: the blueprint (relative endpoints), the script root, the host
        (external URLs) and the arguments in their order."""
        if not has_request_context():
            return super().get_url(endpoint, **kwargs)
        key = (
            "url",
            request.blueprint,
            request.script_root,
            request.host if kwargs.get("_external") else None,
            endpoint,
            repr(tuple(kwargs.items())),
        )
        return remember(key, lambda: super(FastListMixin, self).get_url(endpoint, **kwargs))

    def delete_form(self):
        if (
            request.method == "GET"
            and request.endpoint == f"{self.endpoint}.index_view"
            and self._writes_rows()
        ):
            return RowsDeleteForm()  # the list's buttons need only its token
        return super().delete_form()

    def get_list_row_actions(self):
        actions = super().get_list_row_actions()
        return [fast_row_action(action) for action in actions] if self.fast_lists else actions

    def render(self, template, **kwargs):
        if self.fast_lists:
            self._template_args["_gettext"] = admin_gettext
            # List pages: rows written in Python (ListRows), unless cells are editable.
            if "list_row_actions" in kwargs and self._writes_rows():
                kwargs["list_rows_html"] = ListRows(self).render
        return super().render(template, **kwargs)
