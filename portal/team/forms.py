"""Team forms."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length

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
    """Remove a user or hand over ownership: the CSRF token is all it carries."""
