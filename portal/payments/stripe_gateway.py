"""The Stripe gateway: cards collected by Stripe.js, PaymentIntents, refunds, webhooks.

Card numbers never reach the portal: the payment methods page saves a card through a
SetupIntent that Stripe.js confirms in the browser, and the portal keeps the PaymentMethod's
id with its brand, last four and expiry. A payment is a PaymentIntent on the account's
Stripe customer, created with the payment's idempotency key (and the key in its metadata, so
it can be found again after a crash), then confirmed. A card that asks for 3-D Secure sends
the customer to a page where Stripe.js runs the bank's check and comes back. Off-session
payments (renewals) are created and confirmed in one call, as Stripe requires; one that
needs authentication is cancelled and declined ``authentication_required``, and the
customer pays the open invoice on the site.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import DateTime, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.config import ConfigurationError
from portal.domain.money import check_currency
from portal.domain.payment_lifecycle import DeclineCode
from portal.extensions import Model, db
from portal.models.columns import utc_now
from portal.payments.cards import ACCEPTED_BRANDS, CardBrand, CardDetails, CardError
from portal.payments.gateway import (
    CardEntry,
    CardSetup,
    ChargeResult,
    ChargeStatus,
    GatewayCapabilities,
    GatewayError,
    RefundResult,
    SavedCard,
)
from portal.public_url import public_url_for

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_JS_URL = "https://js.stripe.com/v3/"
# A crash between creating a PaymentIntent and recording it is reconciled within minutes:
# the lost intent is among the account's most recent ones.
FIND_SCAN_LIMIT = 300

_STATUSES = {
    "succeeded": ChargeStatus.SUCCEEDED,
    "requires_action": ChargeStatus.REQUIRES_ACTION,
    "requires_confirmation": ChargeStatus.REQUIRES_CONFIRMATION,
    "canceled": ChargeStatus.CANCELLED,
    "processing": ChargeStatus.PENDING,
    "requires_capture": ChargeStatus.PENDING,
}


@dataclass(frozen=True)
class StripeSettings:
    """What the portal needs to talk to Stripe, all from the environment."""

    secret_key: str
    publishable_key: str
    webhook_secret: str
    api_base: str = DEFAULT_API_BASE
    js_url: str = DEFAULT_JS_URL

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> StripeSettings:
        """The settings, or ConfigurationError naming every missing one."""
        required = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")
        missing = [name for name in required if not config.get(name)]
        if missing:
            raise ConfigurationError(
                "PAYMENT_GATEWAY=stripe needs " + ", ".join(missing) + " to be set "
                "(the secret and publishable API keys and the webhook signing secret)."
            )
        return cls(
            secret_key=config["STRIPE_SECRET_KEY"],
            publishable_key=config["STRIPE_PUBLISHABLE_KEY"],
            webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
            api_base=(config.get("STRIPE_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
            js_url=config.get("STRIPE_JS_URL") or DEFAULT_JS_URL,
        )


class StripeCustomer(Model):
    """The Stripe customer of a portal account (its saved cards and payments hang on it)."""

    __tablename__ = "stripe_customers"

    customer: Mapped[str] = mapped_column(String(64), primary_key=True)
    stripe_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class StripeEvent(Model):
    """A webhook event already handled: a replay is answered without effect."""

    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


def content_security_policy(settings: StripeSettings) -> str:
    """The portal's policy, widened to Stripe.js and the API it calls."""
    origins = {_origin(settings.js_url), _origin(settings.api_base)}
    allowed = " ".join(sorted(origins | {"https://hooks.stripe.com"}))
    return (
        f"default-src 'self'; script-src 'self' {allowed}; connect-src 'self' {allowed}; "
        f"frame-src {allowed}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )


def _origin(url: str) -> str:
    """Scheme and host of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _decline_code(error: dict[str, Any] | None) -> DeclineCode:
    """Stripe's error code (and decline code) as the portal's decline code."""
    error = error or {}
    for code in (error.get("decline_code"), error.get("code")):
        if code == "payment_intent_authentication_failure":
            return DeclineCode.AUTHENTICATION_FAILED
        if code in {known.value for known in DeclineCode}:
            return DeclineCode(code)
    return DeclineCode.CARD_DECLINED


def _metadata(intent: Any) -> dict[str, str]:
    """An object's metadata as a plain dict."""
    metadata = intent.metadata
    if metadata is None:
        return {}
    return metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)


def _safe_path(url: str) -> str:
    """The path and query of a return URL: the authentication page only goes back home."""
    parts = urlsplit(url)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query else "")


class StripeGateway:
    """The PaymentGateway backed by Stripe (or a Stripe-compatible server at `api_base`)."""

    capabilities = GatewayCapabilities(
        card_entry=CardEntry.HOSTED_FIELDS, paypal=False, test_cards=False
    )

    def __init__(self, settings: StripeSettings) -> None:
        import stripe  # imported on use: ~30 MiB per process

        self.settings = settings
        self.client = stripe.StripeClient(
            settings.secret_key,
            base_addresses={"api": settings.api_base},
            max_network_retries=2,
        )

    # -- customers and cards -------------------------------------------------------------

    def customer_id(self, customer: str) -> str:
        """The Stripe customer of a portal account, created the first time it is needed."""
        with Session(db.engine, expire_on_commit=False) as session:
            known = session.get(StripeCustomer, customer)
            if known is not None:
                return known.stripe_id
            created = self._call(
                self.client.v1.customers.create,
                params={"metadata": {"portal_customer": customer}},
                options={"idempotency_key": f"customer-{customer}"},
            )
            session.add(StripeCustomer(customer=customer, stripe_id=created.id))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                known = session.get(StripeCustomer, customer)
                assert known is not None
                return known.stripe_id
            return created.id

    def start_card_setup(self, customer: str) -> CardSetup:
        """A SetupIntent for the browser to confirm with the card the customer types."""
        intent = self._call(
            self.client.v1.setup_intents.create,
            params={"customer": self.customer_id(customer), "usage": "off_session"},
        )
        return CardSetup(
            client_secret=intent.client_secret,
            publishable_key=self.settings.publishable_key,
            js_url=self.settings.js_url,
            template="stripe/_card_setup.html",
            content_security_policy=content_security_policy(self.settings),
        )

    def finish_card_setup(self, customer: str, setup_id: str) -> SavedCard:
        """The card a confirmed SetupIntent (`setup_id`) saved; another brand is detached and
        refused."""
        intent = self._call(self.client.v1.setup_intents.retrieve, setup_id)
        if intent.customer != self.customer_id(customer) or intent.status != "succeeded":
            raise CardError("number", "setup_failed")
        method_id = intent.payment_method
        if not isinstance(method_id, str):
            method_id = method_id.id
        method = self._call(self.client.v1.payment_methods.retrieve, method_id)
        card = method.card
        known = {brand.value for brand in CardBrand}
        brand = CardBrand(card.brand) if card.brand in known else CardBrand.UNKNOWN
        if brand not in ACCEPTED_BRANDS:
            self._call(self.client.v1.payment_methods.detach, method_id)
            raise CardError("number", "brand_refused", brand=brand)
        return SavedCard(
            token=method_id,
            brand=brand,
            last4=card.last4,
            exp_month=int(card.exp_month),
            exp_year=int(card.exp_year),
            fingerprint=getattr(card, "fingerprint", None) or None,
        )

    def discard_card(self, token: str) -> None:
        """Detach a card the portal does not keep from the account's Stripe customer."""
        self._call(self.client.v1.payment_methods.detach, token)

    def tokenize_card(self, card: CardDetails) -> SavedCard:
        """Never: with Stripe, card numbers go from the browser to Stripe, not through us."""
        raise GatewayError("cards are collected by Stripe.js on the payment methods page")

    def link_paypal(self, email: str) -> str:
        """PayPal is not offered through this gateway."""
        raise GatewayError("PayPal is not available with the Stripe gateway")

    # -- payments ------------------------------------------------------------------------

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
        """A PaymentIntent for the saved card; off-session ones are confirmed in the same call."""
        import stripe  # imported on use: ~30 MiB per process

        if amount_minor <= 0:
            raise ValueError("a payment must be for a positive amount")
        check_currency(currency)
        params: dict[str, Any] = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": self.customer_id(customer),
            "payment_method": token,
            "metadata": {
                "payment_key": idempotency_key,
                "portal_customer": customer,
                "description": description[:200],
            },
        }
        if off_session:
            params.update(confirm=True, off_session=True)
        try:
            intent = self._call(
                self.client.v1.payment_intents.create,
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            # Off-session and declined at once: the intent exists, found again by its key.
            found = self.find_payment(idempotency_key=idempotency_key, customer=customer)
            if found is None:
                raise GatewayError("declined, and the payment cannot be found") from error
            return found
        result = self._result(intent)
        if off_session and result.status is ChargeStatus.REQUIRES_ACTION:
            # Nobody is there to authenticate: cancelled, and declined as such.
            self._call(self.client.v1.payment_intents.cancel, intent.id)
            return ChargeResult(
                ChargeStatus.DECLINED, intent.id, DeclineCode.AUTHENTICATION_REQUIRED
            )
        return result

    def confirm_payment(self, reference: str, *, return_url: str) -> ChargeResult:
        """Confirm the intent; a card that wants 3-D Secure goes to the authentication page."""
        import stripe  # imported on use: ~30 MiB per process

        intent = self._call(self.client.v1.payment_intents.retrieve, reference)
        if intent.status == "requires_confirmation":
            try:
                intent = self._call(self.client.v1.payment_intents.confirm, reference)
            except stripe.CardError:
                intent = self._call(self.client.v1.payment_intents.retrieve, reference)
        result = self._result(intent)
        if result.status is ChargeStatus.REQUIRES_ACTION:
            action = public_url_for(
                "stripe.authenticate", reference=reference, back=_safe_path(return_url)
            )
            return ChargeResult(ChargeStatus.REQUIRES_ACTION, reference, action_url=action)
        return result

    def find_payment(self, *, idempotency_key: str, customer: str) -> ChargeResult | None:
        """The intent created with this key, among the most recent ones."""
        page = self._call(self.client.v1.payment_intents.list, params={"limit": 100})
        for seen, intent in enumerate(page.auto_paging_iter()):
            metadata = _metadata(intent)
            if metadata.get("payment_key") == idempotency_key:
                if metadata.get("portal_customer") != customer:
                    return None
                return self._result(intent)
            if seen + 1 >= FIND_SCAN_LIMIT:
                break
        return None

    def retrieve(self, reference: str) -> ChargeResult:
        """Where the intent stands now."""
        return self._result(self._call(self.client.v1.payment_intents.retrieve, reference))

    def cancel(self, reference: str) -> ChargeResult:
        """Cancel an intent that was not charged; a succeeded one is reported as it is."""
        import stripe  # imported on use: ~30 MiB per process

        intent = self._call(self.client.v1.payment_intents.retrieve, reference)
        if intent.status in ("requires_confirmation", "requires_action", "requires_payment_method"):
            try:
                intent = self._call(self.client.v1.payment_intents.cancel, reference)
            except stripe.InvalidRequestError:
                intent = self._call(self.client.v1.payment_intents.retrieve, reference)
        return self._result(intent)

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """A refund of the intent's charge through the Refunds API, once per key."""
        import stripe  # imported on use: ~30 MiB per process

        if amount_minor <= 0:
            raise ValueError("a refund must be for a positive amount")
        try:
            refund = self._call(
                self.client.v1.refunds.create,
                params={"payment_intent": reference, "amount": amount_minor},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as error:
            log.error("Stripe refused the refund of %s: %s", reference, error)
            return RefundResult(reference="", succeeded=False)
        granted = refund.status in ("succeeded", "pending")
        return RefundResult(reference=refund.id, succeeded=granted)

    def client_secret(self, reference: str, customer: str) -> str | None:
        """The secret Stripe.js needs to authenticate the intent; None if not the customer's."""
        intent = self._call(self.client.v1.payment_intents.retrieve, reference)
        if _metadata(intent).get("portal_customer") != customer:
            return None
        return intent.client_secret

    # -- helpers -------------------------------------------------------------------------

    def _result(self, intent: Any) -> ChargeResult:
        """A PaymentIntent as the portal's charge result."""
        status = _STATUSES.get(intent.status)
        if status is None:  # requires_payment_method: the last attempt failed
            error = intent.last_payment_error
            return ChargeResult(
                ChargeStatus.DECLINED,
                intent.id,
                _decline_code(error.to_dict() if hasattr(error, "to_dict") else error),
            )
        return ChargeResult(status, intent.id)

    @staticmethod
    def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call Stripe; a network or server failure is a GatewayError (nothing known)."""
        import stripe  # imported on use: ~30 MiB per process

        try:
            return function(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise GatewayError(f"Stripe is unreachable: {error}") from error
        except stripe.APIError as error:
            raise GatewayError(f"Stripe answered with an error: {error}") from error


def stripe_customer_of(stripe_id: str) -> str | None:
    """The portal account a Stripe customer belongs to."""
    return db.session.scalar(
        select(StripeCustomer.customer).where(StripeCustomer.stripe_id == stripe_id)
    )
