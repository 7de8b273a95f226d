"""Invitations: an account without a password whose owner chooses one through a mailed link
(72 hours); re-sent and withdrawn from the user's page. Admins invite anyone; a manager whose
role allows user.create invites only into their own cinemas and only roles within their own
permissions."""

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import AccountToken, AuditLog, Permission, Role, User
from portal.models.base import utcnow

from .conftest import csrf_from, page_messages
from .factories import PASSWORD
from .mailbox import free_port
from .test_password_reset import choose_password, path_of, sign_in

CHOSEN = "my-first-password"


def make_role(code, permissions):
    role = Role(
        code=code,
        name=code,
        description="",
        permissions=list(db.session.query(Permission).filter(Permission.code.in_(permissions))),
    )
    db.session.add(role)
    db.session.commit()
    return role


def invite(client, username, email, roles=(), cinemas=()):
    page = client.get("/admin/user/invite/")
    assert page.status_code == 200, page.status_code
    return client.post(
        "/admin/user/invite/",
        data={
            "csrf_token": csrf_from(page.text),
            "username": username,
            "email": email,
            "roles": [str(r.id) for r in roles],
            "cinemas": [str(c.id) for c in cinemas],
        },
    )


def user_named(username):
    db.session.expire_all()
    return db.session.query(User).filter_by(username=username).one_or_none()


def post_on_user_page(client, user, route):
    token = csrf_from(client.get(f"/admin/user/details/?id={user.id}").text)
    return client.post(f"/admin/user/{route}?id={user.id}", data={"csrf_token": token})


@pytest.fixture()
def admin(client, english, login_as):
    return login_as("platform_admin")


@pytest.fixture()
def manager_role(app_ctx):
    return db.session.query(Role).filter_by(code="cinema_manager").one()


def test_admin_invites_a_manager_who_chooses_a_password_through_the_mailed_link(
    client, admin, mailbox, make, manager_role
):
    cinema = make.cinema()
    response = invite(client, "new_manager", "new.manager@example.com", [manager_role], [cinema])
    invited = user_named("new_manager")
    assert response.status_code == 302, page_messages(response.text)
    assert response.headers["Location"].startswith(f"/admin/user/details/?id={invited.id}")
    assert not invited.has_password and invited.role_codes == {"cinema_manager"}
    assert [c.id for c in invited.cinemas] == [cinema.id]
    [message] = mailbox.to("new.manager@example.com")
    assert "invited" in message["Subject"] and "new_manager" in message.get_body().get_content()
    link = mailbox.last_link_to("new.manager@example.com")
    assert "/invitation/" in link
    token = db.session.query(AccountToken).one()
    assert token.expires_at - token.created_at == timedelta(hours=72)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    assert choose_password(client, link, CHOSEN).headers["Location"] == "/login"
    assert sign_in(client, "new_manager", CHOSEN).headers["Location"] == "/admin/"
    actions = {a.action for a in db.session.query(AuditLog).filter_by(object_id=str(invited.id))}
    assert {"invited", "invite_accepted"} <= actions


def test_an_invited_user_cannot_sign_in_before_choosing_a_password(
    client, admin, mailbox, manager_role, make
):
    invite(client, "waiting", "waiting@example.com", [manager_role], [make.cinema()])
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    for password in ("", "anything-at-all", "None"):
        assert sign_in(client, "waiting", password).status_code in (200, 400)
    assert client.get("/admin/").status_code == 302


def test_the_user_page_shows_the_open_invitation(client, admin, mailbox, manager_role, make):
    invite(client, "pending1", "p1@example.com", [manager_role], [make.cinema()])
    page = client.get(f"/admin/user/details/?id={user_named('pending1').id}").text
    assert "Invited; the link works until" in page
    assert 'id="resend-invitation"' in page and 'id="revoke-invitation"' in page


def test_resending_replaces_the_link(client, admin, mailbox, manager_role, make):
    invite(client, "resent", "resent@example.com", [manager_role], [make.cinema()])
    first = mailbox.last_link_to("resent@example.com")
    response = post_on_user_page(client, user_named("resent"), "invitation/resend/")
    assert response.status_code == 302
    second = mailbox.last_link_to("resent@example.com")
    assert first != second and len(mailbox.to("resent@example.com")) == 2
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    refused = choose_password(client, first, CHOSEN)
    assert refused.status_code == 400 and "withdrawn" in refused.text
    assert choose_password(client, second, CHOSEN).status_code == 302
    assert db.session.query(AuditLog).filter_by(action="invite_resent").count() == 1


def test_a_withdrawn_invitation_link_is_refused(client, admin, mailbox, manager_role, make):
    invite(client, "revoked", "revoked@example.com", [manager_role], [make.cinema()])
    link = mailbox.last_link_to("revoked@example.com")
    assert post_on_user_page(client, user_named("revoked"), "invitation/revoke/").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    refused = choose_password(client, link, CHOSEN)
    assert refused.status_code == 400
    assert any("withdrawn" in m for m in page_messages(refused.text))
    assert not user_named("revoked").has_password
    assert db.session.query(AuditLog).filter_by(action="invite_revoked").count() == 1


def test_an_expired_invitation_link_is_refused(client, admin, mailbox, manager_role, make):
    invite(client, "late", "late@example.com", [manager_role], [make.cinema()])
    link = mailbox.last_link_to("late@example.com")
    db.session.query(AccountToken).update({"expires_at": utcnow() - timedelta(minutes=1)})
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    refused = choose_password(client, link, CHOSEN)
    assert refused.status_code == 400 and "expired" in refused.text
    assert not user_named("late").has_password


def test_an_invitation_link_is_no_password_reset_link(client, admin, mailbox, manager_role, make):
    invite(client, "mixed", "mixed@example.com", [manager_role], [make.cinema()])
    token = path_of(mailbox.last_link_to("mixed@example.com")).rsplit("/", 1)[1]
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_an_accepted_invitation_link_cannot_be_used_again(
    client, admin, mailbox, manager_role, make
):
    invite(client, "once", "once@example.com", [manager_role], [make.cinema()])
    link = mailbox.last_link_to("once@example.com")
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").text)})
    choose_password(client, link, CHOSEN)
    again = choose_password(client, link, "another-password-2")
    assert again.status_code == 400 and user_named("once").check_password(CHOSEN)


def test_nothing_is_created_when_the_mail_cannot_be_sent(
    client, admin, mailbox, make, manager_role, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    response = invite(client, "unsent", "unsent@example.com", [manager_role], [make.cinema()])
    assert response.status_code == 200
    assert any("could not be sent" in m for m in page_messages(response.text))
    assert user_named("unsent") is None and db.session.query(AccountToken).count() == 0


def test_a_taken_username_is_refused(client, admin, mailbox, make, manager_role):
    taken = make.user("auditor")
    response = invite(
        client, taken.username.upper(), "x@example.com", [manager_role], [make.cinema()]
    )
    assert response.status_code == 200 and mailbox.recipients() == []
    assert any("is taken" in m for m in page_messages(response.text))


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_an_invitation_needs_an_email_address(client, admin, mailbox, email, manager_role):
    response = invite(client, "nomail", email, [manager_role])
    assert response.status_code == 200 and user_named("nomail") is None


# -- managers inviting their cinema's staff ------------------------------------------------
MANAGER_CODES = {
    "cinema.view",
    "cinema.edit",
    "hall.view",
    "schedule.view",
    "schedule.create",
    "movie.view",
    "city.view",
    "user.view",
    "user.create",
}


@pytest.fixture()
def staff_manager(client, english, login_as, make):
    """A manager of one cinema whose role allows inviting users, and a lesser role for
    its sellers."""
    cinema, other = make.cinema(), make.cinema()
    role = make_role("staff_manager", MANAGER_CODES)
    box_office = make_role("seller", {"schedule.view", "cinema.view", "movie.view"})
    manager = make.user(None, cinemas=[cinema])
    manager.roles = [role]
    db.session.commit()
    login_as(manager)
    return {"manager": manager, "cinema": cinema, "other": other, "box_office": box_office}


def test_a_manager_invites_box_office_staff_for_their_own_cinema(client, staff_manager, mailbox):
    response = invite(
        client,
        "seller1",
        "seller1@example.com",
        [staff_manager["box_office"]],
        [staff_manager["cinema"]],
    )
    assert response.status_code == 302, page_messages(response.text)
    assert user_named("seller1").role_codes == {"seller"}
    assert mailbox.recipients() == ["seller1@example.com"]


def test_a_manager_cannot_invite_into_another_cinema(client, staff_manager, mailbox):
    response = invite(
        client, "seller2", "s2@example.com", [staff_manager["box_office"]], [staff_manager["other"]]
    )
    assert response.status_code == 200 and user_named("seller2") is None
    assert mailbox.recipients() == []


def test_a_manager_must_give_the_new_account_one_of_their_cinemas(client, staff_manager, mailbox):
    response = invite(client, "seller3", "s3@example.com", [staff_manager["box_office"]])
    assert response.status_code == 200 and user_named("seller3") is None
    assert "Choose at least one of your cinemas." in page_messages(response.text)


@pytest.mark.parametrize("role_code", ["platform_admin", "cinema_manager", "auditor"])
def test_a_manager_cannot_give_a_role_beyond_their_own_permissions(
    client, staff_manager, mailbox, role_code
):
    role = db.session.query(Role).filter_by(code=role_code).one()
    page = client.get("/admin/user/invite/").text
    assert f'name="roles" value="{role.id}"' not in page
    response = invite(client, "climber", "c@example.com", [role], [staff_manager["cinema"]])
    assert response.status_code == 200 and user_named("climber") is None


def test_a_manager_sees_only_their_cinemas_staff(client, staff_manager, make):
    mine = make.user(None, cinemas=[staff_manager["cinema"]])
    theirs = make.user(None, cinemas=[staff_manager["other"]])
    listing = client.get("/admin/user/").text
    assert mine.username in listing and theirs.username not in listing
    assert client.get(f"/admin/user/details/?id={theirs.id}").status_code == 404


def test_a_manager_cannot_withdraw_an_admins_invitation(client, staff_manager, make):
    colleague = make.user("platform_admin", cinemas=[staff_manager["cinema"]])
    colleague.password_hash = None
    db.session.commit()
    response = client.post(
        f"/admin/user/invitation/revoke/?id={colleague.id}",
        data={"csrf_token": csrf_from(client.get("/admin/user/").text)},
    )
    assert response.status_code == 403


def test_a_manager_cannot_raise_a_user_through_the_edit_form(client, staff_manager, make):
    role = db.session.query(Role).filter_by(code="staff_manager").one()
    role.permissions.append(db.session.query(Permission).filter_by(code="user.edit").one())
    db.session.commit()
    seller = make.user(None, cinemas=[staff_manager["cinema"]])
    admin_role = db.session.query(Role).filter_by(code="platform_admin").one()
    page = client.get(f"/admin/user/edit/?id={seller.id}")
    response = client.post(
        f"/admin/user/edit/?id={seller.id}",
        data={
            "csrf_token": csrf_from(page.text),
            "username": seller.username,
            "roles": [str(admin_role.id)],
            "cinemas": str(staff_manager["cinema"].id),
            "is_active": "y",
        },
    )
    assert response.status_code == 200
    assert "You can only give roles whose permissions you hold yourself." in page_messages(
        response.text
    )
    assert user_named(seller.username).role_codes == set()


def test_default_cinema_managers_may_not_invite(client, english, login_as, make):
    login_as("cinema_manager", cinemas=[make.cinema()])
    assert client.get("/admin/user/invite/").status_code == 403


def test_the_invite_link_is_in_the_user_list_for_those_who_may_create(client, admin):
    assert 'id="invite-user-link"' in client.get("/admin/user/").text


# -- an admin resets a lost second factor -------------------------------------------------
def test_an_admin_resets_a_users_second_factor(client, english, make, login_as, mailbox):
    from .two_factor_helpers import password_step, sign_out, turn_on_two_factor

    user = login_as("auditor")
    turn_on_two_factor(client)
    sign_out(client)
    login_as("platform_admin")
    page = client.get(f"/admin/user/details/?id={user.id}").text
    assert "Two-factor sign-in: on" in page and 'id="reset-two-factor"' in page
    assert post_on_user_page(client, user, "two-factor/reset/").status_code == 302
    assert not user_named(user.username).has_two_factor
    entry = db.session.query(AuditLog).filter_by(action="2fa_reset").one()
    assert entry.object_id == str(user.id)
    sign_out(client)
    assert password_step(client, user.username, PASSWORD).headers["Location"] == "/admin/"


def test_resetting_needs_user_edit(client, english, make, login_as):
    target = make.user("auditor")
    login_as("auditor")
    response = client.post(
        f"/admin/user/two-factor/reset/?id={target.id}",
        data={"csrf_token": csrf_from(client.get("/admin/").text)},
    )
    assert response.status_code == 403


def test_invitation_mail_is_in_the_users_language(client, admin, mailbox, manager_role, make):
    invite(client, "zh_user", "zh@example.com", [manager_role], [make.cinema()])
    body = mailbox.to("zh@example.com")[0].get_body().get_content()
    assert re.search(r"zh_user", body)
