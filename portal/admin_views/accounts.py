"""Users, roles with their permission matrix, permissions, and the audit log."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload
from wtforms import PasswordField, SelectChoice, SelectMultipleField
from wtforms.validators import Length, Optional, ValidationError

from .. import access
from ..extensions import db
from ..i18n import (
    ACTION_LABELS,
    RESOURCE_LABELS,
    SCOPE_ALL_CINEMAS_LABEL,
    language_name,
    permission_label,
    role_description,
    role_name,
)
from ..models import Permission, User
from ..models.accounts import MIN_PASSWORD_LENGTH
from ..services.accounts import username_problem
from ..services.invitations import may_grant
from ..services.rules import RuleViolation
from .base import SecuredModelView
from .user_accounts import AccountActions


class PermissionMatrixWidget:
    """Resources as rows, actions as columns, one checkbox per permission code."""

    def __call__(self, field, **kwargs):
        chosen = set(field.data or ())
        head = "".join(f"<th>{escape(ACTION_LABELS[action])}</th>" for action in access.ACTIONS)
        rows = []
        known = set(access.ALL_PERMISSIONS)
        for resource in access.RESOURCES + access.READ_ONLY_RESOURCES:
            cells = []
            for action in access.ACTIONS:
                code = f"{resource}.{action}"
                if code not in known or code in access.INERT_PERMISSIONS:
                    cells.append("<td></td>")
                    continue
                checked = " checked" if code in chosen else ""
                cells.append(
                    f'<td><input type="checkbox" name="{field.name}" value="{code}" '
                    f'id="perm-{code}" aria-label="{escape(permission_label(code))}"'
                    f"{checked}></td>"
                )
            rows.append(f"<tr><th>{escape(RESOURCE_LABELS[resource])}</th>{''.join(cells)}</tr>")
        # The codes outside <resource>.<action> (order.sell, order.refund, customer.block).
        extra = "".join(
            f'<label class="mr-3"><input type="checkbox" name="{field.name}" value="{code}" '
            f'id="perm-{code}"{" checked" if code in chosen else ""}> '
            f"{escape(permission_label(code))}</label>"
            for code in access.EXTRA_CODES
        )
        sales = escape(_("Sales"))
        rows.append(f'<tr><th>{sales}</th><td colspan="{len(access.ACTIONS)}">{extra}</td></tr>')
        scope = access.SCOPE_ALL_CINEMAS
        checked = " checked" if scope in chosen else ""
        scope_title = escape(_("All cinemas"))
        rows.append(
            f'<tr><th>{scope_title}</th><td colspan="{len(access.ACTIONS)}">'
            f'<input type="checkbox" name="{field.name}" value="{scope}" id="perm-{scope}"'
            f'{checked}> <label for="perm-{scope}">{escape(SCOPE_ALL_CINEMAS_LABEL)}</label>'
            "</td></tr>"
        )
        return Markup(
            '<table class="table table-sm table-bordered permission-matrix" '
            f'id="{field.id}"><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )


class PermissionMatrixField(SelectMultipleField):
    widget = PermissionMatrixWidget()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["choices"] = [SelectChoice(code) for code in access.ALL_PERMISSIONS]
        super().__init__(label, validators, **kwargs)

    def process_data(self, value):
        self.data = [p.code if isinstance(p, Permission) else p for p in (value or [])]

    def populate_obj(self, obj, name):
        # Codes the matrix does not offer stay as they were (the platform admin holds all).
        held = {p.code for p in getattr(obj, name, None) or ()}
        codes = set(self.data or ()) | (held & access.INERT_PERMISSIONS)
        # No autoflush: the other fields are already populated, and flushing them here would
        # wipe the attribute history that on_model_change and the audit log compare against.
        with db.session.no_autoflush:
            rows = (
                db.session.query(Permission).filter(Permission.code.in_(codes)).all()
                if codes
                else []
            )
        setattr(obj, name, rows)


def validate_username_is_distinct(form, field):
    """No two users whose names differ only in case, width or accents: sign-in could not tell
    them apart (`username_key`)."""
    problem = username_problem(db.session, field.data, getattr(form, "_obj", None))
    if problem:
        raise ValidationError(str(problem))  # Flask-Admin shows only `str` errors


class UserView(AccountActions, SecuredModelView):
    resource = "user"
    column_list = ("username", "email", "roles", "cinemas", "is_active", "last_login_at")
    column_labels = {
        "username": _l("Username"),
        "email": _l("Email"),
        "roles": _l("Roles"),
        "cinemas": _l("Cinemas"),
        "is_active": _l("Active"),
        "last_login_at": _l("Last sign-in"),
        "new_password": _l("New password"),
        "locale": _l("Language"),
        "roles.code": _l("Role"),
    }
    column_searchable_list = ("username", "email")
    column_filters = ("is_active", "roles.code")
    column_default_sort = [("username", False)]
    # Secrets and bookkeeping; the account panel says whether two-factor sign-in is on.
    column_details_exclude_list = (
        "password_hash",
        "username_key",
        "totp_secret",
        "totp_enabled_at",
        "totp_last_step",
    )
    column_export_exclude_list = ("password_hash", "username_key")
    form_columns = ("username", "email", "roles", "cinemas", "is_active", "new_password")
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
            description=_l("At least 10 characters. Leave empty to keep the current one."),
        ),
    }
    form_ajax_refs = {
        "cinemas": {"fields": ("name",), "page_size": 20, "placeholder": _l("Type a cinema name")}
    }
    form_args = {
        "roles": {"get_label": role_name},
        "username": {"validators": [validate_username_is_distinct]},
    }
    column_formatters = {
        "roles": lambda v, c, m, n: ", ".join(str(role_name(r)) for r in m.roles),
        "locale": lambda v, c, m, n: language_name(m.locale),
    }
    column_formatters_export = {"roles": lambda v, c, m, n: ", ".join(r.code for r in m.roles)}

    # The list shows each user's roles and cinemas: one query each for the whole page
    # (Flask-Admin would join both collections into the page's query instead).
    column_auto_select_related = False

    def get_query(self):
        return super().get_query().options(selectinload(User.roles), selectinload(User.cinemas))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.new_password.description = _("At least 10 characters.")
        form.new_password.flags.required = True
        return form

    def on_model_change(self, form, model, is_created):
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise RuleViolation(_("A new user needs a password of at least 10 characters."))
        refused = may_grant(current_user, model.roles, model.cinemas)
        if refused:
            raise RuleViolation(refused)
        if model.id == current_user.id:
            if (
                access.PLATFORM_ADMIN not in model.role_codes
                and access.PLATFORM_ADMIN in self._roles_before(model)
            ):
                raise RuleViolation(_("You cannot remove your own platform admin role."))
            if not model.is_active:
                raise RuleViolation(_("You cannot deactivate your own account."))

    def _roles_before(self, model):
        history = db.inspect(model).attrs.roles.history
        return {r.code for r in (history.unchanged or ()) + tuple(history.deleted or ())}

    def on_model_delete(self, model):
        if model.id == current_user.id:
            raise RuleViolation(_("You cannot delete your own account."))
        super().on_model_delete(model)


class RoleView(SecuredModelView):
    resource = "role"
    column_list = ("code", "name", "description", "permissions")
    column_labels = {
        "code": _l("Code"),
        "name": _l("Name"),
        "description": _l("Description"),
        "permissions": _l("Permissions"),
    }
    column_searchable_list = ("code", "name")
    column_default_sort = [("code", False)]
    column_formatters = {
        "permissions": lambda v, c, m, n: len(m.permissions),
        "name": lambda v, c, m, n: role_name(m),
        "description": lambda v, c, m, n: role_description(m),
    }
    column_formatters_export = {"permissions": lambda v, c, m, n: len(m.permissions)}
    form_columns = ("code", "name", "description", "permissions")
    form_extra_fields = {"permissions": PermissionMatrixField(_l("Permissions"))}

    def on_model_change(self, form, model, is_created):
        if (
            not is_created
            and model.id
            and model.code != self._code_before(model)
            and self._code_before(model) in access.DEFAULT_ROLES
        ):
            raise RuleViolation(_("The code of a default role cannot be changed."))
        if model.code == access.PLATFORM_ADMIN and {p.code for p in model.permissions} != set(
            access.ALL_PERMISSIONS
        ):
            # Platform admins hold every permission by definition: unticking one would lock
            # every admin out of the screens needed to undo it.
            raise RuleViolation(_("The platform admin role always holds every permission."))

    def _code_before(self, model):
        history = db.inspect(model).attrs.code.history
        return (history.deleted or history.unchanged or [model.code])[0]


def validate_role_code(form, field):
    if field.data and not field.data.replace("_", "").isalnum():
        raise ValidationError(_("Use letters, digits and underscores only."))


RoleView.form_args = {"code": {"validators": [validate_role_code]}}


class PermissionView(SecuredModelView):
    resource = "role"
    read_only = True
    action_permissions = {}
    column_list = ("code", "description")
    column_labels = {"code": _l("Code"), "description": _l("Description")}
    column_formatters = {"description": lambda v, c, m, n: permission_label(m.code)}
    column_formatters_export = {}
    column_searchable_list = ("code",)
    column_default_sort = [("code", False)]
