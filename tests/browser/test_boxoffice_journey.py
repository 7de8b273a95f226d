"""Journey: box office reports and charts. An admin switches the report to "by city, last 30
days" and exports it as XLSX; a manager sees only their cinema in every chart, and the charts
are drawn (pixels on the canvas, not only a page that loaded)."""

import io
import json
import re
from pathlib import Path

from openpyxl import load_workbook

from .ui import click_and_wait, open_menu, save_readme_screenshot, sign_in

OWN_CINEMA = "万达影城（CBD店）"
OTHER_CINEMA = "上海影城"

# Pixels of a chart's canvas that are not transparent: ECharts drew something.
DRAWN_PIXELS = """
(id) => {
  const canvas = document.querySelector(`#${id} canvas`);
  if (!canvas) { return 0; }
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { drawn++; } }
  return drawn;
}
"""


def chart_data(page, chart_id):
    return json.loads(page.locator(f"#{chart_id}").get_attribute("data-chart"))


def assert_drawn(page, chart_id):
    page.wait_for_selector(f"#{chart_id}[data-drawn='true'] canvas")
    assert page.evaluate(DRAWN_PIXELS, chart_id) > 500, f"{chart_id} has an empty canvas"


def test_admin_reports_by_city_for_the_last_30_days_and_exports_xlsx(page, snapshot):
    sign_in(page, "admin")
    assert_drawn(page, "trend-chart")
    save_readme_screenshot(page, "dashboard")
    open_menu(page, "Sales", "Box office")
    page.select_option("#period", "last_30")
    page.select_option("#group", "city")
    click_and_wait(page, page.locator("#report-show"))

    assert "period=last_30" in page.url and "group=city" in page.url
    cities = page.locator("#report-table tbody tr.report-row th").all_inner_texts()
    assert len(cities) >= 2
    assert chart_data(page, "report-chart")["categories"] == cities
    assert_drawn(page, "report-chart")

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["City", "Tickets sold", "Gross"]
    assert [r[0] for r in rows[1:-1]] == cities and rows[-1][0] == "Total"
    save_readme_screenshot(page, "boxoffice-report")
    snapshot("report")


def test_manager_sees_only_their_cinema_in_every_chart(page, snapshot):
    sign_in(page, "manager")
    for chart_id in ("trend-chart", "films-chart", "hours-chart"):
        assert_drawn(page, chart_id)
    shows = page.locator("#shows-table tbody").inner_text()
    assert OWN_CINEMA in shows and OTHER_CINEMA not in shows
    assert OTHER_CINEMA not in page.content()

    page.goto("/admin/boxoffice/?period=last_30&group=cinema")
    assert page.locator("#report-table tbody tr.report-row th").all_inner_texts() == [OWN_CINEMA]
    assert chart_data(page, "report-chart")["categories"] == [OWN_CINEMA]
    assert_drawn(page, "report-chart")

    page.goto("/admin/boxoffice/?period=last_30&group=hall")
    halls = page.locator("#report-table tbody tr.report-row th").all_inner_texts()
    assert halls and all(h.startswith(OWN_CINEMA) for h in halls)
    assert all(
        re.match(re.escape(OWN_CINEMA), c) for c in chart_data(page, "report-chart")["categories"]
    )
    assert_drawn(page, "report-chart")
    snapshot("manager-report")
