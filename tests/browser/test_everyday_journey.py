"""Journey 5: a day of everyday use. A manager schedules from an empty hour of the day view
and copies the day; an admin follows a movie's history; the pickers speak Chinese and open
on Shanghai time; every list and the day view work at phone width (390 px)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from .ui import (
    choose,
    click_and_wait,
    flashes,
    open_menu,
    save,
    save_readme_screenshot,
    sign_in,
)

OWN_CINEMA = "万达影城（CBD店）"


def shanghai_today():
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def test_manager_creates_a_show_from_an_empty_hour_and_copies_the_day(page, snapshot):
    sign_in(page, "manager")
    day = shanghai_today() + dt.timedelta(days=20)
    page.goto(f"/admin/schedule/day/?date={day.isoformat()}")
    assert page.locator("#day-grid .day-block").count() == 0
    hall_row = page.locator(".day-row", has=page.locator(".day-hall", has_text="1号厅"))
    click_and_wait(page, hall_row.locator("a.day-slot[href*='T14:00']"))

    assert page.locator("#starts_at").input_value() == f"{day.isoformat()} 14:00"
    assert (
        page.locator("#s2id_hall .select2-chosen").inner_text().strip() == f"{OWN_CINEMA} · 1号厅"
    )
    choose(page, "movie", "流浪地球", "流浪地球2")
    # 173 minutes + 15 of clean-up, asked of the server as soon as both are known
    page.wait_for_function("() => document.getElementById('ends_at').value !== ''")
    assert page.locator("#ends_at").input_value() == f"{day.isoformat()} 17:08"
    page.locator("#price").fill("45")
    save(page)
    assert any(m.startswith("Schedule “流浪地球2, 1号厅, ") for m in flashes(page)), flashes(page)
    assert page.locator("#day-grid .day-block", has_text="流浪地球2").count() == 1

    page.locator("#first_day").fill((day + dt.timedelta(days=1)).isoformat())
    page.locator("#last_day").fill((day + dt.timedelta(days=2)).isoformat())
    click_and_wait(page, page.locator("#copy-day-submit"))
    assert any(m.startswith("Copied 2 shows to ") for m in flashes(page)), flashes(page)
    assert page.locator("#day-grid .day-block", has_text="流浪地球2").count() == 1

    page.locator("#first_day").fill((day + dt.timedelta(days=2)).isoformat())
    click_and_wait(page, page.locator("#copy-day-submit"))
    problems = page.locator(".copy-problem").all_inner_texts()
    assert problems and problems[0].startswith("1号厅: "), problems
    assert "Collides with schedule #" in problems[0]
    snapshot()


def test_admin_follows_a_movies_history_from_its_details(page, snapshot):
    sign_in(page, "admin")
    open_menu(page, "Catalogue", "Movies")
    page.goto("/admin/movie/?search=满江红")
    click_and_wait(page, page.locator("a[title='Edit Record']").first)
    page.locator("#rating").fill("7.2")
    save(page)
    assert "Movie “满江红” was saved." in flashes(page)
    click_and_wait(page, page.locator("a[title='View Record']").first)
    click_and_wait(page, page.locator("#record-history"))
    entries = page.locator("#history-entries tr.history-entry")
    assert page.locator("#history-title").inner_text() == "History of Movie “满江红”"
    newest = entries.first.inner_text()
    assert "Edited" in newest and "Rating: 7.0 → 7.2" in newest, newest
    assert "Created" in entries.last.inner_text()
    snapshot()


def test_pickers_speak_chinese_and_open_on_shanghai_time_in_minutes(page, snapshot):
    sign_in(page, "manager")
    page.goto("/admin/schedule/new/?lang=zh_Hans_CN")
    assert page.locator("html").get_attribute("lang") == "zh-Hans-CN"
    page.locator("#starts_at").click()
    picker = page.locator(".daterangepicker:visible")
    assert picker.locator("button.applyBtn").inner_text() == "确定"
    assert picker.locator("button.cancelBtn").inner_text() == "取消"
    weekdays = picker.locator(".calendar.first thead tr").last.locator("th").all_inner_texts()
    assert weekdays == ["一", "二", "三", "四", "五", "六", "日"]
    assert "月" in picker.locator(".calendar.first select.monthselect option:checked").inner_text()
    before = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(
        tzinfo=None, second=0, microsecond=0
    )
    picker.locator("button.applyBtn").click()
    value = page.locator("#starts_at").input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", value), value
    picked = dt.datetime.strptime(value, "%Y-%m-%d %H:%M")
    assert abs((picked - before).total_seconds()) <= 120, (value, before)

    page.goto("/admin/schedule/?lang=zh_Hans_CN")
    page.locator("a.dropdown-toggle", has_text="添加筛选器").click()
    page.locator(".field-filters a.filter", has_text=re.compile(r"^\s*开场时间\s*$")).click()
    page.locator("table.filters tr").last.locator("input.filter-val").click()
    assert page.locator(".daterangepicker:visible button.applyBtn").inner_text() == "确定"
    snapshot()


LISTS = (
    "movie",
    "city",
    "cinema",
    "hall",
    "schedule",
    "seatlayout",
    "screeningright",
    "pricecard",
    "tickettype",
    "user",
    "role",
    "permission",
    "auditlog",
)


def test_every_list_and_the_day_view_work_at_phone_width(page, snapshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "admin")
    assert page.locator(".navbar-brand").is_visible()
    assert page.locator(".navbar-toggler").is_visible()
    for name in LISTS:
        page.goto(f"/admin/{name}/")
        assert page.locator(".navbar-brand").is_visible(), name
        # The page itself does not run off the screen: a wide table scrolls in its own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 391, name
        last_header = page.locator("table.model-list thead th").last
        last_header.scroll_into_view_if_needed()
        assert last_header.is_visible(), name
        save_readme_screenshot(page, f"phone-{name}")

    page.goto("/admin/schedule/day/")
    page.locator("#cinema_id").select_option(label=OWN_CINEMA)
    click_and_wait(page, page.get_by_role("button", name="Show"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    scroller = page.locator(".day-scroll")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    block = page.locator("#day-grid a.day-block").first
    assert block.bounding_box()["width"] >= 60, "a show block too narrow to read"
    assert page.locator(".day-hall", has_text="1号厅").is_visible()
    save_readme_screenshot(page, "phone-day-view")
    snapshot()


def fits_the_phone(page, what):
    """The page itself does not run off a 390 px screen (wide parts scroll in their box)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 391, what
    assert page.locator(".navbar-brand").is_visible(), what


def test_seat_layouts_price_cards_and_accounts_work_at_phone_width(page, snapshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "admin")

    page.goto("/admin/seatlayout/")
    page.goto(
        page.locator('a[href*="/admin/seatlayout/hall/?hall_id="]').first.get_attribute("href")
    )
    fits_the_phone(page, "seat editor")
    # The grid stays a grid: a row's seats on one line, the grid scrolling sideways.
    tops = page.locator(".seat-map .seat-row").first.evaluate(
        "row => [...row.querySelectorAll('.seat')].map(seat => seat.getBoundingClientRect().top)"
    )
    assert len(set(tops)) == 1, tops
    save_readme_screenshot(page, "phone-seat-editor")

    page.goto("/admin/pricecard/")
    page.goto(page.locator('a[href*="/admin/pricecard/details/?id="]').first.get_attribute("href"))
    fits_the_phone(page, "price card")
    assert page.locator("#card-rules").is_visible()
    save_readme_screenshot(page, "phone-price-card")

    for url, name in (
        ("/admin/screeningright/grant/", "grant"),
        ("/admin/user/invite/", "invite"),
        ("/admin/profile/", "profile"),
    ):
        page.goto(url)
        fits_the_phone(page, name)
        save_readme_screenshot(page, f"phone-{name}")
    snapshot()


def test_orders_tickets_customers_seat_map_and_box_office_work_at_phone_width(page, snapshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "admin")
    for name in ("order", "ticket", "customer"):
        page.goto(f"/admin/{name}/")
        fits_the_phone(page, name)
        last_header = page.locator("table.model-list thead th").last
        last_header.scroll_into_view_if_needed()
        assert last_header.is_visible(), name
        save_readme_screenshot(page, f"phone-{name}")

    page.goto("/admin/schedule/")
    seat_map = page.locator('a[href*="/admin/schedule/seats/?id="]').first.get_attribute("href")
    page.goto(seat_map)
    fits_the_phone(page, "seat map")
    # The grid stays a grid, scrolling sideways in its box.
    tops = page.locator(".seat-map .seat-row").first.evaluate(
        "row => [...row.querySelectorAll('.seat')].map(seat => seat.getBoundingClientRect().top)"
    )
    assert len(set(tops)) == 1, tops
    last_seat = page.locator(".seat-map .seat-row").first.locator(".seat").last
    last_seat.scroll_into_view_if_needed()
    assert last_seat.is_visible()
    save_readme_screenshot(page, "phone-seat-map-sale")

    page.goto("/admin/boxoffice/")
    fits_the_phone(page, "box office")
    last_header = page.locator("#report-table thead th").last
    last_header.scroll_into_view_if_needed()
    assert last_header.is_visible()
    save_readme_screenshot(page, "phone-box-office")
    snapshot()
