"""Every payment purpose, named once: what its success does and where its customer goes.

The payment lifecycle and the way back from the gateway ask these maps, built when the app
is created, instead of each purpose registering itself as a side effect of an import.
"""

from __future__ import annotations

from flask import Flask

from portal.checkout import CheckoutHandler
from portal.domain.payment_lifecycle import PaymentPurpose
from portal.invoices.payment import OpenInvoiceHandler
from portal.invoices.routes import InvoicePages
from portal.payments import lifecycle as payments
from portal.payments import routes as payment_routes
from portal.payments.lifecycle import PurposeHandler
from portal.payments.routes import PagesOfPayment
from portal.quotes.routes import QuotePages
from portal.quotes.workflow import AcceptedQuoteHandler
from portal.wizard.routes import CheckoutPages


def purpose_handlers() -> dict[PaymentPurpose, PurposeHandler]:
    """What the success of each purpose's payment does."""
    open_invoice = OpenInvoiceHandler()
    return {
        PaymentPurpose.CHECKOUT: CheckoutHandler(),
        PaymentPurpose.INVOICE: open_invoice,
        PaymentPurpose.RENEWAL: open_invoice,  # a renewal pays its open invoice
        PaymentPurpose.QUOTE: AcceptedQuoteHandler(),
    }


def purpose_pages() -> dict[PaymentPurpose, PagesOfPayment]:
    """Where the customer of each purpose paid on the site goes after the gateway's page.

    Renewals have none: nobody is at the screen when the renewal run charges.
    """
    return {
        PaymentPurpose.CHECKOUT: CheckoutPages.of_payment,
        PaymentPurpose.INVOICE: InvoicePages.of_payment,
        PaymentPurpose.QUOTE: QuotePages.of_payment,
    }


def init_app(app: Flask) -> None:
    """Give the app every purpose's handler, and the way back with every purpose's pages."""
    payments.install_handlers(app, purpose_handlers())
    payment_routes.init_app(app, purpose_pages())
