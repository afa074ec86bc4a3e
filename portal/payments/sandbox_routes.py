"""The sandbox gateway's own pages: the 3-D Secure challenge and the PayPal approval."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SubmitField

from portal.forms import PortalForm
from portal.payments.gateway import ChargeStatus, customer_reference
from portal.payments.sandbox import (
    TEST_CARDS,
    Action,
    Behaviour,
    SandboxCharge,
    charge_for_page,
    decide,
)
from portal.safe_gettext import lazy_gettext as _l

# Like a processor's hosted page, a sandbox page needs the charge's unguessable reference; and
# as the processor knows its customer, only a signed-in user of the paying account decides it.
bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


class ChallengeForm(PortalForm):
    """The bank's 3-D Secure question: confirm or refuse the payment."""

    approve = SubmitField(_l("Confirm payment"))
    fail = SubmitField(_l("Refuse payment"))


class PayPalForm(PortalForm):
    """PayPal's approval question: approve or cancel."""

    approve = SubmitField(_l("Approve payment"))
    cancel = SubmitField(_l("Cancel"))


def _charge(reference: str, action: Action) -> SandboxCharge:
    """The charge behind the page, or 404."""
    account_id = getattr(current_user, "account_id", None)
    charge = charge_for_page(reference, action, customer_reference(account_id))
    if charge is None:
        abort(404)
    return charge


def _render(charge: SandboxCharge, form: FlaskForm, template: str) -> str:
    """The page, with the decision buttons only while the charge waits for one."""
    return render_template(
        template,
        charge=charge,
        form=form,
        pending=charge.status == ChargeStatus.REQUIRES_ACTION,
    )


def _decide(charge: SandboxCharge, approved: bool, refused: bool) -> Response:
    """Record the first decision and send the customer back to the shop."""
    if approved == refused:
        abort(400)  # neither button, or a forged post with both
    # A second decision (double click, back button) changes nothing and goes back the same way.
    decide(charge, approved)
    return redirect(charge.return_url)


@bp.get("/3ds/<reference>")
@login_required
def challenge(reference: str) -> str:
    """The issuer's challenge with the amount, as a bank's 3-D Secure page shows it."""
    charge = _charge(reference, Action.THREE_D_SECURE)
    return _render(charge, ChallengeForm(), "sandbox/challenge.html")


@bp.post("/3ds/<reference>")
@login_required
def decide_challenge(reference: str) -> Response:
    """Approve or fail the authentication."""
    charge = _charge(reference, Action.THREE_D_SECURE)
    form = ChallengeForm()
    if not form.validate_on_submit():
        abort(400)
    return _decide(charge, form.approve.data, form.fail.data)


@bp.get("/paypal/<reference>")
@login_required
def paypal(reference: str) -> str:
    """PayPal's approval page with the amount."""
    charge = _charge(reference, Action.PAYPAL)
    return _render(charge, PayPalForm(), "sandbox/paypal.html")


@bp.post("/paypal/<reference>")
@login_required
def decide_paypal(reference: str) -> Response:
    """Approve or cancel the PayPal payment."""
    charge = _charge(reference, Action.PAYPAL)
    form = PayPalForm()
    if not form.validate_on_submit():
        abort(400)
    return _decide(charge, form.approve.data, form.cancel.data)


def sandbox_card_help() -> list[tuple[str, str, str]]:
    """Number, brand and translated outcome of each test card, for the help box."""
    outcomes = {
        Behaviour.SUCCEED: _("Payment succeeds"),
        Behaviour.DECLINE: _("Declined by the bank"),
        Behaviour.INSUFFICIENT_FUNDS: _("Declined: insufficient funds"),
        Behaviour.EXPIRED_CARD: _("Refused as expired when charged"),
        Behaviour.AUTHENTICATE: _("Asks for 3-D Secure authentication"),
    }
    return [(card.number, card.brand, outcomes[card.behaviour]) for card in TEST_CARDS]
