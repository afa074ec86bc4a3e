"""Every payment purpose is named once, when the app is created: what its success does and
the pages its customer comes back to."""

from __future__ import annotations

import pytest
from flask import Flask

from portal import create_app
from portal.checkout import CheckoutHandler
from portal.domain.payment_lifecycle import PaymentPurpose
from portal.invoices.payment import OpenInvoiceHandler
from portal.invoices.routes import InvoicePages
from portal.payment_purposes import purpose_handlers
from portal.payments.lifecycle import HANDLERS_KEY, install_handlers
from portal.payments.routes import PAGES_KEY
from portal.quotes.routes import QuotePages
from portal.quotes.workflow import AcceptedQuoteHandler
from portal.wizard.routes import CheckoutPages


def test_every_purpose_has_its_handler_when_the_app_is_created() -> None:
    app = create_app({"TESTING": True})
    handlers = app.extensions[HANDLERS_KEY]
    assert {purpose: type(handler) for purpose, handler in handlers.items()} == {
        PaymentPurpose.CHECKOUT: CheckoutHandler,
        PaymentPurpose.INVOICE: OpenInvoiceHandler,
        PaymentPurpose.RENEWAL: OpenInvoiceHandler,
        PaymentPurpose.QUOTE: AcceptedQuoteHandler,
    }


def test_a_purpose_without_a_handler_stops_start_up() -> None:
    handlers = purpose_handlers()
    del handlers[PaymentPurpose.RENEWAL]
    app = Flask(__name__)
    with pytest.raises(LookupError, match="no payment handler for renewal"):
        install_handlers(app, handlers)
    assert HANDLERS_KEY not in app.extensions


def test_every_purpose_paid_on_the_site_has_its_pages_for_the_way_back() -> None:
    app = create_app({"TESTING": True})
    pages = app.extensions[PAGES_KEY]
    assert pages == {
        PaymentPurpose.CHECKOUT: CheckoutPages.of_payment,
        PaymentPurpose.INVOICE: InvoicePages.of_payment,
        PaymentPurpose.QUOTE: QuotePages.of_payment,
    }
    assert PaymentPurpose.RENEWAL not in pages  # charged with nobody at the screen
