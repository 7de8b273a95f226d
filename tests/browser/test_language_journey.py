"""Journey 4: the language switcher turns the whole page Chinese, and back to English."""

import re

from .ui import click_and_wait, open_menu

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CHINESE_CHARACTER = re.compile(r"[\u4e00-\u9fff]")

# Everything a person reads on a list page except the rows' data, the user's own name and
# the switcher (whose entries name each language in that language).
PAGE_CHROME_JS = """() => {
  const texts = [document.title];
  const navbar = document.querySelector('nav.navbar').cloneNode(true);
  navbar.querySelectorAll('.language-switcher, #signed-in-as').forEach(e => e.remove());
  texts.push(navbar.textContent);
  for (const el of document.querySelectorAll(
      'h1, h2, h3, label, .nav-tabs, table.model-list thead, '
      + 'button, input[type=submit], .pagination')) {
    texts.push(el.closest('.language-switcher') ? '' : (el.textContent || el.value || ''));
  }
  return texts.join(' ').replace(/\\s+/g, ' ');
}"""


def switch_language(page, code):
    click_and_wait(page, page.locator(f'.language-switcher [data-locale="{code}"]'))


def page_chrome(page):
    return page.evaluate(PAGE_CHROME_JS)


def test_language_switcher_changes_the_whole_page_between_chinese_and_english(page, snapshot):
    page.goto("/login")
    assert page.locator("label[for=username]").inner_text() == "Username"
    switch_language(page, "zh_Hans_CN")
    assert page.locator("label[for=username]").inner_text() == "用户名"
    assert page.locator("#sign-in").inner_text() == "登录"
    page.locator("#username").fill("manager2")
    page.locator("#password").fill("portal-demo-2026")
    click_and_wait(page, page.locator("#sign-in"))

    open_menu(page, "影院", "排期")
    assert page.locator(".nav-tabs a", has_text=re.compile(r"^\s*列表")).count() == 1
    chrome = page_chrome(page)
    assert LATIN_WORD.findall(chrome) == [], chrome
    snapshot("chinese")

    switch_language(page, "en")
    assert "/admin/schedule/" in page.url
    chrome = page_chrome(page)
    assert CHINESE_CHARACTER.findall(chrome) == [], chrome
    for text in ("List", "Create", "Schedules", "Sign out"):
        assert re.search(rf"\b{text}\b", chrome), text
    snapshot("english")

    open_menu(page, "Cinemas", "Halls")
    chrome = page_chrome(page)
    assert CHINESE_CHARACTER.findall(chrome) == [], chrome
