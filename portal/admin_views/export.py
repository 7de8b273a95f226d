"""A list's export: every row the list selects (scope, search, filters, sort), streamed.

Flask-Admin loads the export into memory in one query and stops at `export_max_rows`. Here
the ids come first, in the list's order, through a server-side cursor on a connection of their
own (PyMySQL's SSCursor: rows read from the socket as they are used), and the rows themselves
are loaded and written a chunk of ids at a time, so a worker's memory stays flat whatever the
list's size. Each cell goes through services.export.safe_cell.
"""

from urllib.parse import quote

from flask import Response, stream_with_context
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..services.export import UTF8_BOM, csv_lines

CHUNK_ROWS = 1000  # ids per query of rows: one IN (...) statement per chunk
STREAM_WRITE_TIMEOUT = 3600  # seconds MySQL waits for the export to read the next ids


def selected_query(view):
    """The list page's query (scope, search, filters, sort) without its page."""
    args = view._get_list_extra_args()
    sort = view._get_column_by_idx(args.sort)
    query, count_query, joins, count_joins = view.get_query(), view.get_count_query(), {}, {}
    if view._search_supported and args.search:
        query, count_query, joins, count_joins = view._apply_search(
            query, count_query, joins, count_joins, args.search
        )
    if args.filters and view._filters:
        query, count_query, joins, count_joins = view._apply_filters(
            query, count_query, joins, count_joins, args.filters
        )
    query, joins = view._apply_sorting(query, joins, sort[0] if sort else None, args.sort_desc)
    return query


def selected_ids(view, chunk_rows):
    """The selected rows' ids in the list's order, a list of at most `chunk_rows` at a time."""
    statement = selected_query(view).with_entities(view.model.id).statement
    with db.engine.connect() as connection:
        mysql = connection.dialect.name in ("mysql", "mariadb")
        if mysql:
            # MySQL drops a streaming connection whose reader has not taken the next rows
            # within net_write_timeout (60 s by default): a slow download may take longer.
            connection.exec_driver_sql(f"SET SESSION net_write_timeout = {STREAM_WRITE_TIMEOUT}")
        result = connection.execution_options(stream_results=True, yield_per=chunk_rows).execute(
            statement
        )
        finished = False
        try:
            for chunk in result.partitions(chunk_rows):
                yield [pk for (pk,) in chunk]
            finished = True
        finally:
            if not finished:
                # The download stopped: drop the connection rather than read the rest.
                _forget_unread_rows(result)
                connection.invalidate()
            elif mysql:
                connection.exec_driver_sql("SET SESSION net_write_timeout = DEFAULT")


def _forget_unread_rows(result):
    """PyMySQL's unbuffered result would read every remaining row to discard them (when the
    cursor closes or the result is collected): mark it done, the connection is dropped."""
    unbuffered = getattr(getattr(result, "cursor", None), "_result", None)
    if getattr(unbuffered, "unbuffered_active", False):
        unbuffered.unbuffered_active = False


def selected_rows(view, chunk_rows=None):
    """The selected rows, in the list's order, loaded a chunk at a time (in scope again)."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    model = view.model
    loads = related_loads(view)
    for ids in selected_ids(view, chunk_rows):
        rows = view.get_query().options(*loads).filter(model.id.in_(ids)).all()
        by_id = {row.id: row for row in rows}
        yield from (by_id[pk] for pk in ids if pk in by_id)
        del rows, by_id


def related_loads(view):
    """Load the related rows the export shows with each chunk, as the list page does: only the
    columns it shows when the view names them (column_list_related), else Flask-Admin's joins."""
    if view.column_list_related is not None:
        return view._related_loads
    return [joinedload(path) for path in view._auto_joins]


def table(view):
    """The export as rows of values: the column titles, then each selected row's values."""
    columns = view._export_columns
    yield [title for _name, title in columns]
    for row in selected_rows(view):
        yield [view.get_export_value(row, name) for name, _title in columns]


def csv_response(view):
    """The CSV file of the list, streamed, with a UTF-8 BOM (Excel shows Chinese correctly)."""

    def generate():
        yield UTF8_BOM
        yield from csv_lines(table(view))

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": attachment(view.get_export_name("csv"))},
    )


def attachment(filename):
    """A Content-Disposition header for `filename`, Chinese included, as RFC 6266 says: an
    ASCII fallback, then the UTF-8 name (werkzeug's secure_filename would drop the Chinese)."""
    fallback = filename.encode("ascii", "ignore").decode().lstrip("_ ") or "export.csv"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
