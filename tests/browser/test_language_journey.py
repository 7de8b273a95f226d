"""Journey 4: the navbar's language switcher turns the whole page Chinese, and back."""
import re

from .ui import click_and_wait, open_menu, sign_in

# Texts of the schedule list in each language, from Flask-Admin's catalogs and ours.
ENGLISH = ("List", "Create", "Export", "Add Filter")
CHINESE = ("列表", "创建", "导出", "添加筛选器")


def switch_language(page, code):
    click_and_wait(page, page.locator(f'.language-switcher [lang="{code}"]'))


def chrome_texts(page):
    """The words a person reads around the data: tabs, filters, buttons."""
    texts = page.locator(".nav-tabs a, .nav-tabs .nav-link").all_inner_texts()
    return {re.sub(r"\s*\(\d+\)$", "", t.strip()) for t in texts}


def test_language_switcher_changes_the_whole_page_between_chinese_and_english(page, snapshot):
    sign_in(page, "manager")
    open_menu(page, "Cinemas", "Schedules")
    assert set(ENGLISH) <= chrome_texts(page)

    switch_language(page, "zh_Hans_CN")
    texts = chrome_texts(page)
    assert set(CHINESE) <= texts and not set(ENGLISH) & texts
    assert "/admin/schedule/" in page.url
    snapshot("chinese")

    page.locator(".navbar-brand").click()
    page.goto("/admin/hall/")
    assert "列表" in chrome_texts(page)

    switch_language(page, "en")
    texts = chrome_texts(page)
    assert {"List", "Create"} <= texts and not set(CHINESE) & texts
    snapshot("english")
