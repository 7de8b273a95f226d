"""The signed-in user's own account (the user name in the navbar): e-mail, language,
password, two-factor sign-in. Every signed-in user may open it; it shows and changes only
their own account."""

from flask import flash, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from ..auth.second_step import not_stored, setup_context
from ..auth.session import end_session
from ..extensions import db
from ..i18n import LANGUAGE_NAMES, current_locale
from ..models.accounts import MIN_PASSWORD_LENGTH
from ..services import audit, passwords, sessions, two_factor
from ..services.rules import RuleViolation
from .base import parse_row_id, to_sign_in

SETUP_SECRET = "portal_profile_totp_secret"


class AccountForm(FlaskForm):
    email = StringField(
        _l("E-mail address"),
        validators=[
            Optional(),
            Length(max=255),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Enter an e-mail address.")),
        ],
    )
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
    current_password = PasswordField(
        _l("Current password"),
        validators=[Optional(), Length(max=256)],
        description=_l("Needed to change the e-mail address."),
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=256)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
    )


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("The 6 digits your authenticator app shows."),
    )


class ProfileView(BaseView):
    """/admin/profile/: no menu entry; reached from the user name in the navbar."""

    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return to_sign_in()
        return super()._handle_view(name, **kwargs)

    @property
    def user(self):
        return current_user._get_current_object()

    def _page(self, status=200, **forms):
        user = self.user
        forms.setdefault("account_form", AccountForm(obj=user, formdata=None))
        forms["account_form"].locale.data = (
            forms["account_form"].locale.data or user.locale or str(current_locale())
        )
        forms.setdefault("password_form", ChangePasswordForm(formdata=None))
        forms.setdefault("confirm_form", ConfirmPasswordForm(formdata=None))
        current = sessions.current()
        return self.render(
            "admin/profile.html",
            user=user,
            sessions=sessions.live_sessions(db.session, user.id),
            current_session_id=current.id if current is not None else None,
            two_factor_required=two_factor.is_required(user),
            recovery_codes_left=two_factor.remaining_recovery_codes(db.session, user)
            if user.has_two_factor
            else 0,
            **forms,
        ), status

    @expose("/")
    def index(self):
        return self._page()

    @expose("/account", methods=["POST"])
    def account(self):
        user, form = self.user, AccountForm()
        if not form.validate():
            return self._page(400, account_form=form)
        email = (form.email.data or "").strip() or None
        if email != user.email:
            try:
                passwords.confirm_password(user, form.current_password.data, "e-mail change")
            except RuleViolation as exc:
                form.current_password.errors.append(str(exc))
                return self._page(400, account_form=form)
            user.email = email
        if form.locale.data != user.locale:
            user.locale = session["lang"] = form.locale.data
        db.session.commit()
        flash(_("Your account was saved."), "success")
        return redirect(url_for(".index"))

    @expose("/password", methods=["POST"])
    def password(self):
        user, form = self.user, ChangePasswordForm()
        if not form.validate():
            return self._page(400, password_form=form)
        try:
            passwords.change_password(
                db.session, user, form.current_password.data, form.new_password.data
            )
        except RuleViolation as exc:
            db.session.rollback()
            form.current_password.errors.append(str(exc))
            return self._page(400, password_form=form)
        db.session.commit()
        flash(_("Your password was changed."), "success")
        return redirect(url_for(".index"))

    @expose("/two-factor", methods=["GET", "POST"])
    def two_factor_setup(self):
        user = self.user
        if user.has_two_factor:
            return redirect(url_for(".index"))
        secret = session.get(SETUP_SECRET) or two_factor.new_secret()
        session[SETUP_SECRET] = secret
        form = CodeForm()
        context = setup_context(user, secret, form)
        if form.validate_on_submit():
            try:
                passwords.refuse_if_throttled(user)
            except RuleViolation as exc:
                form.code.errors.append(str(exc))
                return not_stored(self.render("admin/profile_two_factor.html", **context), 429)
            codes = two_factor.enable(db.session, user, secret, form.code.data)
            if codes is None:
                db.session.rollback()
                passwords.count_failure(user, "second factor setup")
                form.code.errors.append(
                    _("That code is not right. Enter the code the app shows now.")
                )
                return not_stored(self.render("admin/profile_two_factor.html", **context), 400)
            audit.record("2fa_enabled", "user", object_id=user.id, commit=False)
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            return not_stored(self.render("admin/profile_recovery_codes.html", codes=codes))
        return not_stored(self.render("admin/profile_two_factor.html", **context))

    @expose("/two-factor/off", methods=["POST"])
    def two_factor_off(self):
        user, form = self.user, ConfirmPasswordForm()
        if two_factor.is_required(user):
            flash(_("Platform admins must keep two-factor sign-in."), "error")
            return redirect(url_for(".index"))
        refused = self._check_password(form, "turning off two-factor sign-in")
        if refused:
            return refused
        two_factor.disable(db.session, user)
        audit.record("2fa_disabled", "user", object_id=user.id, commit=False)
        db.session.commit()
        flash(_("Two-factor sign-in is off."), "success")
        return redirect(url_for(".index"))

    @expose("/two-factor/recovery-codes", methods=["POST"])
    def new_recovery_codes(self):
        user, form = self.user, ConfirmPasswordForm()
        if not user.has_two_factor:
            return redirect(url_for(".index"))
        refused = self._check_password(form, "new recovery codes")
        if refused:
            return refused
        codes = two_factor.new_recovery_codes(db.session, user)
        audit.record("recovery_renewed", "user", object_id=user.id, commit=False)
        db.session.commit()
        return not_stored(self.render("admin/profile_recovery_codes.html", codes=codes))

    def _check_password(self, form, reason):
        """None when the form's password is the user's; else the page with the refusal."""
        if not form.validate():
            return self._page(400, confirm_form=form)
        try:
            passwords.confirm_password(self.user, form.password.data, reason)
        except RuleViolation as exc:
            form.password.errors.append(str(exc))
            return self._page(400, confirm_form=form)
        return None

    @expose("/sessions/end", methods=["POST"])
    def end_one_session(self):
        """Sign out one of the user's sessions (this browser's too, if chosen)."""
        user = self.user
        session_id = parse_row_id(request.form.get("session_id"))
        current = sessions.current()
        if session_id is None or not sessions.revoke(db.session, session_id, user.id):
            db.session.rollback()
            flash(_("That session has already ended."), "error")
            return redirect(url_for(".index"))
        audit.record(
            "session_ended",
            "user",
            object_id=user.id,
            commit=False,
            changes={"session": session_id},
        )
        db.session.commit()
        if current is not None and current.id == session_id:
            end_session()
            flash(_("You have signed out."), "info")
            return redirect(url_for("auth.login"))
        flash(_("That session was signed out."), "success")
        return redirect(url_for(".index"))

    @expose("/sessions/end-others", methods=["POST"])
    def end_other_sessions(self):
        """Sign out everywhere else: every session of the user but this one."""
        user, current = self.user, sessions.current()
        ended = sessions.revoke_all(
            db.session, user.id, keep=current.id if current is not None else None
        )
        audit.record(
            "sessions_ended",
            "user",
            object_id=user.id,
            commit=False,
            changes={"reason": "signed out everywhere else", "count": ended},
        )
        db.session.commit()
        flash(_("Signed out everywhere else (%(n)d sessions).", n=ended), "success")
        return redirect(url_for(".index"))

    def render(self, template, **kwargs):
        kwargs.setdefault("profile_endpoint", request.endpoint)
        return super().render(template, **kwargs)
