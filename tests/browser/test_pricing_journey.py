"""Journey: an editor grants a film to a city's cinemas; that cinema's manager builds a price
card with a matinee and a VIP price (told of a tie first), previews it, schedules a show with
it and sees the show's prices."""

import datetime as dt
import re

from .ui import (
    choose,
    click_and_wait,
    flashes,
    open_menu,
    open_tab,
    pick_datetime,
    row_with,
    save,
    save_readme_screenshot,
    sign_in,
    sign_out,
)

CINEMA = "上海影城"  # manager2's cinema
MOVIE = "沙丘3"  # coming soon: the demo grants it to no cinema
CARD = "新春价目"


def show_day():
    """A day after the film's release (2026-12-18) and after the demo's week of shows."""
    return max(dt.date.today() + dt.timedelta(days=20), dt.date(2026, 12, 19))


def add_rule(page, seat_kind="", starts_before="", price="60"):
    """Press "Add Rules" and fill the new row (its ticket type stays the first one, adult)."""
    before = page.locator("#rules .inline-field").count()
    page.locator("#rules-button").click()
    row = page.locator("#rules .inline-field").nth(before)
    row.wait_for()
    prefix = f"rules-{before}-"
    if seat_kind:
        page.locator(f"#{prefix}seat_kind").select_option(seat_kind)
    if starts_before:
        page.locator(f"#{prefix}starts_before").fill(starts_before)
        page.keyboard.press("Escape")
    page.locator(f"#{prefix}price").fill(price)


def test_editor_grants_and_manager_prices_and_schedules_a_show(page, snapshot):
    day = show_day()

    # The editor grants the film to every cinema of Shanghai.
    sign_in(page, "editor")
    open_menu(page, "Rights and prices", "Screening rights")
    click_and_wait(page, page.locator("#grant-rights-link"))
    choose(page, "movie", "沙丘", MOVIE)
    choose(page, "city", "上海", "上海")
    page.locator("#starts_on").fill(dt.date.today().isoformat())
    page.locator("#ends_on").fill((day + dt.timedelta(days=30)).isoformat())
    page.locator("#distributor_share").fill("43")
    save(page)
    assert any(m.startswith(f"Granted 1 screening rights: {MOVIE}; ") for m in flashes(page))
    assert row_with(page, MOVIE).count() == 1
    assert CINEMA in row_with(page, MOVIE).inner_text()
    sign_out(page)

    # Its manager builds a card: 60 for adults, 40 before noon, 90 on VIP seats.
    sign_in(page, "manager2")
    open_menu(page, "Rights and prices", "Price cards")
    open_tab(page, "Create")
    choose(page, "cinema", "上海", CINEMA)
    page.locator("#name").fill(CARD)
    add_rule(page, price="60")
    add_rule(page, starts_before="12:00", price="40")
    add_rule(page, seat_kind="vip", price="90")
    save(page)
    tie = [m for m in flashes(page) if "equally specific rules: rule 2, rule 3" in m]
    assert tie, flashes(page)
    # A VIP matinee rule is more specific than either: no more tie.
    add_rule(page, seat_kind="vip", starts_before="12:00", price="70")
    save(page)
    assert row_with(page, CARD).count() == 1, flashes(page)

    # The card's page previews the prices a show in the IMAX hall would get.
    click_and_wait(page, row_with(page, CARD).locator("a[title='View Record']"))
    page.locator("#hall_id").select_option(label="1号厅 (IMAX)")
    page.locator("#date").fill(day.isoformat())
    click_and_wait(page, page.locator("#preview-form button[type=submit]"))
    bands = [t.strip() for t in page.locator("#preview-table th.preview-band").all_inner_texts()]
    assert bands == ["00:00–12:00", "12:00–24:00"]

    def preview(seat_kind):
        row = page.locator(f"#preview-table tr[data-ticket-type=adult][data-seat-kind={seat_kind}]")
        return [re.sub(r"[^\d.]", "", t) for t in row.locator("td.preview-price").all_inner_texts()]

    assert preview("standard") == ["40.00", "60.00"]
    assert preview("vip") == ["70.00", "90.00"]
    save_readme_screenshot(page, "price-card-preview")

    # A morning show with that card gets the matinee prices, and its form shows them.
    open_menu(page, "Cinemas", "Schedules")
    open_tab(page, "Create")
    choose(page, "movie", "沙丘", MOVIE)
    choose(page, "hall", "1号", f"{CINEMA} · 1号厅")
    pick_datetime(page, "starts_at", dt.datetime.combine(day, dt.time(10, 30)))
    choose(page, "price_card", "新春", f"{CINEMA} · {CARD}")
    click_and_wait(page, page.get_by_role("button", name="Save and Continue Editing"))
    assert any(
        text.startswith(f"Schedule “{MOVIE}, 1号厅, ") and text.endswith("” was created.")
        for text in flashes(page)
    ), flashes(page)

    def price(seat_kind):
        cell = page.locator(
            f"#show-prices tr[data-ticket-type=adult][data-seat-kind={seat_kind}] td"
        ).last
        return re.sub(r"[^\d.]", "", cell.inner_text())

    assert price("standard") == "40.00" and price("vip") == "70.00"
    assert page.locator("#price").input_value() == "40.00"
    snapshot()
