"""A subscription's states and the transitions between them, as data (no Flask, no database).

A package bought on Free starts ``active``. At the end of its period the renewal is paid
(by the default method or account credit) and it stays active; or the renewal invoice stays
open and the subscription is ``past_due`` until it is paid. After the grace period unpaid, or
at the end of a period without auto-renewal, it is ``blocked``: back to the Free limits until
the open invoice is paid or a new package is bought. (A full refund deletes the subscription:
the account is on Free again, which is no state of a subscription.)
Every change of state goes through `transition`, so a state the table does not allow is a
bug that stops, never a subscription that silently ends somewhere it should not be.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class SubscriptionStatus(StrEnum):
    """Where a subscription stands; a blocked one is back to the Free limits."""

    ACTIVE = "active"
    PAST_DUE = "past_due"  # the renewal invoice is open: paid first, before any change
    BLOCKED = "blocked"


class SubscriptionEvent(StrEnum):
    """What can happen to a subscription."""

    BUY = "buy"  # a paid package applied: purchase, change, reactivation, accepted quote
    RENEWAL_UNPAID = "renewal_unpaid"  # the renewal invoice stays open (charge failed, no method)
    PAY = "pay"  # an open invoice of the account was paid
    BLOCK = "block"  # grace period over unpaid, or a period ended without auto-renewal


class StopReason(StrEnum):
    """Why a customer stops their subscription (turns auto-renewal off): asked, kept in the
    billing activity for the vendor to read."""

    TOO_EXPENSIVE = "too_expensive"
    MISSING_FEATURES = "missing_features"
    OTHER_PRODUCT = "other_product"
    NOT_NEEDED = "not_needed"
    OTHER = "other"


S, E = SubscriptionStatus, SubscriptionEvent

# The state of a package bought on Free (a new subscription row).
INITIAL = S.ACTIVE

TRANSITIONS: Mapping[tuple[SubscriptionStatus, SubscriptionEvent], SubscriptionStatus] = {
    (S.ACTIVE, E.BUY): S.ACTIVE,  # a change of plan, period or quantities
    (S.BLOCKED, E.BUY): S.ACTIVE,  # a new package replaces the blocked one
    (S.ACTIVE, E.RENEWAL_UNPAID): S.PAST_DUE,
    (S.PAST_DUE, E.RENEWAL_UNPAID): S.PAST_DUE,  # a later attempt failed as well
    (S.ACTIVE, E.PAY): S.ACTIVE,
    (S.PAST_DUE, E.PAY): S.ACTIVE,
    (S.BLOCKED, E.PAY): S.ACTIVE,  # paying the open balance reactivates at once
    (S.ACTIVE, E.BLOCK): S.BLOCKED,  # auto-renewal was off at the end of the period
    (S.PAST_DUE, E.BLOCK): S.BLOCKED,  # the grace period is over, still unpaid
}

# Subscriptions the renewal run charges, warns and blocks.
LIVE = frozenset({S.ACTIVE, S.PAST_DUE})


class IllegalTransition(RuntimeError):
    """The table does not allow this event in this state."""

    def __init__(self, status: SubscriptionStatus, event: SubscriptionEvent) -> None:
        super().__init__(f"a subscription {status.value} cannot {event.value}")
        self.status = status
        self.event = event


def transition(status: SubscriptionStatus, event: SubscriptionEvent) -> SubscriptionStatus:
    """The state after the event, or IllegalTransition."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise IllegalTransition(status, event) from None


def allows(status: SubscriptionStatus, event: SubscriptionEvent) -> bool:
    """Whether the event may happen in this state."""
    return (status, event) in TRANSITIONS
