"""The payment gateway interface: what the portal asks of any card and PayPal processor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, cast

from flask import current_app

from portal.payments.cards import CardBrand, CardDetails

EXTENSION_KEY = "portal.gateway"

# Why a charge was declined; the portal shows each with its own message.
DECLINE_CODES = (
    "card_declined",
    "insufficient_funds",
    "expired_card",
    "authentication_failed",
    "authentication_required",
    "paypal_cancelled",
)


class ChargeStatus(StrEnum):
    """Where a charge stands at the gateway."""

    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    REQUIRES_ACTION = "requires_action"  # the customer must act at `action_url` (SCA, PayPal)


@dataclass(frozen=True)
class ChargeResult:
    """The gateway's answer about one charge."""

    status: ChargeStatus
    reference: str
    decline_code: str | None = None
    action_url: str | None = None


@dataclass(frozen=True)
class SavedCard:
    """What the gateway hands back for a card: a token and what may be shown, never the number."""

    token: str
    brand: CardBrand
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class RefundResult:
    """The gateway's answer about one refund."""

    reference: str
    succeeded: bool


class GatewayError(Exception):
    """The gateway could not be reached or answered nonsense; nothing is known to be charged."""


class IdempotencyKeyReused(ValueError):
    """An idempotency key came back with a different token or amount: a caller's bug."""


class PaymentGateway(Protocol):
    """A card and PayPal processor; every call that moves money is idempotent by key."""

    def tokenize_card(self, card: CardDetails) -> SavedCard:
        """Exchange a card for a reusable token."""
        ...

    def link_paypal(self, email: str) -> str:
        """Link a PayPal account; returns its token."""
        ...

    def charge(
        self,
        *,
        token: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        description: str,
        return_url: str,
        off_session: bool = False,
    ) -> ChargeResult:
        """Charge a token once per idempotency key; a repeat returns the first result.

        `off_session` is a charge made with nobody at the screen (a renewal): it cannot ask for
        3-D Secure or a PayPal approval, so it succeeds or is declined.
        """
        ...

    def retrieve(self, reference: str) -> ChargeResult:
        """The current state of a charge (after the customer's SCA or PayPal step)."""
        ...

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Refund part or all of a succeeded charge, once per idempotency key."""
        ...


def gateway() -> PaymentGateway:
    """The gateway this app was configured with."""
    return cast(PaymentGateway, current_app.extensions[EXTENSION_KEY])
