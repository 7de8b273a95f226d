"""The audit log people can read: changes as "field: old → new" in the reader's language,
records by name, denial reasons in words, a CSV in Shanghai time, each record's history."""

import csv
import datetime as dt
import io
import re

from portal.admin_views.day_filters import OnDay
from portal.extensions import db
from portal.models import AuditLog, Role

from .conftest import csrf_from, page_messages


def post_form(client, url, data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data})


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def edit_status(client, movie, status):
    return post_form(
        client,
        f"/admin/movie/edit/?id={movie.id}",
        {
            "title": movie.title,
            "duration_minutes": "100",
            "status": status,
            "form_version": movie.version,
        },
    )


def test_a_change_reads_field_old_to_new_with_translated_names_and_labels(client, make, login_as):
    login_as("platform_admin")
    movie = make.movie(title="流浪地球2", status="coming_soon")
    edit_status(client, movie, "showing")

    chinese = text_of(client.get("/admin/auditlog/?lang=zh_Hans_CN").text)
    assert "状态：即将上映 → 正在热映" in chinese
    english = text_of(client.get("/admin/auditlog/?lang=en").text)
    assert "Status: Coming soon → Showing" in english
    assert "coming_soon" not in english and '"status"' not in english


def test_records_and_related_rows_are_named_and_linked(client, make, login_as):
    login_as("platform_admin")
    cinema = make.cinema(name="万达影城")
    first, second = make.hall(cinema=cinema, name="1号厅"), make.hall(cinema=cinema, name="2号厅")
    show = make.schedule(hall=first, starts_at=dt.datetime(2030, 1, 8, 10, 0))
    post_form(
        client,
        f"/admin/schedule/edit/?id={show.id}",
        {
            "movie": show.movie.id,
            "hall": second.id,
            "starts_at": "2030-01-08 10:00:00",
            "price": "45.00",
            "language_version": "",
            "status": "scheduled",
            "form_version": show.version,
        },
    )

    page = client.get("/admin/auditlog/?lang=en").text
    assert "Hall: 万达影城 · 1号厅 → 万达影城 · 2号厅" in text_of(page)
    assert f'href="/admin/hall/details/?id={second.id}"' in page
    assert f'href="/admin/schedule/details/?id={show.id}"' in page
    assert f"{show.movie.title}, 2号厅" in text_of(page)


def test_a_denial_says_which_permission_was_missing(client, make, login_as):
    login_as("cinema_manager")
    assert client.get("/admin/user/").status_code == 403
    login_as("auditor")
    page = text_of(client.get("/admin/auditlog/?lang=en").text)
    assert "Reason: Needs the permission “Users: View”." in page
    chinese = text_of(client.get("/admin/auditlog/?lang=zh_Hans_CN").text)
    assert "原因：需要权限“用户: 查看”。" in chinese


def test_the_csv_gives_shanghai_time_to_the_second(client, make, login_as):
    login_as("auditor")
    db.session.add(
        AuditLog(
            at=dt.datetime(2021, 12, 2, 4, 58, 7, 123456),
            action="login",
            model="user",
            changes="{}",
        )
    )
    db.session.commit()
    response = client.get("/admin/auditlog/export/csv/")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:] if row[0].startswith("2021")] == ["2021-12-02 12:58:07"]


def test_details_and_edit_pages_link_to_the_records_history(client, make, login_as):
    login_as("platform_admin")
    movie = make.movie(title="深海", status="coming_soon")
    edit_status(client, movie, "showing")
    history = f"/admin/auditlog/history/?model=movie&amp;id={movie.id}"
    assert history in client.get(f"/admin/movie/details/?id={movie.id}").text
    assert history in client.get(f"/admin/movie/edit/?id={movie.id}").text

    page = client.get(history.replace("&amp;", "&") + "&lang=en")
    assert page.status_code == 200
    entries = re.findall(r'<tr class="history-entry">(.*?)</tr>', page.text, re.S)
    assert [("Edited" in e, "Created" in e) for e in entries] == [(True, False), (False, True)]


def test_no_history_link_or_page_without_audit_view(client, make, login_as):
    login_as("content_editor")
    movie = make.movie()
    assert "/admin/auditlog/history/" not in client.get(f"/admin/movie/details/?id={movie.id}").text
    assert client.get(f"/admin/auditlog/history/?model=movie&id={movie.id}").status_code == 403


def test_history_of_a_record_outside_the_readers_scope_answers_404(client, make, login_as):
    role = Role(code="cinema_auditor", name="影院审计", permissions=[])
    db.session.add(role)
    db.session.commit()
    from portal.models import Permission

    role.permissions = (
        db.session.query(Permission)
        .filter(Permission.code.in_(["audit.view", "schedule.view"]))
        .all()
    )
    db.session.commit()
    mine, theirs = make.cinema(), make.cinema()
    own_show, other_show = (
        make.schedule(hall=make.hall(cinema=mine)),
        make.schedule(hall=make.hall(cinema=theirs)),
    )
    user = make.user("cinema_auditor", cinemas=[mine])
    login_as(user)
    assert (
        client.get(f"/admin/auditlog/history/?model=schedule&id={own_show.id}").status_code == 200
    )
    assert (
        client.get(f"/admin/auditlog/history/?model=schedule&id={other_show.id}").status_code == 404
    )


def test_saving_flashes_name_the_record(client, make, login_as, english):
    login_as("platform_admin")
    movie = make.movie(title="满江红", status="coming_soon")
    response = edit_status(client, movie, "showing")
    assert "Movie “满江红” was saved." in page_messages(
        client.get(response.headers["Location"]).text
    )


def test_the_time_filter_takes_shanghai_days(client, app, login_as):
    login_as("auditor")
    for at in (dt.datetime(2021, 12, 1, 15, 59), dt.datetime(2021, 12, 1, 16, 1)):
        db.session.add(AuditLog(at=at, action="login", model="user", changes="{}"))
    db.session.commit()
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "auditlog")
    on = next(
        i for i, f in enumerate(view._filters) if isinstance(f, OnDay) and f.column is AuditLog.at
    )
    page = client.get(f"/admin/auditlog/?flt0_{on}=2021-12-02&lang=en").text
    assert "Dec 2, 2021, 12:01" in page and "Dec 1, 2021, 11:59" not in page


def test_why_a_sign_in_failed_reads_in_the_readers_language(client, app, make, login_as):
    """A throttled sign-in and a wrong current password stored their reasons as fixed English
    words; the log gives them in words of the reader's language."""
    from .test_auth import sign_in

    make.user("content_editor", username="editor")
    for _ in range(6):
        sign_in(client, "editor", "wrong-password!")
    admin = login_as("platform_admin")
    client.post(
        "/admin/profile/password",
        data={
            "csrf_token": csrf_from(client.get("/admin/profile/").text),
            "current_password": "not-my-password",
            "new_password": "changed-password-1",
            "confirm": "changed-password-1",
        },
    )
    failed = db.session.query(AuditLog).filter_by(action="login_failed", object_id=str(admin.id))
    assert failed.count() == 1

    chinese = text_of(client.get("/admin/auditlog/?lang=zh_Hans_CN").text)
    assert "原因：该账号登录失败次数过多" in chinese
    assert "原因：修改密码时当前密码错误" in chinese
    assert "throttled (account)" not in chinese and "password change" not in chinese
    english = text_of(client.get("/admin/auditlog/?lang=en").text)
    assert "Reason: Too many failed sign-ins for this account" in english
    assert "Reason: Wrong current password when changing the password" in english
