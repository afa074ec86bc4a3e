"""A payment's states and the transitions between them, as data (no Flask, no database).

A payment is recorded before the gateway is asked (``created``), gets the gateway's payment
object and its reference before any money can move (``processing``), may wait for the
customer's 3-D Secure or PayPal step (``requires_action``), and ends ``succeeded``,
``declined`` (the bank refused it), ``cancelled`` (the customer cancelled it at the gateway's
page), ``abandoned`` (given up, never charged) or ``refunded`` (charged, then given back).
Only a decline makes the customer wait before trying the method again; a cancellation is the
customer's own choice, and nothing waits (`REFUSAL_EVENT` says which refusal is which).
Every change of state goes through `transition`, so a state the table does not allow is a
bug that stops, never a payment that silently ends somewhere it should not be.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class PaymentStatus(StrEnum):
    """Where a payment stands."""

    CREATED = "created"  # recorded; the gateway has not been asked, nothing can be charged
    PROCESSING = "processing"  # the gateway's payment object exists; the outcome is not known
    REQUIRES_ACTION = "requires_action"  # waiting for the customer's 3-D Secure or PayPal step
    SUCCEEDED = "succeeded"  # charged (or nothing was due) and what it paid for is applied
    DECLINED = "declined"  # the bank refused it; nothing was charged; a retry waits an hour
    CANCELLED = "cancelled"  # the customer cancelled it (PayPal, 3-D Secure); nothing waits
    ABANDONED = "abandoned"  # given up before any money moved
    REFUNDED = "refunded"  # charged, then given back in full


class PaymentEvent(StrEnum):
    """What can happen to a payment."""

    ATTACH = "attach"  # the gateway's payment object was created and its reference stored
    REQUIRE_ACTION = "require_action"
    SUCCEED = "succeed"
    DECLINE = "decline"  # the bank (or the gateway for it) refused the payment
    CANCEL = "cancel"  # the customer cancelled at the gateway's page, or failed 3-D Secure
    ABANDON = "abandon"
    REFUND = "refund"


class PaymentPurpose(StrEnum):
    """What a payment pays for."""

    CHECKOUT = "checkout"  # a change confirmed in the wizard or on the seat page
    INVOICE = "invoice"  # an open invoice, paid by the customer
    RENEWAL = "renewal"  # an open renewal invoice, charged by the renewal run
    QUOTE = "quote"  # the first invoice of an accepted sales quote


class DeclineCode(StrEnum):
    """Why a payment did not go through, each with its own message: the bank's refusals and
    the customer's own cancellations (`REFUSAL_EVENT` says which is which)."""

    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"
    AUTHENTICATION_FAILED = "authentication_failed"
    AUTHENTICATION_REQUIRED = "authentication_required"  # off-session, the bank wants SCA
    PAYPAL_CANCELLED = "paypal_cancelled"


class RefundReason(StrEnum):
    """Why money was given back; kept apart from why a payment was declined."""

    FULL_REFUND = "full_refund"  # the customer asked within the refund window
    CONFIRMED_TOO_LATE = "confirmed_too_late"  # approved after the payment was given up
    INVOICE_CLOSED = "invoice_closed"  # the invoice was paid or cancelled meanwhile
    ORDER_CHANGED = "order_changed"  # the package (or the quote) changed since it was confirmed


S, E = PaymentStatus, PaymentEvent

TRANSITIONS: Mapping[tuple[PaymentStatus, PaymentEvent], PaymentStatus] = {
    (S.CREATED, E.ATTACH): S.PROCESSING,
    (S.CREATED, E.SUCCEED): S.SUCCEEDED,  # nothing due: account credit covered it
    (S.CREATED, E.ABANDON): S.ABANDONED,  # the gateway was never reached, or never confirmed
    (S.PROCESSING, E.REQUIRE_ACTION): S.REQUIRES_ACTION,
    (S.PROCESSING, E.SUCCEED): S.SUCCEEDED,
    (S.PROCESSING, E.DECLINE): S.DECLINED,
    (S.PROCESSING, E.CANCEL): S.CANCELLED,  # the answer to the customer's step came first
    (S.PROCESSING, E.ABANDON): S.ABANDONED,
    (S.PROCESSING, E.REFUND): S.REFUNDED,  # charged, but no longer wanted
    (S.REQUIRES_ACTION, E.SUCCEED): S.SUCCEEDED,
    (S.REQUIRES_ACTION, E.DECLINE): S.DECLINED,
    (S.REQUIRES_ACTION, E.CANCEL): S.CANCELLED,
    (S.REQUIRES_ACTION, E.ABANDON): S.ABANDONED,
    (S.REQUIRES_ACTION, E.REFUND): S.REFUNDED,
    (S.SUCCEEDED, E.REFUND): S.REFUNDED,
    (S.ABANDONED, E.REFUND): S.REFUNDED,  # the bank confirmed it after all: the money goes back
}

IN_FLIGHT = frozenset({S.CREATED, S.PROCESSING, S.REQUIRES_ACTION})
FINAL = frozenset({S.DECLINED, S.CANCELLED, S.REFUNDED})
# The gateway may hold money for a payment in these states (so a refund may be owed).
MAY_HAVE_CHARGED = frozenset({S.PROCESSING, S.REQUIRES_ACTION, S.SUCCEEDED, S.ABANDONED})

D = DeclineCode

# Which event a refusal is. The customer's own cancellation (PayPal's Cancel, closing or
# failing the 3-D Secure step) is not a decline: the method may be tried again at once.
REFUSAL_EVENT: Mapping[DeclineCode, PaymentEvent] = {
    D.CARD_DECLINED: E.DECLINE,
    D.INSUFFICIENT_FUNDS: E.DECLINE,
    D.EXPIRED_CARD: E.DECLINE,
    D.AUTHENTICATION_REQUIRED: E.DECLINE,  # off-session: nobody was there to be asked
    D.AUTHENTICATION_FAILED: E.CANCEL,
    D.PAYPAL_CANCELLED: E.CANCEL,
}


def refusal_event(code: DeclineCode) -> PaymentEvent:
    """DECLINE for the bank's refusal, CANCEL for the customer's own cancellation."""
    return REFUSAL_EVENT[code]


class IllegalTransition(RuntimeError):
    """The table does not allow this event in this state."""

    def __init__(self, status: PaymentStatus, event: PaymentEvent) -> None:
        super().__init__(f"a payment {status.value} cannot {event.value}")
        self.status = status
        self.event = event


def transition(status: PaymentStatus, event: PaymentEvent) -> PaymentStatus:
    """The state after the event, or IllegalTransition."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise IllegalTransition(status, event) from None


def allows(status: PaymentStatus, event: PaymentEvent) -> bool:
    """Whether the event may happen in this state."""
    return (status, event) in TRANSITIONS
