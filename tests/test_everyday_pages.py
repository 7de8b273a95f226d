"""Forms and pages as a cinema manager meets them every day: valid languages, the way on
from error pages, named exports, required marks, help texts that fit, in-page delete
confirmations, a readable role matrix, parent cities by name, no 'showing' before release."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest

from portal.extensions import db
from portal.i18n import wall_clock_now
from portal.models import Movie, Role

from .conftest import csrf_from, page_messages


def submit(client, url, data, **kwargs):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data}, **kwargs)


@pytest.mark.parametrize("lang, tag", [("zh_Hans_CN", "zh-Hans-CN"), ("en", "en")])
def test_every_kind_of_page_declares_a_valid_language(client, make, login_as, lang, tag):
    assert f'<html lang="{tag}">' in client.get(f"/login?lang={lang}").text
    login_as("auditor")
    client.get(f"/admin/?lang={lang}")
    for url in ("/admin/", "/admin/movie/", "/admin/movie/new/", "/admin/nothing-here/"):
        assert f'<html lang="{tag}">' in client.get(url).text, url


@pytest.mark.parametrize(
    "url, code", [("/admin/movie/new/", 403), ("/admin/movie/details/?id=999999", 404)]
)
def test_error_pages_keep_the_menu_the_user_and_sign_out(client, login_as, url, code):
    user = login_as("auditor")
    response = client.get(url)
    assert response.status_code == code
    assert f'id="signed-in-as">{user.username}<' in response.text
    assert 'id="sign-out"' in response.text and 'href="/admin/movie/"' in response.text


def test_pages_have_a_favicon(client, login_as):
    assert 'rel="icon" href="/static/favicon.svg?v=' in client.get("/login").text
    login_as("auditor")
    assert 'rel="icon" href="/static/favicon.svg?v=' in client.get("/admin/").text
    assert client.get("/static/favicon.svg").status_code == 200


def test_exports_are_named_after_the_list_and_the_local_time(client, make, login_as):
    login_as("auditor")
    make.schedule(price=Decimal("40.00"))
    before = wall_clock_now()
    disposition = client.get("/admin/schedule/export/csv/?lang=zh_Hans_CN").headers[
        "Content-Disposition"
    ]
    after = wall_clock_now()
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name in {f"排期_{moment:%Y-%m-%d_%H%M}.csv" for moment in (before, after)}


def test_the_role_matrix_offers_only_permissions_that_do_something(client, login_as):
    login_as("platform_admin")
    form = client.get("/admin/role/new/").text
    assert 'value="audit.view"' in form and 'value="audit.export"' in form
    for code in ("audit.create", "audit.edit", "audit.delete"):
        assert f'value="{code}"' not in form
    # The selling codes outside <resource>.<action> are offered too (PRODUCT.md's list).
    for code in ("order.sell", "order.refund", "customer.block"):
        assert f'value="{code}"' in form
    admin_role = db.session.query(Role).filter_by(code="platform_admin").one()
    edit = client.get(f"/admin/role/edit/?id={admin_role.id}").text
    offered = re.findall(r'name="permissions" value="([^"]+)" [^>]*checked', edit)
    response = client.post(
        f"/admin/role/edit/?id={admin_role.id}",
        data={
            "csrf_token": csrf_from(edit),
            "code": "platform_admin",
            "name": admin_role.name,
            "description": admin_role.description,
            "permissions": offered,
        },
    )
    assert response.status_code == 302, page_messages(response.text)


def test_the_city_list_names_the_parent_city(client, make, login_as):
    login_as("platform_admin")
    parent = make.city(name="浙江")
    make.city(name="杭州", parent_id=parent.id)
    listing = client.get("/admin/city/").text
    assert re.search(r'<td class="col-parent_id">\s*浙江\s*</td>', listing)
    assert not re.search(r'<td class="col-parent_id">\s*0\s*</td>', listing)


def test_a_movie_cannot_be_showing_before_its_release_date(client, english, login_as):
    login_as("content_editor")
    later = (wall_clock_now() + dt.timedelta(days=10)).date()
    response = submit(
        client,
        "/admin/movie/new/",
        {
            "title": "未上映",
            "duration_minutes": "100",
            "status": "showing",
            "release_date": later.isoformat(),
        },
    )
    assert response.status_code == 200 and db.session.query(Movie).count() == 0
    assert any("cannot be showing before then" in m for m in page_messages(response.text))
    accepted = submit(
        client,
        "/admin/movie/new/",
        {
            "title": "未上映",
            "duration_minutes": "100",
            "status": "coming_soon",
            "release_date": later.isoformat(),
        },
    )
    assert accepted.status_code == 302


def required_fields(html):
    return set(re.findall(r'<label for="(\w+)"[^>]*>[^<]*<strong class="text-danger">', html))


def test_required_marks_and_help_texts_that_fit(client, english, login_as):
    login_as("platform_admin")
    assert {"movie", "hall", "first_day", "last_day"} <= required_fields(
        client.get("/admin/schedule/bulk/").text
    )
    new_user = client.get("/admin/user/new/").text
    assert "Leave empty to keep the current one" not in new_user
    assert "At least 10 characters." in new_user


def test_details_and_edit_pages_delete_with_a_confirmation_naming_the_record(
    client, english, make, login_as
):
    login_as("content_editor")
    movie = make.movie(title="孤注一掷")
    for page in ("details", "edit"):
        html = client.get(f"/admin/movie/{page}/?id={movie.id}").text
        assert "Delete Movie “孤注一掷”? This cannot be undone." in html
        assert "confirm(" not in html
    html = client.get(f"/admin/movie/details/?id={movie.id}").text
    form = re.search(r'<details class="delete-record.*?</details>', html, re.S).group(0)
    response = client.post(
        "/admin/movie/delete/",
        data={"csrf_token": csrf_from(form), "id": str(movie.id), "url": "/admin/movie/"},
        follow_redirects=True,
    )
    assert "Movie “孤注一掷” was deleted." in page_messages(response.text)
    assert db.session.query(Movie).count() == 0


def test_pickers_get_the_readers_language_and_dates_read_one_way(client, make, login_as):
    login_as("platform_admin")
    make.schedule(starts_at=dt.datetime(2030, 12, 8, 20, 0))
    page = client.get("/admin/schedule/?when=all&lang=zh_Hans_CN").text
    assert 'data-apply="确定"' in page and "/static/pickers.js" in page
    assert "2030年12月8日 20:00" in page
    english = client.get("/admin/schedule/?when=all&lang=en").text
    assert "Dec 8, 2030, 8:00\u202fPM" in english


def test_saving_the_manager_role_from_its_form_keeps_its_selling_codes(client, login_as):
    login_as("platform_admin")
    role = db.session.query(Role).filter_by(code="cinema_manager").one()
    edit = client.get(f"/admin/role/edit/?id={role.id}").text
    offered = re.findall(r'name="permissions" value="([^"]+)" [^>]*checked', edit)
    response = client.post(
        f"/admin/role/edit/?id={role.id}",
        data={
            "csrf_token": csrf_from(edit),
            "code": role.code,
            "name": role.name,
            "description": role.description,
            "permissions": offered,
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    db.session.expire_all()
    held = {
        p.code for p in db.session.query(Role).filter_by(code="cinema_manager").one().permissions
    }
    assert {"order.sell", "order.refund"} <= held
