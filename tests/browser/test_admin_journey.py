"""Journey 1: a platform admin builds a cinema, a hall, a movie and a showtime, then cleans up."""

import datetime as dt
import re

from .ui import (
    attach_poster,
    choose,
    click_and_wait,
    column_texts,
    delete_row,
    flashes,
    list_rows,
    open_menu,
    open_tab,
    pick_datetime,
    row_with,
    save,
    sign_in,
    sign_out,
    thumbnail,
)

CINEMA = "星河影城（测试店）"
HALL = "激光厅"
MOVIE = "深海（浏览器测试）"


def test_platform_admin_creates_edits_and_deletes_through_the_forms(page, snapshot):
    sign_in(page, "admin")

    open_menu(page, "Cinemas", "Cinemas")
    open_tab(page, "Create")
    page.locator("#name").fill(CINEMA)
    choose(page, "city", "杭州", "杭州")
    page.locator("#address").fill("西湖区文三路100号")
    page.locator("#phone").fill("0571-88886666")
    save(page)
    assert f"Cinema “{CINEMA}” was created." in flashes(page)
    assert column_texts(page, "City")[column_texts(page, "Name").index(CINEMA)] == "杭州"

    open_menu(page, "Cinemas", "Halls")
    open_tab(page, "Create")
    choose(page, "cinema", "星河", CINEMA)
    page.locator("#name").fill(HALL)
    page.locator("#hall_type").select_option(label="IMAX")
    page.locator("#seat_rows").fill("12")
    page.locator("#seat_cols").fill("20")
    save(page)
    assert f"Hall “{CINEMA} · {HALL}” was created." in flashes(page)
    assert row_with(page, HALL).count() == 1

    open_menu(page, "Catalogue", "Movies")
    open_tab(page, "Create")
    page.locator("#title").fill(MOVIE)
    page.locator("#director").fill("田晓鹏")
    page.locator("#duration_minutes").fill("112")
    page.locator("#release_date").fill("2026-01-01")
    page.keyboard.press("Escape")
    page.locator("#status").select_option(label="Showing")
    attach_poster(page, "深海", (20, 70, 140))
    save(page)
    assert f"Movie “{MOVIE}” was created." in flashes(page)
    assert row_with(page, MOVIE).count() == 1
    src, shown = thumbnail(page, MOVIE)
    assert src and shown, "the new movie's poster thumbnail is not shown in the list"

    next_month = (dt.date.today().replace(day=1) + dt.timedelta(days=40)).replace(day=15)
    starts_at = dt.datetime.combine(next_month, dt.time(19, 30))
    # A cinema may show a film only with a screening right for the show's day.
    open_menu(page, "Rights and prices", "Screening rights")
    open_tab(page, "Create")
    choose(page, "movie", "深海", MOVIE)
    choose(page, "cinema", "星河", CINEMA)
    page.locator("#starts_on").fill(dt.date.today().isoformat())
    page.locator("#ends_on").fill((next_month + dt.timedelta(days=30)).isoformat())
    page.locator("#distributor_share").click()  # a click outside closes the date pickers
    page.locator("#distributor_share").fill("43")
    save(page)
    assert any(
        text.startswith(f"Screening right “{MOVIE} · {CINEMA}, ")
        and text.endswith("” was created.")
        for text in flashes(page)
    ), flashes(page)

    open_menu(page, "Cinemas", "Schedules")
    open_tab(page, "Create")
    choose(page, "movie", "深海", MOVIE)
    choose(page, "hall", HALL, f"{CINEMA} · {HALL}")
    assert pick_datetime(page, "starts_at", starts_at) == starts_at.strftime("%Y-%m-%d %H:%M")
    page.locator("#price").fill("59.90")
    page.locator("#language_version").fill("国语")
    save(page)
    assert any(
        m.startswith(f"Schedule “{MOVIE}, {HALL}, ") and m.endswith("was created.")
        for m in flashes(page)
    ), flashes(page)
    assert page.locator("#day-view-title").inner_text().startswith(CINEMA)
    assert page.locator("#day-grid .day-block", has_text=MOVIE).count() == 1
    page.goto(f"/admin/schedule/?search={MOVIE}")
    showtime = row_with(page, MOVIE)
    assert showtime.count() == 1
    assert CINEMA in showtime.inner_text() and "¥59.90" in showtime.inner_text()

    open_menu(page, "Cinemas", "Halls")
    click_and_wait(page, row_with(page, HALL).locator("a[title='Edit Record']"))
    page.locator("#name").fill("激光IMAX厅")
    save(page)
    assert f"Hall “{CINEMA} · 激光IMAX厅” was saved." in flashes(page)
    assert row_with(page, "激光IMAX厅").count() == 1

    delete_row(page, "激光IMAX厅")
    assert any("still has schedules" in m for m in flashes(page))
    assert row_with(page, "激光IMAX厅").count() == 1

    page.goto(f"/admin/schedule/?search={MOVIE}")
    delete_row(page, MOVIE)
    assert any(
        m.startswith(f"Schedule “{MOVIE}") and m.endswith("was deleted.") for m in flashes(page)
    ), flashes(page)
    assert row_with(page, MOVIE).count() == 0

    open_menu(page, "Cinemas", "Halls")
    delete_row(page, "激光IMAX厅")
    assert f"Hall “{CINEMA} · 激光IMAX厅” was deleted." in flashes(page)
    open_menu(page, "Rights and prices", "Screening rights")
    delete_row(page, MOVIE)
    assert any(
        text.startswith(f"Screening right “{MOVIE}") and text.endswith("” was deleted.")
        for text in flashes(page)
    )
    open_menu(page, "Cinemas", "Cinemas")
    delete_row(page, CINEMA)
    assert f"Cinema “{CINEMA}” was deleted." in flashes(page)
    assert row_with(page, CINEMA).count() == 0
    open_menu(page, "Catalogue", "Movies")
    delete_row(page, MOVIE)
    assert f"Movie “{MOVIE}” was deleted." in flashes(page)
    assert list_rows(page).count() == 8
    snapshot()

    sign_out(page)
    assert page.locator("#sign-in").is_visible()
    page.goto("/admin/cinema/")
    assert re.search(r"/login", page.url)
