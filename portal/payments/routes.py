"""The way back from a payment, the same for every purpose: one "after payment", one return.

Whether the customer pressed Pay (the wizard, the seat page, an open invoice, a quote's
checkout) or comes back from the bank's 3-D Secure page or PayPal, `after_payment` decides
where the outcome leads: a paid payment to its purpose's page, one waiting for the customer
to the gateway's page, any other back to the page it was paid from, saying what happened.
Each purpose says where that is (`PaymentPages`); `portal.payment_purposes` names them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from portal.models import BILLING_ROLES, Payment, PaymentPurpose
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import Outcome, PayResult
from portal.public_url import public_url_for
from portal.security import current_account_id, roles_required

bp = Blueprint("payments", __name__)

PAGES_KEY = "portal.payment_pages"


class PaymentPages(Protocol):
    """Where one purpose's customer goes once a payment is decided."""

    def paid(self, result: PayResult) -> ResponseReturnValue:
        """The page of a paid payment (a confirmation, or a list with a message)."""
        ...

    def not_paid(self, result: PayResult) -> ResponseReturnValue:
        """Any other outcome: the page it was paid from again, with what happened."""
        ...


# A purpose's pages for one of its stored payments (the way back from the gateway); aborts
# with 404 for a payment they cannot show.
PagesOfPayment = Callable[[Payment], PaymentPages]


def after_payment(result: PayResult, pages: PaymentPages) -> ResponseReturnValue:
    """Where a payment's outcome leads, for every purpose."""
    if result.outcome is Outcome.PAID:
        return pages.paid(result)
    if result.outcome in (Outcome.ACTION_REQUIRED, Outcome.IN_PROGRESS) and result.action_url:
        # The bank's 3-D Secure page or PayPal's approval, where the customer acts.
        return redirect(result.action_url)
    return pages.not_paid(result)


def return_url(payment_id: int) -> str:
    """Where the gateway sends the customer back to after its page, on the public URL."""
    return public_url_for("payments.payment_return", payment_id=payment_id)


def init_app(app: Flask, pages: Mapping[PaymentPurpose, PagesOfPayment]) -> None:
    """The way back, with the pages of every purpose a customer pays on the site."""
    app.extensions[PAGES_KEY] = dict(pages)
    app.register_blueprint(bp)


@bp.get("/payments/<int:payment_id>/return")
@roles_required(*BILLING_ROLES)
def payment_return(payment_id: int) -> ResponseReturnValue:
    """Back from the 3-D Secure or PayPal page: settle the payment as the gateway says."""
    payment = payments.account_payment(current_account_id(), payment_id)
    purpose_pages: Mapping[PaymentPurpose, PagesOfPayment] = current_app.extensions[PAGES_KEY]
    pages_of = purpose_pages.get(payment.purpose) if payment is not None else None
    if payment is None or pages_of is None:
        abort(404)  # another account's, or a renewal's (nobody is at the screen for those)
    pages = pages_of(payment)
    result = payments.complete_action(current_account_id(), payment_id)
    assert result is not None
    return after_payment(result, pages)


# Each purpose's way back before there was one. A payment in flight when the portal was
# updated still carries its old address: each leads to the one way back.
LEGACY_RETURNS = {
    "/package/edit/payments/<int:payment_id>/return": PaymentPurpose.CHECKOUT,
    "/billing/invoices/payments/<int:payment_id>/return": PaymentPurpose.INVOICE,
    "/quotes/payments/<int:payment_id>/return": PaymentPurpose.QUOTE,
}


@roles_required(*BILLING_ROLES)
def legacy_return(payment_id: int) -> Response:
    """An older way back, for its own purpose's payments of the account: to the one way back."""
    assert request.url_rule is not None
    payment = payments.account_payment(current_account_id(), payment_id)
    if payment is None or payment.purpose is not LEGACY_RETURNS[request.url_rule.rule]:
        abort(404)
    return redirect(url_for("payments.payment_return", payment_id=payment_id))


for _rule in LEGACY_RETURNS:
    bp.add_url_rule(_rule, view_func=legacy_return, methods=["GET"])
