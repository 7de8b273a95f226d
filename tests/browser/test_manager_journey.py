"""Journey 2: a cinema manager sees and picks only their own cinema's halls and showtimes."""

import datetime as dt
from zoneinfo import ZoneInfo

from .ui import (
    add_filter,
    choose,
    click_and_wait,
    close_lookup,
    column_texts,
    flashes,
    list_rows,
    open_menu,
    open_tab,
    pick_datetime,
    save,
    save_readme_screenshot,
    select2_options,
    sign_in,
)

OWN_CINEMA = "万达影城（CBD店）"
OTHER_CINEMA = "上海影城"


def test_cinema_manager_sees_only_their_cinema_and_is_told_of_a_collision(page, snapshot):
    sign_in(page, "manager")

    open_menu(page, "Cinemas", "Halls")
    assert list_rows(page).count() == 4
    assert set(column_texts(page, "Cinema")) == {OWN_CINEMA}

    open_menu(page, "Cinemas", "Schedules")
    assert list_rows(page).count() == 25
    assert set(column_texts(page, "Cinema")) == {OWN_CINEMA}

    add_filter(page, "Cinema", OTHER_CINEMA)
    assert list_rows(page).count() == 0
    assert "There are no items in the table." in page.locator("table.model-list").inner_text()

    open_menu(page, "Cinemas", "Schedules")
    add_filter(page, "Movie", "流浪地球2", operation="equals")
    assert list_rows(page).count() > 0
    assert set(column_texts(page, "Movie")) == {"流浪地球2"}
    assert set(column_texts(page, "Cinema")) == {OWN_CINEMA}

    open_menu(page, "Cinemas", "Schedules")
    open_tab(page, "Day view")
    assert page.locator("#cinema_id option").all_inner_texts() == [OWN_CINEMA]
    # The cinemas' day, in the portal's time zone (not the machine's: after 16:00 UTC it is
    # already tomorrow in Shanghai).
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert (
        page.locator("#day-view-title").inner_text() == f"{OWN_CINEMA} · {today:%b} "
        f"{today.day}, {today.year}"
    )
    halls = [
        t.strip()
        for t in page.locator("#day-grid .day-row:not(.day-axis) .day-hall").all_inner_texts()
    ]
    assert sorted(halls) == ["1号厅", "2号厅", "3号厅", "杜比厅"]
    assert page.locator("#day-grid .day-block").count() == 16
    save_readme_screenshot(page, "day-view")
    click_and_wait(page, page.locator("#next-day"))
    tomorrow = today + dt.timedelta(days=1)
    assert (
        page.locator("#day-view-title").inner_text() == f"{OWN_CINEMA} · {tomorrow:%b} "
        f"{tomorrow.day}, {tomorrow.year}"
    )
    assert page.locator("#day-grid .day-block").count() == 16

    open_menu(page, "Cinemas", "Schedules")
    open_tab(page, "Create")
    offered = select2_options(page, "hall", "厅")
    assert sorted(offered) == sorted(
        f"{OWN_CINEMA} · {name}" for name in ("1号厅", "2号厅", "3号厅", "杜比厅")
    )
    close_lookup(page)

    choose(page, "movie", "流浪地球", "流浪地球2")
    choose(page, "hall", "1号", f"{OWN_CINEMA} · 1号厅")
    pick_datetime(page, "starts_at", dt.datetime.combine(tomorrow, dt.time(10, 30)))
    page.locator("#price").fill("45")
    save(page)
    collision = [m for m in flashes(page) if m.startswith("Collides with schedule #")]
    when = f"{tomorrow:%b} {tomorrow.day}, {tomorrow.year}, 10:00 AM"  # the one style
    assert collision and when in " ".join(collision[0].split()), flashes(page)
    assert page.locator("#starts_at").input_value().startswith(f"{tomorrow:%Y-%m-%d} 10:30")
    save_readme_screenshot(page, "schedule-form")
    snapshot()
