"""One mapping from a payment's outcome to what the page says and the status it answers with.

The wizard, the seat page, an invoice's Pay and a quote's checkout all show a refused or
unfinished payment through `outcome_message`, so the same outcome reads the same everywhere.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal import clock
from portal.domain.payment_lifecycle import RefundReason
from portal.payments.lifecycle import Outcome, PayResult
from portal.payments.messages import cancellation_message, decline_message, retry_message

# HTTP status of the page that shows each outcome (PAID and ACTION_REQUIRED redirect instead).
STATUS = {
    Outcome.DECLINED: 402,
    Outcome.CANCELLED: 409,
    Outcome.ABANDONED: 409,
    Outcome.REFUNDED: 409,
    Outcome.PRICE_CHANGED: 409,
    Outcome.RETRY_LATER: 429,
    Outcome.TOO_MANY_ATTEMPTS: 429,
    Outcome.IN_PROGRESS: 409,
    Outcome.NO_METHOD: 409,
    Outcome.NOT_ALLOWED: 409,
}


def refund_message(reason: RefundReason | None) -> str:
    """Why a charge was given back, in words the customer can act on."""
    if reason is RefundReason.INVOICE_CLOSED:
        return _("This invoice was settled or cancelled meanwhile. The amount has been refunded.")
    if reason is RefundReason.ORDER_CHANGED:
        return _(
            "Your package changed while this payment was being confirmed. The amount has been "
            "refunded; nothing changed. Check the new summary and pay again."
        )
    return _(
        "The payment was confirmed after it had expired. The amount has been refunded; "
        "nothing changed. Please pay again."
    )


def outcome_message(result: PayResult) -> str:
    """What the page says about an outcome that did not end in a paid change."""
    if result.outcome is Outcome.DECLINED:
        return decline_message(result.decline_code)
    if result.outcome is Outcome.CANCELLED:
        return cancellation_message(result.decline_code)
    if result.outcome in (Outcome.RETRY_LATER, Outcome.TOO_MANY_ATTEMPTS):
        return retry_message(
            result.retry_at or clock.now(), too_many=result.outcome is Outcome.TOO_MANY_ATTEMPTS
        )
    if result.outcome is Outcome.REFUNDED:
        return refund_message(result.refund_reason)
    messages = {
        Outcome.ABANDONED: _(
            "This payment was not completed and nothing was charged. Please pay again."
        ),
        Outcome.PRICE_CHANGED: _(
            "The price changed since you opened this page. Check the new summary before paying."
        ),
        Outcome.NO_METHOD: _("Choose a payment method."),
        Outcome.IN_PROGRESS: _(
            "Another payment for this account is being confirmed with the payment provider. "
            "Wait for it to finish before paying again."
        ),
        Outcome.NOT_ALLOWED: _("This payment is not possible any more."),
    }
    return messages.get(
        result.outcome, _("The payment did not go through. Try another payment method.")
    )


def outcome_status(result: PayResult) -> int:
    """The HTTP status of the page showing the outcome."""
    return STATUS.get(result.outcome, 409)
