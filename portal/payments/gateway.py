"""The payment gateway interface: what the portal asks of any card and PayPal processor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, cast

from flask import current_app

from portal.domain.payment_lifecycle import DeclineCode
from portal.payments.cards import CardBrand, CardDetails

if TYPE_CHECKING:
    from portal.payments.stripe_gateway import CardSetup

EXTENSION_KEY = "portal.gateway"


class ChargeStatus(StrEnum):
    """Where a payment stands at the gateway."""

    REQUIRES_CONFIRMATION = "requires_confirmation"  # created; no money can have moved
    REQUIRES_ACTION = "requires_action"  # the customer must act at `action_url` (SCA, PayPal)
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # given up before it was confirmed; it can never be charged
    PENDING = "pending"  # confirmed, the outcome not known yet (asked again later)


@dataclass(frozen=True)
class ChargeResult:
    """The gateway's answer about one payment object."""

    status: ChargeStatus
    reference: str
    decline_code: DeclineCode | None = None
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

    # True where cards are typed into the gateway's own form in the browser (Stripe.js), not
    # into the portal's: such a gateway also answers start_card_setup and finish_card_setup.
    collects_cards_in_browser: bool

    def start_card_setup(self, customer: str) -> CardSetup:
        """What the browser needs to collect a card (gateways that collect cards in the browser)."""
        ...

    def finish_card_setup(self, customer: str, setup_id: str) -> SavedCard:
        """The card a browser-side setup saved (gateways that collect cards in the browser)."""
        ...

    def create_payment(
        self,
        *,
        token: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        description: str,
        customer: str,
        off_session: bool = False,
    ) -> ChargeResult:
        """Create the payment object, unconfirmed: its reference exists before money can move.

        Once per idempotency key: creating again with the same key answers with the same
        object. `off_session` is a payment made with nobody at the screen (a renewal): it cannot ask
        for 3-D Secure or a PayPal approval, so confirming it succeeds or is declined.
        `customer` names the portal account, so only its users can act on the payment.
        """
        ...

    def confirm_payment(self, reference: str, *, return_url: str) -> ChargeResult:
        """Confirm a created payment (money moves, or the customer is asked to act).

        Confirming one that is already confirmed answers with where it stands.
        """
        ...

    def find_payment(self, *, idempotency_key: str, customer: str) -> ChargeResult | None:
        """The payment object created with this key, if one was; how a reference lost in a
        crash (between creating it and recording it) is found again."""
        ...

    def retrieve(self, reference: str) -> ChargeResult:
        """Where a payment stands now (after the customer's SCA or PayPal step, or a crash)."""
        ...

    def cancel(self, reference: str) -> ChargeResult:
        """Give up a payment that was not charged; one that succeeded meanwhile stays so."""
        ...

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Refund part or all of a succeeded charge, once per idempotency key."""
        ...


def gateway() -> PaymentGateway:
    """The gateway this app was configured with."""
    return cast(PaymentGateway, current_app.extensions[EXTENSION_KEY])
