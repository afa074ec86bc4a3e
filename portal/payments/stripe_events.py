"""Stripe's webhook events, each handled once, fed to the payment lifecycle's settlement.

The return page, the reconciliation and these events all end in `payments.settle` (or
`payments.give_back`) with the gateway's current answer, so whichever arrives first wins and
the others change nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.domain.payment_lifecycle import PaymentStatus
from portal.extensions import db
from portal.models import Payment
from portal.payments import lifecycle as payments
from portal.payments.gateway import GatewayError, gateway
from portal.payments.stripe_gateway import StripeEvent

log = logging.getLogger(__name__)

PAYMENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")
REFUND_EVENTS = ("charge.refunded",)


def _claim(event_id: str, kind: str) -> bool:
    """Record the event; False when it was handled before (a replay)."""
    db.session.rollback()
    db.session.add(StripeEvent(event_id=event_id, type=kind))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _payment_of(intent: dict[str, Any]) -> Payment | None:
    """The portal's payment of a PaymentIntent: by its reference, or by the key in metadata
    (an event can arrive before the portal recorded the reference)."""
    found = db.session.scalar(select(Payment).where(Payment.gateway_reference == intent["id"]))
    key = intent["payment_key"]
    if found is None and key:
        found = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
    return found


class MalformedEvent(ValueError):
    """A signed event the portal cannot read: a field missing or of the wrong type."""


# What the stripe_events table holds (its columns are 80 characters); Stripe's own ids are
# about 30 characters long.
MAX_ID_LENGTH = 80


def _text(value: Any, what: str, *, optional: bool = False) -> str | None:
    """A non-empty string of at most MAX_ID_LENGTH characters (or None when optional)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise MalformedEvent(f"{what} is not an id")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any]:
    """A JSON object."""
    if not isinstance(value, dict):
        raise MalformedEvent(f"{what} is not an object")
    return value


def read_event(event: Any) -> tuple[str, str, dict[str, Any] | None]:
    """The event's id, type and, for a type the portal handles, the intent it is about
    ({"id": ..., "payment_key": ...}, id None when a refund names none); MalformedEvent when
    a field is missing or of the wrong type."""
    event = _mapping(event, "the event")
    event_id = _text(event.get("id"), "id")
    kind = _text(event.get("type"), "type")
    assert event_id is not None and kind is not None
    if kind not in PAYMENT_EVENTS + REFUND_EVENTS:
        return event_id, kind, None
    obj = _mapping(_mapping(event.get("data"), "data").get("object"), "data.object")
    if kind in REFUND_EVENTS:
        intent_id = _text(obj.get("payment_intent"), "payment_intent", optional=True)
        return event_id, kind, {"id": intent_id, "payment_key": None}
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = {}
    key = _mapping(metadata, "metadata").get("payment_key")
    return (
        event_id,
        kind,
        {
            "id": _text(obj.get("id"), "data.object.id"),
            "payment_key": _text(key, "payment_key", optional=True),
        },
    )


def handle(event: Any) -> None:
    """Handle one verified event; unknown types and replays are answered without effect,
    an event about an intent the portal does not know is logged and ignored. MalformedEvent
    (nothing recorded) when the event cannot be read."""
    event_id, kind, intent = read_event(event)
    if intent is None:
        return
    if not _claim(event_id, kind):
        log.info("Stripe event %s replayed: ignored", event_id)
        return
    if not intent["id"]:
        log.warning("Stripe event %s names no payment intent: ignored", event_id)
        return
    payment = _payment_of(intent)
    if payment is None:
        log.warning("Stripe event %s for an unknown payment %s", event_id, intent["id"])
        return
    if payment.gateway_reference not in (None, intent["id"]):
        # The key of one of ours on another intent: not the charge the portal made.
        log.warning(
            "Stripe event %s: intent %s carries the key of payment %s, whose intent is %s",
            event_id,
            intent["id"],
            payment.id,
            payment.gateway_reference,
        )
        return
    payment_id, owed = payment.id, payment.refund_reason is not None
    db.session.rollback()
    try:
        if kind in PAYMENT_EVENTS:
            payments.settle(payment_id, gateway().retrieve(intent["id"]))
        elif owed and payment.status is not PaymentStatus.REFUNDED:
            payments.give_back(payment_id)
        else:
            log.warning("charge of payment %s refunded outside the portal", payment_id)
    except GatewayError:
        # Not handled after all: forgotten, so Stripe's retry of the event is handled then.
        log.exception("could not settle payment %s from Stripe event %s", payment_id, event_id)
        db.session.rollback()
        db.session.execute(delete(StripeEvent).where(StripeEvent.event_id == event_id))
        db.session.commit()
        raise
