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
from portal.payments.gateway import GatewayError, gateway
from portal.payments.stripe_gateway import StripeEvent
from portal.services import payments

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
    key = (intent.get("metadata") or {}).get("payment_key")
    if found is None and key:
        found = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
    return found


def handle(event: dict[str, Any]) -> None:
    """Handle one verified event; unknown types and replays are answered without effect."""
    kind = event["type"]
    if kind not in PAYMENT_EVENTS + REFUND_EVENTS:
        return
    if not _claim(event["id"], kind):
        log.info("Stripe event %s replayed: ignored", event["id"])
        return
    obj = event["data"]["object"]
    intent = obj if kind in PAYMENT_EVENTS else {"id": obj.get("payment_intent"), "metadata": {}}
    if not intent.get("id"):
        return
    payment = _payment_of(intent)
    if payment is None:
        log.warning("Stripe event %s for an unknown payment %s", event["id"], intent["id"])
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
        log.exception("could not settle payment %s from Stripe event %s", payment_id, event["id"])
        db.session.rollback()
        db.session.execute(delete(StripeEvent).where(StripeEvent.event_id == event["id"]))
        db.session.commit()
        raise
