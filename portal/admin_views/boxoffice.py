"""The box office reports at /admin/boxoffice/: read-only pages behind the same gate as every
view (boxoffice.view to read, boxoffice.export to export; refusals logged and audited) and
the same cinema scope (a reader's cinemas in every row, total, chart and export).
"""

import io
from decimal import Decimal
from urllib.parse import urlencode

from flask import Response, request
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .. import access
from ..extensions import db
from ..i18n import wall_clock_now
from ..services import boxoffice_reports as reports
from ..services import selling
from ..services.export import UTF8_BOM, csv_lines, safe_cell
from . import guards
from .base import deny, to_sign_in
from .export import attachment

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# view function -> the permission action it needs
VIEW_ACTIONS = {"index": "view", "export": "export", "export_xlsx": "export"}
ARGS = ("period", "group", "start", "end", "month")
PAGE_ROWS = 200  # rows a report page shows (a chain's films are thousands); exports have all


class BoxOfficeView(BaseView):
    resource = "boxoffice"

    def may(self, action):
        return access.has_permission(f"{self.resource}.{action}")

    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active and self.may("view")

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return to_sign_in()
        needed = VIEW_ACTIONS.get(name)
        if not self.may("view") or needed is None or not self.may(needed):
            deny(self.resource, f"{name} needs {self.resource}.{needed}")
        return guards.without_reserved_args() or super()._handle_view(name, **kwargs)

    # -- what the request asks for ---------------------------------------------------------
    def chosen(self):
        """The report's parameters as sent (bounded), for the form and the links."""
        return {name: (request.args.get(name) or "").strip()[:20] for name in ARGS}

    def report(self, chosen):
        """The report the parameters name, or ReportError with what to change."""
        today = selling.local_now().date()
        period = reports.resolve_period(
            chosen["period"] or None, today, chosen["start"], chosen["end"], chosen["month"]
        )
        group = reports.check_group(chosen["group"] or None)
        return reports.build_report(db.session, period, group, access.cinema_scope())

    def query_string(self, chosen):
        return urlencode({k: v for k, v in chosen.items() if v})

    def page(self, report, error, status=200):
        chosen = self.chosen()
        return self.render(
            "admin/boxoffice.html",
            report=report,
            error=error,
            chosen=chosen,
            presets=reports.PRESETS,
            groups=reports.GROUPS,
            columns=reports.COLUMNS,
            chart_data=reports.chart_data(report) if report else None,
            can_export=self.may("export"),
            query=self.query_string(chosen),
            page_rows=PAGE_ROWS,
        ), status

    @expose("/")
    def index(self):
        try:
            return self.page(self.report(self.chosen()), None)
        except reports.ReportError as exc:
            return self.page(None, str(exc))

    # -- exports -------------------------------------------------------------------------
    def _refused(self, error):
        return self.page(None, error, 400)

    def filename(self, report, extension):
        """票房_2026-12-02_1258.csv: what it holds and the cinemas' wall-clock time."""
        report_name = _("Box office figures")
        return f"{report_name}_{wall_clock_now():%Y-%m-%d_%H%M}.{extension}"

    @expose("/export/csv/")
    def export(self):
        try:
            report = self.report(self.chosen())
        except reports.ReportError as exc:
            return self._refused(str(exc))
        # A report has a row per group: small enough to answer whole, not streamed.
        body = UTF8_BOM + "".join(csv_lines(reports.table_rows(report)))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": attachment(self.filename(report, "csv"))},
        )

    @expose("/export/xlsx/")
    def export_xlsx(self):
        try:
            report = self.report(self.chosen())
        except reports.ReportError as exc:
            return self._refused(str(exc))
        return Response(
            xlsx_bytes(reports.table_rows(report), _("Box office figures")),
            mimetype=XLSX_TYPE,
            headers={"Content-Disposition": attachment(self.filename(report, "xlsx"))},
        )


def xlsx_cell(sheet, value, bold=False):
    """A cell: numbers as numbers, text through safe_cell and stored as text (never a
    formula, whatever it starts with)."""
    if value is None:
        cell = WriteOnlyCell(sheet, value=None)
    elif isinstance(value, (int, float, Decimal)):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        cell = WriteOnlyCell(sheet, value=safe_cell(value))
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(rows, title):
    """A one-sheet workbook of `rows` (the first row bold), as bytes."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_cell(title)[:31] or "Sheet")
    for index, row in enumerate(rows):
        sheet.append([xlsx_cell(sheet, value, bold=index == 0) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
