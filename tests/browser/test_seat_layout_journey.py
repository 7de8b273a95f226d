"""Journey: a cinema manager draws a hall's seats, saves them, and sees them on a show's map."""

import datetime as dt

from .ui import (
    choose,
    click_and_wait,
    flashes,
    list_rows,
    open_menu,
    open_tab,
    pick_datetime,
    row_with,
    save,
    save_readme_screenshot,
    sign_in,
)

OWN_CINEMA = "万达影城（CBD店）"
HALL = "3号厅"
START = "SSSSSSSS\nSSSSSSSS\nSSSSSSSS\nSSSSSSSS\nSSSSSSSS"
# An aisle in column 4, a VIP row, two couple pairs, a blocked seat: what the clicks draw.
DRAWN = "SSS.SSSS\nVVV.VVVV\nSSS.SSSS\nSSS.SSSX\nCCS.CCSS"


def paint(page, kind, *cells):
    page.locator(f"#seat-palette input[value={kind}]").check()
    for row, col in cells:
        page.locator(f'#seat-grid button[data-row="{row}"][data-col="{col}"]').click()


def test_manager_draws_a_hall_and_sees_it_on_a_shows_seat_map(page, snapshot):
    sign_in(page, "manager")
    open_menu(page, "Cinemas", "Halls")
    click_and_wait(page, row_with(page, HALL).locator("a[title='Seat layout']"))
    assert page.locator("#layout-title").inner_text() == f"{OWN_CINEMA} · {HALL}"

    # Start from a plain block typed into the text form, then draw on the grid.
    page.locator("#layout").fill(START)
    click_and_wait(page, page.locator("#layout-preview-button"))
    assert page.locator("#seat-grid button[data-kind=standard]").count() == 40
    paint(page, "aisle", *[(row, 4) for row in range(1, 6)])
    paint(page, "vip", *[(2, col) for col in (1, 2, 3, 5, 6, 7, 8)])
    paint(page, "couple", (5, 1), (5, 5))  # a couple seat is two places: one click each
    paint(page, "blocked", (4, 8))
    assert page.locator("#layout").input_value() == DRAWN

    click_and_wait(page, page.locator("#layout-preview-button"))
    preview = page.locator("#layout-preview").inner_text()
    assert "Capacity 112 → 34 seats, 5 rows." in preview, preview
    assert page.locator("#seat-grid .seat-couple").count() == 4
    # Left to right, the aisle skipped: row 2's seat after the aisle is its 4th.
    assert page.locator('#seat-grid button[data-row="2"][data-col="5"]').inner_text() == "4"
    save_readme_screenshot(page, "seat-layout-editor")

    click_and_wait(page, page.locator("#layout-save-button"))
    saved = [
        m
        for m in flashes(page)
        if m.startswith("Seat layout of “") and ": version 2 saved: 34 seats in 5 rows." in m
    ]
    assert saved, flashes(page)
    assert "Capacity: 34 seats" in page.locator("#layout-facts").inner_text()

    # A new show in the hall uses the new layout.
    open_menu(page, "Cinemas", "Schedules")
    open_tab(page, "Create")
    choose(page, "movie", "流浪地球", "流浪地球2")
    choose(page, "hall", "3号", f"{OWN_CINEMA} · {HALL}")
    pick_datetime(
        page,
        "starts_at",
        dt.datetime.combine(dt.date.today() + dt.timedelta(days=30), dt.time(10, 30)),
    )
    page.locator("#price").fill("45")
    save(page)
    assert any(
        text.startswith(f"Schedule “流浪地球2, {HALL}, ") and text.endswith("” was created.")
        for text in flashes(page)
    ), flashes(page)
    page.goto("/admin/schedule/?when=all")  # every show, latest first: the new one on top
    click_and_wait(page, list_rows(page).first.locator("a[title='Seat map']"))

    seat_map = page.locator("#seat-grid")
    assert page.locator("#seat-map-title").inner_text().endswith(HALL)
    assert seat_map.locator(".seat-vip").count() == 7
    assert seat_map.locator(".seat-couple").count() == 4
    assert seat_map.locator("[data-state=blocked]").count() == 1
    assert seat_map.locator("[data-state=free]").count() == 34
    assert seat_map.locator(".seat-row-label").first.inner_text() == "Row 1"
    assert (
        seat_map.locator("[data-state=blocked]").get_attribute("title").startswith("Row 4, seat 7")
    )
    save_readme_screenshot(page, "seat-map")
    snapshot()


def test_a_big_halls_seat_map_scrolls_sideways_on_a_phone(page, snapshot):
    sign_in(page, "manager")
    open_menu(page, "Cinemas", "Schedules")
    page.set_viewport_size({"width": 390, "height": 844})
    imax = list_rows(page).filter(has_text="1号厅").first
    click_and_wait(page, imax.locator("a[title='Seat map']"))
    scroller = page.locator(".seat-map-scroll")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth + 200")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 400
    seat = page.locator("#seat-grid .seat-standard").first.bounding_box()
    assert seat["width"] >= 24  # not squeezed: readable seat numbers
    snapshot("phone")
