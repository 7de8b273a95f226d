"""Platform admins manage users, roles (with the permission matrix) and see permissions."""

import re

import pytest

from portal.extensions import db
from portal.models import Permission, Role, User

from .conftest import csrf_from, page_messages
from .factories import PASSWORD


def post_form(client, url, data):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data})


def role_id(code):
    return db.session.query(Role).filter_by(code=code).one().id


def test_admin_creates_a_cinema_manager_with_cinemas(client, login_as, make):
    login_as("platform_admin")
    cinema = make.cinema()
    response = post_form(
        client,
        "/admin/user/new/",
        {
            "username": "manager_new",
            "email": "m@example.com",
            "roles": [role_id("cinema_manager")],
            "cinemas": str(cinema.id),
            "is_active": "y",
            "new_password": "long-enough-pw",
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    user = db.session.query(User).filter_by(username="manager_new").one()
    assert user.role_codes == {"cinema_manager"} and [c.id for c in user.cinemas] == [cinema.id]
    assert user.check_password("long-enough-pw")


def test_new_user_needs_a_password_of_ten_characters(client, login_as):
    login_as("platform_admin")
    for password in ("", "short"):
        response = post_form(
            client,
            "/admin/user/new/",
            {"username": "nopw", "is_active": "y", "new_password": password},
        )
        assert response.status_code == 200
    assert db.session.query(User).filter_by(username="nopw").count() == 0


def test_editing_a_user_without_a_password_keeps_the_old_one(client, login_as, make):
    login_as("platform_admin")
    user = make.user("auditor")
    post_form(
        client,
        f"/admin/user/edit/?id={user.id}",
        {
            "username": user.username,
            "email": "new@example.com",
            "roles": [role_id("auditor")],
            "is_active": "y",
            "new_password": "",
        },
    )
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.email == "new@example.com" and user.check_password(PASSWORD)


def test_admin_resets_a_password(client, login_as, make):
    login_as("platform_admin")
    user = make.user("auditor")
    post_form(
        client,
        f"/admin/user/edit/?id={user.id}",
        {
            "username": user.username,
            "roles": [role_id("auditor")],
            "is_active": "y",
            "new_password": "brand-new-password",
        },
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("brand-new-password")


def test_admin_cannot_remove_their_own_admin_role(client, english, login_as):
    admin = login_as("platform_admin")
    response = post_form(
        client,
        f"/admin/user/edit/?id={admin.id}",
        {"username": admin.username, "roles": [role_id("auditor")], "is_active": "y"},
    )
    assert any("own platform admin role" in m for m in page_messages(response.text))
    db.session.expire_all()
    assert db.session.get(User, admin.id).role_codes == {"platform_admin"}


def test_admin_cannot_deactivate_or_delete_themselves(client, login_as):
    admin = login_as("platform_admin")
    post_form(
        client,
        f"/admin/user/edit/?id={admin.id}",
        {"username": admin.username, "roles": [role_id("platform_admin")]},
    )
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active
    token = csrf_from(client.get("/admin/user/").text)
    client.post("/admin/user/delete/", data={"csrf_token": token, "id": admin.id})
    assert db.session.get(User, admin.id) is not None


def test_role_permission_matrix_shows_and_saves_checkboxes(client, login_as):
    login_as("platform_admin")
    auditor = db.session.query(Role).filter_by(code="auditor").one()
    page = client.get(f"/admin/role/edit/?id={auditor.id}").text
    assert re.search(r'value="movie.view" id="perm-movie.view"[^>]* checked>', page)
    assert re.search(r'value="movie.edit" id="perm-movie.edit"[^>]*"\s*>', page)
    response = post_form(
        client,
        "/admin/role/new/",
        {
            "code": "scheduler",
            "name": "排片员",
            "description": "",
            "permissions": ["schedule.view", "schedule.create", "hall.view"],
        },
    )
    assert response.status_code == 302, page_messages(response.text)
    role = db.session.query(Role).filter_by(code="scheduler").one()
    assert {p.code for p in role.permissions} == {"schedule.view", "schedule.create", "hall.view"}


def test_a_custom_role_grants_exactly_its_permissions(client, login_as, make):
    role = Role(
        code="reader",
        name="读者",
        permissions=db.session.query(Permission).filter(Permission.code.in_(["movie.view"])).all(),
    )
    db.session.add(role)
    db.session.commit()
    user = make.user(None)
    user.roles = [role]
    db.session.commit()
    login_as(user)
    assert client.get("/admin/movie/").status_code == 200
    assert client.get("/admin/movie/new/").status_code == 403
    assert client.get("/admin/cinema/").status_code == 403


def test_permissions_are_read_only(client, login_as):
    login_as("platform_admin")
    assert client.get("/admin/permission/").status_code == 200
    assert client.get("/admin/permission/new/").status_code == 403


def test_default_role_codes_cannot_be_changed(client, english, login_as):
    login_as("platform_admin")
    auditor = db.session.query(Role).filter_by(code="auditor").one()
    response = post_form(
        client,
        f"/admin/role/edit/?id={auditor.id}",
        {"code": "renamed", "name": auditor.name, "permissions": ["movie.view"]},
    )
    assert any("default role cannot be changed" in m for m in page_messages(response.text))
    db.session.expire_all()
    assert db.session.query(Role).filter_by(code="auditor").count() == 1


def test_platform_admin_role_keeps_every_permission(client, english, login_as):
    login_as("platform_admin")
    admin_role = db.session.query(Role).filter_by(code="platform_admin").one()
    response = post_form(
        client,
        f"/admin/role/edit/?id={admin_role.id}",
        {"code": "platform_admin", "name": admin_role.name, "permissions": ["movie.view"]},
    )
    assert any("always holds every permission" in m for m in page_messages(response.text))
    db.session.expire_all()
    held = {
        p.code for p in db.session.query(Role).filter_by(code="platform_admin").one().permissions
    }
    assert held == {p.code for p in db.session.query(Permission)}
    assert "movie.delete" in held and "scope.all_cinemas" in held


def test_a_user_name_that_differs_only_in_case_width_or_accents_is_refused(english, login_as, make):
    """Sign-in cannot tell such names apart (one account, however its name is typed)."""
    make.user("content_editor", username="editor")
    login_as("platform_admin")
    for name in ("Édïtor", "ｅｄｉｔｏｒ", "EDİTOR"):
        response = post_form(
            english,
            "/admin/user/new/",
            {"username": name, "is_active": "y", "new_password": "long-enough-pw"},
        )
        assert response.status_code == 200
        assert (
            "The user name editor is taken (names that differ only in case, width or "
            "accents are the same name)." in page_messages(response.text)
        )
    assert db.session.query(User).count() == 2


def test_renaming_a_user_to_another_spelling_of_their_own_name_is_fine(client, login_as, make):
    login_as("platform_admin")
    user = make.user("auditor", username="wang")
    response = post_form(
        client,
        f"/admin/user/edit/?id={user.id}",
        {"username": "Wáng", "roles": [role_id("auditor")], "is_active": "y"},
    )
    assert response.status_code == 302, page_messages(response.text)
    db.session.expire_all()
    assert db.session.get(User, user.id).username == "Wáng"


def test_create_user_refuses_another_spelling_of_an_existing_name(app_ctx, make):
    from portal.services.accounts import create_user

    make.user("auditor", username="editor")
    with pytest.raises(ValueError):
        create_user(db.session, "ＥＤＩＴＯＲ", "long-enough-pw", ["auditor"])
