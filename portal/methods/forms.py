"""Payment method forms: the card number and CVC are never written back into a page."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from wtforms import BooleanField, EmailField, Field, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import TextInput

from portal.forms import PortalForm
from portal.models import PaymentMethod
from portal.models.columns import max_length
from portal.safe_gettext import lazy_gettext as _l

HOLDER_LENGTH = max_length(PaymentMethod.holder)
PAYPAL_EMAIL_LENGTH = max_length(PaymentMethod.paypal_email)


def _strip(value: str | None) -> str | None:
    """Surrounding spaces are a copy-and-paste accident, not part of the value."""
    return value.strip() if isinstance(value, str) else value


class BlankTextInput(TextInput):
    """A text input that always renders empty, whatever was posted (card number, CVC)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        """Render with an empty value."""
        kwargs["value"] = ""
        return super().__call__(field, **kwargs)


class CardForm(PortalForm):
    """A new card; the checks of the number, expiry and CVC are `parse_card`'s."""

    holder = StringField(
        _l("Name on card"),
        validators=[Length(max=HOLDER_LENGTH, message=_l("Use at most %(max)d characters."))],
        render_kw={"autocomplete": "cc-name", "maxlength": HOLDER_LENGTH},
    )
    number = StringField(
        _l("Card number"),
        widget=BlankTextInput(),
        validators=[Length(max=40, message=_l("This card number is not valid."))],
        render_kw={"autocomplete": "cc-number", "inputmode": "numeric", "maxlength": 40},
    )
    expiry = StringField(
        _l("Expiry date (MM/YY)"),
        validators=[Length(max=12, message=_l("Enter the expiry date as MM/YY."))],
        render_kw={"autocomplete": "cc-exp", "placeholder": _l("MM/YY"), "maxlength": 12},
    )
    cvc = StringField(
        _l("Security code (CVC)"),
        widget=BlankTextInput(),
        validators=[
            Length(
                max=8,
                message=_l("Enter the 3-digit security code (CVC) from the back of the card."),
            )
        ],
        render_kw={"autocomplete": "cc-csc", "inputmode": "numeric", "maxlength": 4},
    )
    make_default = BooleanField(_l("Make default"))
    submit = SubmitField(_l("Add card"))


class PayPalForm(PortalForm):
    """A PayPal account, by its e-mail address."""

    email = EmailField(
        _l("PayPal e-mail"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the e-mail address of your PayPal account.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=PAYPAL_EMAIL_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"autocomplete": "email", "maxlength": PAYPAL_EMAIL_LENGTH},
    )
    make_default = BooleanField(_l("Make default"))
    submit = SubmitField(_l("Link PayPal"))


class MethodActionForm(PortalForm):
    """Make default or remove: a button and the CSRF token."""
