"""Team forms."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length

from portal.domain.passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from portal.forms import PortalForm
from portal.models import Role, User
from portal.models.columns import max_length
from portal.safe_gettext import lazy_gettext as _l


class BillingAdminForm(PortalForm):
    """Grant or withdraw the billing admin role; the button says which."""

    grant = HiddenField(validators=[AnyOf(["1", "0"])])


class InviteForm(PortalForm):
    """Who to invite, by e-mail, and as what."""

    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("Enter the e-mail address to invite.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=max_length(User.email)),
        ],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the person's name.")),
            Length(max=max_length(User.name)),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.MEMBER.value, _l("Agent")),
            SelectChoice(Role.BILLING_ADMIN.value, _l("Billing admin")),
        ],
        default=Role.MEMBER.value,
    )
    submit = SubmitField(_l("Send the invitation"))


class TeamActionForm(PortalForm):
    """Remove a user once asked to confirm: the CSRF token is all it carries."""


class HandOverForm(PortalForm):
    """The owner's own password, which confirms handing the account over."""

    password = PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Enter your password to hand over ownership.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )
    submit = SubmitField(_l("Hand over ownership"))
