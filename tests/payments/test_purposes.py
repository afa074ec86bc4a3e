"""Every payment purpose is named once, when the app is created: what its success does."""

from __future__ import annotations

import pytest
from flask import Flask

from portal import create_app
from portal.domain.payment_lifecycle import PaymentPurpose
from portal.payment_purposes import purpose_handlers
from portal.services.checkout import CheckoutHandler
from portal.services.invoice_payment import OpenInvoiceHandler
from portal.services.payments import HANDLERS_KEY, install_handlers
from portal.services.quotes import AcceptedQuoteHandler


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
