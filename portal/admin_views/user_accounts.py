"""A user's account from the admin side: inviting someone (an account without a password,
set through a mailed link), re-sending or withdrawing the invitation, and resetting a lost
second factor. The rules are in services/invitations.py; this is the HTTP around them."""

from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla.fields import CheckboxListField, QuerySelectMultipleField
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from .. import access
from ..extensions import db
from ..i18n import role_name
from ..models import Cinema, Role
from ..records import record_phrase
from ..services import account_tokens, audit, invitations, two_factor
from ..services.mail import MailError
from ..services.rules import RuleViolation
from .base import PortalForm, deny, parse_row_id


def _grantable_roles():
    """Roles the signed-in user may give (their permissions are a subset of the user's)."""
    held = access.user_permissions()
    return [
        role
        for role in db.session.query(Role).order_by(Role.code)
        if invitations.role_permission_codes([role]) <= held
    ]


def _assignable_cinemas():
    return access.scoped(Cinema).order_by(Cinema.name)


class RefuseUnofferedChoices:
    """Flask-Admin's multiple-choice fields notice a submitted id that is not on offer only
    when `data` was read before validation, and otherwise drop it silently: read it first."""

    def pre_validate(self, form):
        self.data  # noqa: B018  (resolves the submitted ids, flagging unknown ones)
        super().pre_validate(form)


class RoleChoices(RefuseUnofferedChoices, CheckboxListField):
    pass


class CinemaChoices(RefuseUnofferedChoices, QuerySelectMultipleField):
    pass


class InviteForm(PortalForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    email = StringField(
        _l("E-mail address"),
        validators=[
            DataRequired(),
            Length(max=255),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Enter an e-mail address.")),
        ],
    )
    roles = RoleChoices(
        _l("Roles"),
        query_factory=_grantable_roles,
        get_label=role_name,
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    cinemas = CinemaChoices(_l("Cinemas"), query_factory=_assignable_cinemas)


class AccountActions:
    """Mixed into UserView: its gate (user.view plus the action below) guards every route."""

    details_template = "admin/user_details.html"
    edit_template = "admin/user_edit.html"
    list_template = "admin/user_list.html"
    view_actions = {
        "invite_view": "create",
        "resend_invitation": "create",
        "revoke_invitation": "create",
        "reset_two_factor": "edit",
    }

    @expose("/invite/", methods=["GET", "POST"])
    def invite_view(self):
        form = InviteForm()
        if form.validate_on_submit():
            try:
                user = invitations.invite(
                    db.session,
                    current_user,
                    form.username.data,
                    form.email.data,
                    form.roles.data,
                    form.cinemas.data,
                )
                db.session.commit()
            except RuleViolation as exc:
                db.session.rollback()
                flash(str(exc), "error")
            except MailError:
                db.session.rollback()
                flash(
                    _(
                        "The invitation could not be sent (the mail server did not accept "
                        "it). Nothing was created; try again later."
                    ),
                    "error",
                )
            else:
                flash(
                    _(
                        "%(record)s was invited: the invitation went to %(email)s.",
                        record=record_phrase(user),
                        email=user.email,
                    ),
                    "success",
                )
                return self._back(user)
        return self.render("admin/user_invite.html", form=form)

    def _managed_user(self):
        """The user named by ?id=, in scope, whom the signed-in user may manage (else 403)."""
        user = self.get_one(request.args.get("id"))
        if not invitations.may_manage(current_user, user):
            deny(self.resource, "account of a user outside the manager's rights")
        return user

    def _back(self, user):
        return redirect(self.get_url(".details_view", id=user.id))

    @expose("/invitation/resend/", methods=["POST"])
    def resend_invitation(self):
        user = self._managed_user()
        try:
            invitations.send_invitation(db.session, user)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(str(exc), "error")
        except MailError:
            db.session.rollback()
            flash(
                _(
                    "The invitation could not be sent (the mail server did not accept it). "
                    "The earlier link still works."
                ),
                "error",
            )
        else:
            flash(
                _(
                    "A new invitation for %(record)s was sent to %(email)s; earlier links no "
                    "longer work.",
                    record=record_phrase(user),
                    email=user.email,
                ),
                "success",
            )
        return self._back(user)

    @expose("/invitation/revoke/", methods=["POST"])
    def revoke_invitation(self):
        user = self._managed_user()
        try:
            invitations.revoke(db.session, user)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "The invitation of %(record)s was withdrawn; its link no longer works.",
                    record=record_phrase(user),
                ),
                "success",
            )
        return self._back(user)

    @expose("/two-factor/reset/", methods=["POST"])
    def reset_two_factor(self):
        user = self._managed_user()
        if not user.has_two_factor:
            flash(_("This user has no second factor to reset."), "error")
            return self._back(user)
        two_factor.disable(db.session, user)
        audit.record(
            "2fa_reset",
            "user",
            object_id=user.id,
            changes={"username": user.username},
            commit=False,
        )
        db.session.commit()
        flash(
            _(
                "The second factor of %(name)s was reset. They set up a new one on their "
                "profile (platform admins: at their next sign-in).",
                name=user.username,
            ),
            "success",
        )
        return self._back(user)

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if model is not None and template in (self.details_template, self.edit_template):
            kwargs["account"] = self.account_state(model)
        return super().render(template, **kwargs)

    def account_state(self, user):
        """What the account panel of a user's page shows and offers."""
        invitation = account_tokens.pending(db.session, user, account_tokens.INVITATION)
        manageable = invitations.may_manage(current_user, user)
        return {
            "has_password": user.has_password,
            "invitation": invitation,
            "has_two_factor": user.has_two_factor,
            "may_invite": manageable and self.may("create") and not user.has_password,
            "may_reset_two_factor": manageable and self.may("edit") and user.has_two_factor,
            "id": parse_row_id(user.id),
        }
