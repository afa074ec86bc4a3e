"""The full refund: asked for from My package, within 15 days of the first payment."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import clock
from portal.dashboard.routes import package_page
from portal.full_refund import RefundOutcome, request_refund
from portal.models import BILLING_ROLES
from portal.security import current_account_id, roles_required
from portal.web import UNPROCESSABLE

bp = Blueprint("refunds", __name__)


@bp.post("/package/refund")
@roles_required(*BILLING_ROLES)
def refund() -> Response | tuple[str, int]:
    """Refund everything and go back to Free, within 15 days of the first payment only."""
    if request.form.get("confirm") != "yes":
        return package_page(
            _("Tick the box to confirm that the account goes back to Free.")
        ), UNPROCESSABLE
    outcome = request_refund(current_account_id(), current_user.id, clock.now())
    if outcome is RefundOutcome.REFUNDED:
        flash(
            _(
                "Your payment is being refunded and its credit note is under Invoices. "
                "The account is back on the Free package."
            ),
            "success",
        )
        return redirect(url_for("dashboard.my_package"))
    errors = {
        RefundOutcome.NOT_OFFERED: (
            403,
            _(
                "A full refund can only be requested within 15 days of the first payment, "
                "while it is the only one."
            ),
        ),
        RefundOutcome.NEEDS_SUPPORT: (
            409,
            _("Your package was agreed in a quote: please contact support to end the contract."),
        ),
        RefundOutcome.IN_PROGRESS: (
            409,
            _("A payment for this account is in progress. Try again in a few minutes."),
        ),
        RefundOutcome.FAILED: (
            502,
            _("The refund could not be completed. Nothing else was changed; try again later."),
        ),
    }
    status, message = errors[outcome]
    return package_page(message), status
