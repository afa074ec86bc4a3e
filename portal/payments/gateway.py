"""The payment gateway interface: what the portal asks of any card and PayPal processor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, cast

from flask import current_app

from portal.domain.payment_lifecycle import DeclineCode
from portal.payments.cards import CardBrand, CardDetails

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
    # The gateway's own name for the card number (Stripe's fingerprint), when it has one:
    # how the same card saved twice is recognised without the portal seeing the number.
    fingerprint: str | None = None


@dataclass(frozen=True)
class RefundResult:
    """The gateway's answer about one refund."""

    reference: str
    succeeded: bool


class CardEntry(StrEnum):
    """Where the customer types a card's number and CVC."""

    # Our own form; the gateway exchanges the card for a token (`tokenize_card`).
    PORTAL_FORM = "portal_form"
    # The gateway's own fields in the browser (`start_card_setup`, then `finish_card_setup`):
    # the number goes from the browser to the gateway and never reaches the portal.
    HOSTED_FIELDS = "hosted_fields"


@dataclass(frozen=True)
class GatewayCapabilities:
    """What a gateway offers: callers ask this, never which gateway it is."""

    card_entry: CardEntry
    paypal: bool  # PayPal accounts can be linked (`link_paypal`) and paid with
    test_cards: bool  # documented test cards that move no real money (a help box, the demo data)


@dataclass(frozen=True)
class CardSetup:
    """What a page needs for the gateway's own fields to collect a card (HOSTED_FIELDS)."""

    client_secret: str
    publishable_key: str
    js_url: str
    template: str  # the fragment that draws the fields and posts what they saved
    content_security_policy: str  # the page's policy, widened to the gateway's script and API


class GatewayError(Exception):
    """The gateway could not be reached or answered nonsense; nothing is known to be charged."""


class IdempotencyKeyReused(ValueError):
    """An idempotency key came back with a different token or amount: a caller's bug."""


class PaymentGateway(Protocol):
    """A card and PayPal processor; every call that moves money is idempotent by key.

    Everything the portal asks of a gateway is declared here; what only some gateways do is
    said by `capabilities`, and the others refuse it (GatewayError).
    """

    capabilities: GatewayCapabilities

    def tokenize_card(self, card: CardDetails) -> SavedCard:
        """Exchange a card typed in the portal's form for a reusable token (PORTAL_FORM)."""
        ...

    def start_card_setup(self, customer: str) -> CardSetup:
        """Let the gateway's own fields collect a card for the customer (HOSTED_FIELDS)."""
        ...

    def finish_card_setup(self, customer: str, setup_id: str) -> SavedCard:
        """The card a browser-side setup saved (HOSTED_FIELDS)."""
        ...

    def link_paypal(self, email: str) -> str:
        """Link a PayPal account; returns its token (`capabilities.paypal`)."""
        ...

    def discard_card(self, token: str) -> None:
        """Forget a card the gateway saved that the portal does not keep (a duplicate)."""
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


def customer_reference(account_id: int | None) -> str:
    """How the portal names an account to every gateway: the customer its payments belong to."""
    return f"account-{account_id}" if account_id is not None else ""


def gateway() -> PaymentGateway:
    """The gateway this app was configured with."""
    return cast(PaymentGateway, current_app.extensions[EXTENSION_KEY])
