"""Every payment purpose, named once: what its success does.

The payment lifecycle asks this map, built when the app is created, instead of each
purpose registering itself as a side effect of importing its module.
"""

from __future__ import annotations

from flask import Flask

from portal.domain.payment_lifecycle import PaymentPurpose
from portal.services import payments
from portal.services.checkout import CheckoutHandler
from portal.services.invoice_payment import OpenInvoiceHandler
from portal.services.payments import PurposeHandler
from portal.services.quotes import AcceptedQuoteHandler


def purpose_handlers() -> dict[PaymentPurpose, PurposeHandler]:
    """What the success of each purpose's payment does."""
    open_invoice = OpenInvoiceHandler()
    return {
        PaymentPurpose.CHECKOUT: CheckoutHandler(),
        PaymentPurpose.INVOICE: open_invoice,
        PaymentPurpose.RENEWAL: open_invoice,  # a renewal pays its open invoice
        PaymentPurpose.QUOTE: AcceptedQuoteHandler(),
    }


def init_app(app: Flask) -> None:
    """Give the app every purpose's handler."""
    payments.install_handlers(app, purpose_handlers())
