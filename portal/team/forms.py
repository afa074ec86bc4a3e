"""Team forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class BillingAdminForm(FlaskForm):
    """Grant or withdraw the billing admin role; the button says which."""

    grant = HiddenField(validators=[AnyOf(["1", "0"])])
