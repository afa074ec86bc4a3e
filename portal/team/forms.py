"""Team forms."""

from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import AnyOf

from portal.forms import PortalForm


class BillingAdminForm(PortalForm):
    """Grant or withdraw the billing admin role; the button says which."""

    grant = HiddenField(validators=[AnyOf(["1", "0"])])
