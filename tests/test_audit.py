"""The audit log: who changed which row and how, sign-ins, denials; read-only."""

import json

from portal.extensions import db
from portal.models import AuditLog, Movie

from .conftest import csrf_from


def entries(action, model=None):
    query = db.session.query(AuditLog).filter_by(action=action)
    if model:
        query = query.filter_by(model=model)
    return query.order_by(AuditLog.id).all()


def post_form(client, url, data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data})


def test_create_edit_delete_are_recorded_with_old_and_new_values(client, login_as):
    admin = login_as("platform_admin")
    post_form(
        client,
        "/admin/movie/new/",
        {"title": "初版", "duration_minutes": "100", "status": "showing"},
    )
    movie = db.session.query(Movie).filter_by(title="初版").one()
    created = entries("create", "movie")[-1]
    assert created.user_id == admin.id and created.object_id == str(movie.id)
    assert json.loads(created.changes)["title"] == [None, "初版"]

    post_form(
        client,
        f"/admin/movie/edit/?id={movie.id}",
        {
            "title": "终版",
            "duration_minutes": "100",
            "status": "showing",
            "form_version": movie.version,
        },
    )
    edited = entries("edit", "movie")[-1]
    assert json.loads(edited.changes) == {"title": ["初版", "终版"]}

    token = csrf_from(client.get("/admin/movie/").text)
    client.post("/admin/movie/delete/", data={"csrf_token": token, "id": movie.id})
    deleted = entries("delete", "movie")[-1]
    assert deleted.object_id == str(movie.id) and deleted.user_id == admin.id


def test_passwords_never_reach_the_audit_log(client, login_as):
    login_as("platform_admin")
    post_form(
        client,
        "/admin/user/new/",
        {"username": "newbie", "email": "", "new_password": "super-secret-pass", "is_active": "y"},
    )
    text = " ".join(e.changes or "" for e in db.session.query(AuditLog))
    assert "super-secret-pass" not in text and "pbkdf2" not in text and "scrypt" not in text
    assert "password_hash" not in text


def test_sign_in_failure_and_denial_are_recorded(client, make, login_as):
    user = make.user("cinema_manager")
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.text),
            "username": user.username,
            "password": "wrong-password",
        },
    )
    assert entries("login_failed")[-1].object_id == str(user.id)
    login_as(user)
    assert entries("login")[-1].user_id == user.id
    assert client.get("/admin/user/").status_code == 403
    denied = entries("denied")[-1]
    assert denied.user_id == user.id and denied.model == "user"
    assert "/admin/user/" in json.loads(denied.changes)["url"]


def test_audit_log_view_is_read_only_and_filterable(client, make, login_as):
    login_as("auditor")
    make.movie(title="审计片")
    assert client.get("/admin/auditlog/").status_code == 200
    assert client.get("/admin/auditlog/new/").status_code == 403
    entry = entries("create", "movie")[-1]
    assert client.get(f"/admin/auditlog/edit/?id={entry.id}").status_code == 403
    filtered = client.get("/admin/auditlog/?search=审计片")
    assert filtered.status_code == 200 and "审计片" in filtered.text
    assert client.get("/admin/auditlog/export/csv/").status_code == 200


def test_only_holders_of_audit_view_see_the_audit_log(client, login_as):
    login_as("content_editor")
    assert client.get("/admin/auditlog/").status_code == 403
