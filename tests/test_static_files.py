"""Static files (the portal's and Flask-Admin's) under versioned URLs with a year's max-age."""

import re

import pytest

from portal import access

STATIC_URL = re.compile(r'(?:href|src)="(/(?:admin/)?static/[^"]+)"')


def static_urls(html):
    return sorted({url.replace("&amp;", "&") for url in STATIC_URL.findall(html)})


def assert_kept_for_a_year(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    cache = response.cache_control
    assert cache.max_age == 365 * 24 * 3600 and cache.immutable and cache.public, (
        url,
        response.headers.get("Cache-Control"),
    )
    assert not cache.no_cache, url


@pytest.mark.parametrize(
    "page", ["/admin/movie/", "/admin/schedule/", "/admin/", "/admin/hall/new/"]
)
def test_every_static_file_of_an_admin_page_is_versioned_and_kept_for_a_year(
    client, login_as, page
):
    login_as(access.PLATFORM_ADMIN)
    html = client.get(page).text
    urls = static_urls(html)
    assert len(urls) >= 10, urls
    for url in urls:
        assert re.search(r"[?&]v=[0-9a-f]{12}(&|$)", url), url
        assert_kept_for_a_year(client, url)


def test_the_sign_in_pages_static_files_are_versioned_and_kept_for_a_year(client):
    urls = static_urls(client.get("/login").text)
    assert any(url.startswith("/static/portal.css?") for url in urls), urls
    assert any(url.startswith("/admin/static/") for url in urls), urls
    for url in urls:
        assert_kept_for_a_year(client, url)


@pytest.mark.parametrize(
    "url",
    [
        "/static/portal.css",
        "/static/portal.css?v=0123456789ab",
        "/admin/static/admin/js/helpers.js?v=1.0.0",
    ],
)
def test_a_static_file_asked_for_without_its_current_version_is_revalidated(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.no_cache
    assert not response.cache_control.max_age


def test_the_version_changes_with_the_files_content(app, tmp_path, monkeypatch):
    from portal.static_files import file_version

    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    (tmp_path / "x.css").write_text("a{}")
    with app.test_request_context():
        before = file_version("static", "x.css")
        (tmp_path / "x.css").write_text("b{color:red}")
        after = file_version("static", "x.css")
    assert before and after and before != after
