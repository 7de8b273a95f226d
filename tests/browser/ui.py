"""What a person does in the portal, as Playwright steps: sign in, use menus, fill widgets."""

import io
import os
import re
from pathlib import Path

from portal.services.demo import DEMO_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


def sign_in(page, username, password=DEMO_PASSWORD):
    """Fill in the sign-in form; lands on the dashboard with the name in the navbar."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#sign-in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.locator("#signed-in-as").inner_text() == username


def sign_out(page):
    page.locator("#sign-out").click()
    page.wait_for_url(re.compile(r"/login"))


def open_menu(page, category, item):
    """Open a navbar category and click one of its entries."""
    page.wait_for_load_state()
    toggle = page.locator(".navbar .dropdown-toggle", has_text=re.compile(rf"^\s*{category}\s*$"))
    entry = page.locator(".navbar .dropdown-menu.show a", has_text=re.compile(rf"^\s*{item}\s*$"))
    toggle.click()
    entry.wait_for()
    with page.expect_navigation():
        entry.click()


def click_and_wait(page, locator):
    """Click something that loads a new page, and wait until that page has loaded."""
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state()


def save(page):
    """Press the form's Save button; returns once the next page has loaded."""
    click_and_wait(page, page.get_by_role("button", name="Save", exact=True))


def open_tab(page, name):
    click_and_wait(page, page.locator(".nav-tabs a", has_text=re.compile(rf"^\s*{name}")))


def flashes(page):
    """The flashed messages shown on the page, as plain text."""
    texts = page.locator(".alert").all_inner_texts()
    return [re.sub(r"\s+", " ", t.replace("×", "")).strip() for t in texts if t.strip()]


def list_rows(page):
    """The rows of a Flask-Admin list (none when the table says it is empty)."""
    return page.locator("table.model-list tbody tr:not(:has(td[colspan]))")


def column_texts(page, header):
    """The texts of one column of the list, found by its header."""
    headers = [h.strip() for h in page.locator("table.model-list thead th").all_inner_texts()]
    index = headers.index(header) + 1
    return [
        t.strip()
        for t in page.locator(f"table.model-list tbody tr td:nth-child({index})").all_inner_texts()
    ]


def row_with(page, text):
    return page.locator("table.model-list tbody tr", has_text=text)


def add_filter(page, column, value, operation=None):
    """Add Filter -> `column` [-> `operation`] -> type `value` -> Apply."""
    page.locator("a.dropdown-toggle", has_text="Add Filter").click()
    page.locator(".field-filters a.filter", has_text=re.compile(rf"^\s*{column}\s*$")).click()
    row = page.locator("table.filters tr").last
    if operation:
        row.locator(".select2-container.filter-op .select2-choice").click()
        page.locator(
            "#select2-drop li.select2-result-selectable",
            has_text=re.compile(rf"^\s*{operation}\s*$"),
        ).click()
    row.locator("input.filter-val").fill(value)
    click_and_wait(page, page.locator("#filter_form button[type=submit]"))


def select2_options(page, field_id, typed):
    """Type into a select2 lookup; returns the texts it offers (dropdown left open)."""
    page.locator(f"#s2id_{field_id} .select2-choice").click()
    search = page.locator("#select2-drop input.select2-input")
    search.fill(typed)
    results = page.locator("#select2-drop .select2-results")
    results.locator("li.select2-result-selectable, li.select2-no-results").first.wait_for()
    page.wait_for_function("() => !document.querySelector('#select2-drop .select2-searching')")
    return [t.strip() for t in results.locator("li.select2-result-selectable").all_inner_texts()]


def choose(page, field_id, typed, option):
    """Pick `option` in a select2 (plain or ajax) lookup after typing `typed`."""
    offered = select2_options(page, field_id, typed)
    assert option in offered, f"{option!r} not offered for {typed!r}: {offered}"
    page.locator(
        "#select2-drop li.select2-result-selectable",
        has_text=re.compile(rf"^\s*{re.escape(option)}\s*$"),
    ).click()
    assert page.locator(f"#s2id_{field_id} .select2-chosen").inner_text().strip() == option


def close_lookup(page):
    page.keyboard.press("Escape")


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pick_datetime(page, field_id, when):
    """Use the date-time picker as a person does: month, year, a day, hour, minute, Apply."""
    page.locator(f"#{field_id}").click()
    picker = page.locator(".daterangepicker:visible .calendar.first")
    picker.locator("select.yearselect").select_option(str(when.year))
    picker.locator("select.monthselect").select_option(str(when.month - 1))
    picker.locator("td.available:not(.off)", has_text=re.compile(rf"^{when.day}$")).click()
    picker.locator("select.hourselect").select_option(str(when.hour))
    picker.locator("select.minuteselect").select_option(str(when.minute))
    page.locator(".daterangepicker:visible button.applyBtn").click()
    return page.locator(f"#{field_id}").input_value()


def accept_next_dialog(page):
    """Say OK to the next confirm() box (Flask-Admin asks before deleting)."""
    page.once("dialog", lambda dialog: dialog.accept())


def delete_row(page, text):
    """Click the delete icon of the row showing `text` and confirm."""
    accept_next_dialog(page)
    click_and_wait(page, row_with(page, text).locator("form[action*='/delete/'] button"))


def attach_poster(page, title, colour, fmt="PNG"):
    """Choose a poster file in the movie form's file field, as from the file dialog."""
    extension, mime = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg")}[fmt]
    page.locator("#poster_file").set_input_files(
        files=[
            {
                "name": f"poster.{extension}",
                "mimeType": mime,
                "buffer": poster_image(title, colour, fmt=fmt),
            }
        ]
    )


def thumbnail(page, title):
    """The poster thumbnail in the list row of `title`: (src, shown) with shown meaning the
    browser really loaded and decoded the image."""
    image = row_with(page, title).locator("img.poster-thumb")
    if image.count() == 0:
        return None, False
    image.scroll_into_view_if_needed()
    shown = image.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)")
    return image.get_attribute("src"), shown


def poster_image(title, colour, size=(400, 600), fmt="PNG"):
    """A real poster image (bytes): a shaded background with the title large across it."""
    from PIL import Image, ImageDraw

    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(110 * y / height)
        draw.line([(0, y), (width, y)], fill=tuple(max(0, c - shade) for c in colour))
    draw.ellipse(
        [width * 0.15, height * 0.12, width * 0.85, height * 0.12 + width * 0.7],
        outline=(255, 255, 255),
        width=6,
    )
    font_size = 96
    while font_size > 20:
        font = _poster_font(font_size)
        left, _, right, _ = draw.textbbox((0, 0), title, font=font)
        if right - left <= width * 0.86:
            break
        font_size -= 4
    draw.text(
        ((width - (right - left)) / 2 - left, height * 0.68), title, fill=(255, 255, 255), font=font
    )
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def _poster_font(size):
    from PIL import ImageFont

    for path in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def save_readme_screenshot(page, name):
    """docs/screenshots/<name>.png for the README, only when PORTAL_SCREENSHOTS=1."""
    if os.environ.get("PORTAL_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path)
    return path
