"""An SMTP server that is down never blocks or undoes a payment."""

from __future__ import annotations

import pytest

from portal import clock as portal_clock
from portal.documents import pdf as documents
from portal.mail.outbox import BACKOFF
from tests.mail.conftest import assert_paid_and_queued, buy, free_port, queued_emails


@pytest.fixture
def mail_settings() -> dict[str, object]:
    """A port nobody listens on."""
    return {"MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": free_port()}


def test_closed_port_keeps_the_payment_and_retries_later(customer, clock):
    response = buy(customer)
    assert_paid_and_queued(customer, response)
    [email] = queued_emails(customer.app)
    assert "refused" in email.last_error.lower()
    assert portal_clock.as_utc(email.next_attempt_at) == clock() + BACKOFF[0]


def test_a_document_that_cannot_be_rendered_is_retried(customer, monkeypatch):
    def broken(invoice):
        raise RuntimeError("font missing")

    monkeypatch.setattr(documents, "invoice_pdf_bytes", broken)
    response = buy(customer)
    assert_paid_and_queued(customer, response)
    assert queued_emails(customer.app)[0].last_error == "RuntimeError: font missing"
