"""What a form accepts is what its column holds: the lengths are the model's, written once."""

from __future__ import annotations

import pytest
from wtforms import SelectField

from portal.auth.forms import AcceptInvitationForm, ForgotPasswordForm, SignInForm
from portal.billing.forms import BillingInfoForm
from portal.billing.info import FIELDS
from portal.forms import field_maximum
from portal.methods.forms import CardForm, PayPalForm
from portal.models import BillingInfo, PaymentMethod, User
from portal.models.columns import max_length
from portal.team.forms import InviteForm

# The VAT ID is typed with spaces and dots ("IT 123.456.789 01") and kept compact.
# Typed with spaces (or in another case) and stored compact: the form takes a little more.
TYPED_LONGER = {"vat_id", "recipient_code", "tax_code"}


def test_a_string_columns_length_is_read_from_the_model():
    assert max_length(User.email) == 254
    assert max_length(BillingInfo.postal_code) == 20
    with pytest.raises(TypeError):
        max_length(BillingInfo.cc_emails)


def test_the_billing_info_form_takes_what_its_columns_hold(app):
    with app.test_request_context():
        form = BillingInfoForm(meta={"csrf": False})
    checked = 0
    for name in FIELDS:
        column = BillingInfo.__table__.columns[name]
        length = getattr(column.type, "length", None)
        if length is None or name in TYPED_LONGER or isinstance(form[name], SelectField):
            continue  # a choice is one of the offered values
        assert field_maximum(form[name]) == length, name
        checked += 1
    assert checked == 8  # purchase_order and the PEC address included


@pytest.mark.parametrize(
    ("form_class", "field", "attribute"),
    [
        (SignInForm, "email", User.email),
        (ForgotPasswordForm, "email", User.email),
        (AcceptInvitationForm, "name", User.name),
        (InviteForm, "email", User.email),
        (InviteForm, "name", User.name),
        (CardForm, "holder", PaymentMethod.holder),
        (PayPalForm, "email", PaymentMethod.paypal_email),
    ],
)
def test_a_form_takes_what_its_column_holds(app, form_class, field, attribute):
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
    assert field_maximum(form[field]) == max_length(attribute)
