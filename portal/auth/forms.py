"""Sign-in and password forms."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from portal.domain.passwords import MAX_LENGTH, MIN_LENGTH, PasswordProblem, password_problem
from portal.forms import PortalForm
from portal.models import User
from portal.models.columns import max_length
from portal.safe_gettext import lazy_gettext as _l


def password_problem_message(problem: PasswordProblem) -> str:
    """What the customer reads for each broken rule."""
    messages = {
        PasswordProblem.TOO_SHORT: _(
            "Use at least %(min)d characters, with letters and digits.", min=MIN_LENGTH
        ),
        PasswordProblem.TOO_LONG: _("Use at most %(max)d characters.", max=MAX_LENGTH),
        PasswordProblem.NEEDS_LETTERS_AND_DIGITS: _("Use both letters and digits."),
        PasswordProblem.TOO_COMMON: _(
            "This password is too common or too easy to guess. Choose another one."
        ),
    }
    return messages[problem]


class StrongPassword:
    """The password rules of portal.domain.passwords; the form's `user_email` is checked too."""

    def __call__(self, form: Any, field: Any) -> None:
        """Raise the first broken rule as a field error."""
        email = getattr(form, "user_email", "") or ""
        problem = password_problem(field.data or "", email=email)
        if problem is not None:
            raise ValidationError(password_problem_message(problem))


def _new_password_field() -> PasswordField:
    """The new-password field shared by change, reset and invitation."""
    return PasswordField(
        _l("New password"),
        description=_l("At least %(min)d characters, with letters and digits.", min=MIN_LENGTH),
        validators=[DataRequired(message=_l("Enter a new password.")), StrongPassword()],
    )


def _confirmation_field() -> PasswordField:
    """The same password typed again."""
    return PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Type the new password again.")),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
    )


class SignInForm(PortalForm):
    """E-mail and password."""

    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=max_length(User.email)),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH)],
    )
    remember = BooleanField(_l("Keep me signed in"))
    submit = SubmitField(_l("Sign in"))


class PasswordChangeForm(PortalForm):
    """The current password, then the new one twice."""

    user_email = ""
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(message=_l("Enter your current password.")),
            Length(max=MAX_LENGTH),
        ],
    )
    new_password = _new_password_field()
    confirm_password = _confirmation_field()
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(PortalForm):
    """The e-mail to send a reset link to."""

    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=max_length(User.email)),
        ],
    )
    submit = SubmitField(_l("Send the link"))


class NewPasswordForm(PortalForm):
    """A new password from a reset link."""

    user_email = ""
    new_password = _new_password_field()
    confirm_password = _confirmation_field()
    submit = SubmitField(_l("Save the password"))


class AcceptInvitationForm(PortalForm):
    """The invited person's name and their first password."""

    user_email = ""
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=max_length(User.name)),
        ],
    )
    new_password = _new_password_field()
    confirm_password = _confirmation_field()
    submit = SubmitField(_l("Join the team"))
