"""Journey 3a: a content editor gives movies their posters and replaces one."""

from .ui import (
    attach_poster,
    click_and_wait,
    flashes,
    open_menu,
    row_with,
    save,
    save_readme_screenshot,
    sign_in,
    thumbnail,
)

POSTERS = {  # title -> poster colour
    "哪吒之魔童闹海": (190, 40, 40),
    "流浪地球2": (30, 60, 120),
    "满江红": (120, 20, 20),
    "封神第一部": (150, 110, 30),
    "长安三万里": (40, 110, 90),
    "唐探1900": (90, 50, 120),
    "沙丘3": (170, 120, 60),
    "热辣滚烫": (220, 100, 40),
}


def edit_movie(page, title):
    click_and_wait(page, row_with(page, title).locator("a[title='Edit Record']"))


def test_content_editor_uploads_posters_and_replaces_one(page, snapshot):
    sign_in(page, "editor")
    open_menu(page, "Catalogue", "Movies")
    for title, colour in POSTERS.items():
        edit_movie(page, title)
        attach_poster(page, title, colour)
        save(page)
        assert f"Movie “{title}” was saved." in flashes(page), title
    open_menu(page, "Catalogue", "Movies")
    for title in POSTERS:
        assert thumbnail(page, title)[1], f"no poster thumbnail shown for {title}"
    save_readme_screenshot(page, "movies")

    old_src, _ = thumbnail(page, "流浪地球2")
    edit_movie(page, "流浪地球2")
    assert page.locator("img.poster-thumb").count() == 1, "the form shows the current poster"
    attach_poster(page, "流浪地球2 IMAX", (10, 20, 40), fmt="JPEG")
    save(page)
    assert "Movie “流浪地球2” was saved." in flashes(page)
    new_src, shown = thumbnail(page, "流浪地球2")
    assert shown and new_src != old_src
    assert page.request.get(old_src).status == 404, "the replaced poster is still served"
    snapshot()
