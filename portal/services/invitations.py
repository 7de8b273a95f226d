"""Invitations: an account created without a password, whose owner chooses one through a
mailed link (valid INVITATION_HOURS).

Who may invite whom is one rule (`may_grant`): an inviter with `user.create` may give only
roles whose permissions they hold themselves, and, without `scope.all_cinemas`, only
cinemas assigned to them (at least one, so that the new account is theirs to manage). A
platform admin may therefore invite anyone; a manager whose role allows `user.create` may
invite, say, box-office staff for their own cinema, never a platform admin.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import access
from ..models import User
from . import account_tokens, audit
from .accounts import username_problem
from .mail import send_templated
from .rules import RuleViolation

INVITATION_SUBJECT = _l("You are invited to the Cinema Portal")


def role_permission_codes(roles):
    return {p.code for role in roles for p in role.permissions}


def may_grant(actor, roles, cinemas):
    """None when `actor` may give these roles and cinemas to an account, else why not."""
    held = access.user_permissions(actor)
    if not role_permission_codes(roles) <= held:
        return _("You can only give roles whose permissions you hold yourself.")
    scope = access.cinema_scope(actor)
    if scope is not None:
        ids = {c.id for c in cinemas}
        if not ids:
            return _("Choose at least one of your cinemas.")
        if not ids <= scope:
            return _("You can only assign your own cinemas.")
    return None


def may_manage(actor, user):
    """Whether `actor` may manage `user`'s account (re-send or revoke the invitation, reset
    the second factor): the same rule, applied to what the account holds now."""
    return actor.id != user.id and may_grant(actor, user.roles, user.cinemas) is None


def invite(session, actor, username, email, roles, cinemas):
    """Create the account (no password) and mail its link; RuleViolation when refused."""
    if not access.has_permission("user.create", actor):
        raise RuleViolation(_("You may not invite users."))
    reason = may_grant(actor, roles, cinemas)
    if reason:
        raise RuleViolation(reason)
    username = (username or "").strip()
    problem = username_problem(session, username)
    if problem:
        raise RuleViolation(problem)
    user = User(
        username=username,
        email=email.strip(),
        roles=list(roles),
        cinemas=list(cinemas),
        is_active=True,
        password_hash=None,
    )
    session.add(user)
    session.flush()
    send_invitation(session, user, "invited")
    return user


def send_invitation(session, user, action="invite_resent"):
    """Issue a new link (earlier ones stop working), mail it, audit it. Raises MailError
    before anything is committed when the mail cannot be sent."""
    if user.has_password:
        raise RuleViolation(_("This account already has a password; nothing was sent."))
    if not user.email:
        raise RuleViolation(_("This account has no e-mail address to send the invitation to."))
    raw = account_tokens.issue(session, user, account_tokens.INVITATION)
    link = account_tokens.external_url("auth.accept_invitation", token=raw)
    hours = int(account_tokens.lifetime(account_tokens.INVITATION).total_seconds() // 3600)
    send_templated(user, "invitation", INVITATION_SUBJECT, link=link, hours=hours)
    audit.record(
        action,
        "user",
        object_id=user.id,
        changes={"username": user.username, "email": user.email},
        commit=False,
    )


def revoke(session, user):
    """Withdraw the user's open invitation; RuleViolation when there is none."""
    if not account_tokens.revoke_open(session, user, account_tokens.INVITATION):
        raise RuleViolation(_("This user has no open invitation."))
    audit.record(
        "invite_revoked",
        "user",
        object_id=user.id,
        changes={"username": user.username},
        commit=False,
    )


def accept(session, raw, password, signed_in_user=None):
    """Choose the first password through an invitation link; returns the user."""
    from .passwords import set_new_password

    token = account_tokens.check(session, raw, account_tokens.INVITATION, signed_in_user)
    user = token.user
    set_new_password(user, password)
    account_tokens.spend(session, token)
    audit.record("invite_accepted", "user", object_id=user.id, user_id=user.id, commit=False)
    return user
