"""What the customer reads about refused cards and declined charges."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.domain.payment_lifecycle import DeclineCode as DECLINE_CODES
from portal.domain.payment_lifecycle import PaymentEvent, refusal_event
from portal.payments.cards import CardBrand, CardError
from portal.payments.messages import (
    cancellation_message,
    card_error_message,
    decline_message,
    retry_message,
)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            CardError("number", "brand_refused", CardBrand.DINERS),
            "Diners Club cards are not accepted. We accept Visa and Mastercard.",
        ),
        (
            CardError("number", "brand_refused", CardBrand.UNKNOWN),
            "This card brand is not accepted. We accept Visa and Mastercard.",
        ),
        (CardError("number", "number_invalid"), "This card number is not valid."),
        (CardError("expiry", "expired"), "This card has expired."),
    ],
)
def test_card_errors_are_specific(app, error, message):
    with app.test_request_context():
        assert card_error_message(error) == message


def test_card_errors_are_translated(app):
    error = CardError("number", "brand_refused", CardBrand.AMEX)
    with app.test_request_context(headers={"Accept-Language": "it"}):
        message = card_error_message(error)
    # Whatever the catalog says, the brand is named and the message is a sentence.
    assert "American Express" in message


def test_every_decline_code_has_its_own_message(app):
    with app.test_request_context():
        messages = {
            decline_message(code)
            if refusal_event(code) is PaymentEvent.DECLINE
            else cancellation_message(code)
            for code in DECLINE_CODES
        }
        assert len(messages) == len(DECLINE_CODES)
        assert decline_message(None) not in messages
        assert decline_message("something_new") == decline_message(None)


def test_a_cancellation_says_nothing_was_charged_and_nothing_waits(app):
    with app.test_request_context():
        for code in (DECLINE_CODES.PAYPAL_CANCELLED, DECLINE_CODES.AUTHENTICATION_FAILED):
            message = cancellation_message(code)
            assert "nothing was charged" in message.lower()
            assert "try again now" in message


@pytest.mark.parametrize(
    ("language", "too_many", "within_hour"),
    [
        (
            "en",
            "You can try again after Nov 22, 2026, 3:05\u202fPM CET.",
            "Try it again after Nov 22, 2026, 3:05\u202fPM CET, or",
        ),
        (
            "it",
            "Puoi riprovare dopo il 22 nov 2026, 15:05 CET.",
            "Riprova dopo il 22 nov 2026, 15:05 CET oppure",
        ),
        (
            "fr",
            "Vous pourrez réessayer après le 22 nov. 2026, 15:05 CET.",
            "Réessayez après le 22 nov. 2026, 15:05 CET ou",
        ),
    ],
)
def test_retry_time_reads_as_a_time_of_day_with_its_zone(app, language, too_many, within_hour):
    retry_at = datetime(2026, 11, 22, 14, 5, 59)  # UTC, as stored
    with app.test_request_context(headers={"Accept-Language": language}):
        assert too_many in retry_message(retry_at, too_many=True)
        assert within_hour in retry_message(retry_at, too_many=False)
