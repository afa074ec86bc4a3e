"""The subscription lifecycle table: every allowed transition, and every other one refused."""

from __future__ import annotations

import itertools

import pytest

from portal.domain.subscription_lifecycle import (
    INITIAL,
    LIVE,
    IllegalTransition,
    SubscriptionEvent,
    SubscriptionStatus,
    allows,
    transition,
)

S, E = SubscriptionStatus, SubscriptionEvent

ALLOWED = {
    (S.ACTIVE, E.BUY): S.ACTIVE,
    (S.BLOCKED, E.BUY): S.ACTIVE,
    (S.ACTIVE, E.RENEWAL_UNPAID): S.PAST_DUE,
    (S.PAST_DUE, E.RENEWAL_UNPAID): S.PAST_DUE,
    (S.ACTIVE, E.PAY): S.ACTIVE,
    (S.PAST_DUE, E.PAY): S.ACTIVE,
    (S.BLOCKED, E.PAY): S.ACTIVE,
    (S.ACTIVE, E.BLOCK): S.BLOCKED,
    (S.PAST_DUE, E.BLOCK): S.BLOCKED,
}
EVERY_PAIR = list(itertools.product(SubscriptionStatus, SubscriptionEvent))


@pytest.mark.parametrize(("pair", "after"), ALLOWED.items(), ids=lambda v: str(v))
def test_allowed_transitions(pair, after):
    status, event = pair
    assert allows(status, event)
    assert transition(status, event) is after


@pytest.mark.parametrize("pair", [p for p in EVERY_PAIR if p not in ALLOWED], ids=str)
def test_every_other_transition_is_refused(pair):
    status, event = pair
    assert not allows(status, event)
    with pytest.raises(IllegalTransition, match=f"{status.value} cannot {event.value}"):
        transition(status, event)


def test_a_package_bought_on_free_starts_active():
    assert INITIAL is S.ACTIVE


def test_a_past_due_account_pays_its_renewal_before_it_buys_anything():
    assert not allows(S.PAST_DUE, E.BUY)
    assert transition(S.PAST_DUE, E.PAY) is S.ACTIVE


def test_paying_the_open_balance_reactivates_at_once_from_any_state():
    for status in SubscriptionStatus:
        assert transition(status, E.PAY) is S.ACTIVE


def test_only_live_subscriptions_fall_due_or_get_blocked():
    assert frozenset({S.ACTIVE, S.PAST_DUE}) == LIVE
    for status in SubscriptionStatus:
        assert allows(status, E.RENEWAL_UNPAID) is (status in LIVE)
        assert allows(status, E.BLOCK) is (status in LIVE)
