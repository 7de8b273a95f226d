"""Journey 3b: an auditor can look everywhere and finds nothing to create, edit or delete."""

import re

from .ui import click_and_wait, list_rows, open_menu, open_tab, sign_in


def menu_entries(page):
    """(category, entry) for every entry of the navbar's drop-down menus."""
    entries = []
    for toggle in page.locator(".navbar .dropdown > .dropdown-toggle").all():
        category = toggle.inner_text().strip()
        items = toggle.locator("xpath=..").locator(".dropdown-menu a.dropdown-item")
        entries += [(category, text.strip()) for text in items.all_text_contents()]
    return entries


def change_controls(page):
    """What on the page would let a person change data."""
    found = [
        t.strip()
        for t in page.locator(".nav-tabs a").all_inner_texts()
        if t.strip() in ("Create", "Edit")
    ]
    found += ["edit icon"] * page.locator("a[title='Edit Record']").count()
    found += ["delete button"] * page.locator("form[action*='/delete/']").count()
    found += ["bulk action"] * page.locator("#list_form_actions, .actions-nav a").count()
    found += ["form"] * page.locator("form.admin-form").count()
    found += page.locator("a[href*='/new/'], a[href*='/edit/'], a[href*='/bulk/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return found


def test_auditor_sees_every_list_but_no_create_edit_or_delete_controls(page, snapshot):
    sign_in(page, "auditor")
    assert change_controls(page) == [], "dashboard"
    entries = menu_entries(page)
    assert ("Access", "Audit log") in entries and ("Cinemas", "Schedules") in entries

    for category, entry in entries:
        open_menu(page, category, entry)
        assert page.locator("h1, h2, h3").filter(has_text=entry).count() or entry in page.title()
        if entry == "Box office":  # a report, not a list: read and export, nothing to change
            assert page.locator("#report-table tbody tr").count() > 0, entry
            assert change_controls(page) == [], entry
            assert page.locator("#export-csv, #export-xlsx").count() == 2, entry
            continue
        assert list_rows(page).count() > 0, entry
        assert change_controls(page) == [], entry
        assert page.locator(".nav-tabs a", has_text="Export").count() == 1, entry

        click_and_wait(page, list_rows(page).first.locator("a[title='View Record']"))
        assert re.search(r"/details/\?id=\d+", page.url), entry
        assert change_controls(page) == [], entry

    open_menu(page, "Cinemas", "Schedules")
    open_tab(page, "Day view")
    page.locator("#cinema_id").select_option(label="万达影城（CBD店）")
    click_and_wait(page, page.get_by_role("button", name="Show"))
    assert page.locator("#day-grid .day-block").count() > 0
    assert change_controls(page) == [], "day view"
    snapshot()
