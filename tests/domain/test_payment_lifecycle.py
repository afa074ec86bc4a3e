"""The payment lifecycle table: every allowed transition, and every other one refused."""

from __future__ import annotations

import itertools

import pytest

from portal.domain.payment_lifecycle import (
    FINAL,
    IN_FLIGHT,
    MAY_HAVE_CHARGED,
    REFUSAL_EVENT,
    DeclineCode,
    IllegalTransition,
    PaymentEvent,
    PaymentStatus,
    allows,
    refusal_event,
    transition,
)

S, E = PaymentStatus, PaymentEvent

ALLOWED = {
    (S.CREATED, E.ATTACH): S.PROCESSING,
    (S.CREATED, E.SUCCEED): S.SUCCEEDED,
    (S.CREATED, E.ABANDON): S.ABANDONED,
    (S.PROCESSING, E.REQUIRE_ACTION): S.REQUIRES_ACTION,
    (S.PROCESSING, E.SUCCEED): S.SUCCEEDED,
    (S.PROCESSING, E.DECLINE): S.DECLINED,
    (S.PROCESSING, E.CANCEL): S.CANCELLED,
    (S.PROCESSING, E.ABANDON): S.ABANDONED,
    (S.PROCESSING, E.REFUND): S.REFUNDED,
    (S.REQUIRES_ACTION, E.SUCCEED): S.SUCCEEDED,
    (S.REQUIRES_ACTION, E.DECLINE): S.DECLINED,
    (S.REQUIRES_ACTION, E.CANCEL): S.CANCELLED,
    (S.REQUIRES_ACTION, E.ABANDON): S.ABANDONED,
    (S.REQUIRES_ACTION, E.REFUND): S.REFUNDED,
    (S.SUCCEEDED, E.REFUND): S.REFUNDED,
    (S.ABANDONED, E.REFUND): S.REFUNDED,
}
EVERY_PAIR = list(itertools.product(PaymentStatus, PaymentEvent))


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


def test_final_states_allow_nothing():
    for status, event in EVERY_PAIR:
        if status in FINAL:
            assert not allows(status, event)


def test_money_only_moves_after_the_gateway_object_exists():
    # From "created" no event reaches a state where the gateway may hold money unconfirmed.
    assert transition(S.CREATED, E.ATTACH) is S.PROCESSING
    assert not allows(S.CREATED, E.REFUND)
    assert not allows(S.CREATED, E.DECLINE)
    assert not allows(S.CREATED, E.REQUIRE_ACTION)


def test_in_flight_states_can_always_end():
    for status in IN_FLIGHT:
        assert allows(status, E.ABANDON)
        assert allows(status, E.SUCCEED)


def test_a_declined_payment_is_never_refunded_and_a_refund_is_never_undone():
    assert not allows(S.DECLINED, E.REFUND)
    assert not any(allows(S.REFUNDED, event) for event in PaymentEvent)


def test_a_cancelled_payment_charged_nothing_and_is_never_refunded():
    assert S.CANCELLED in FINAL
    assert S.CANCELLED not in MAY_HAVE_CHARGED
    assert not allows(S.CREATED, E.CANCEL)  # nobody was asked anything yet


@pytest.mark.parametrize(
    ("code", "event"),
    [
        (DeclineCode.CARD_DECLINED, E.DECLINE),
        (DeclineCode.INSUFFICIENT_FUNDS, E.DECLINE),
        (DeclineCode.EXPIRED_CARD, E.DECLINE),
        (DeclineCode.AUTHENTICATION_REQUIRED, E.DECLINE),
        (DeclineCode.AUTHENTICATION_FAILED, E.CANCEL),
        (DeclineCode.PAYPAL_CANCELLED, E.CANCEL),
    ],
)
def test_only_the_banks_refusals_are_declines(code, event):
    assert refusal_event(code) is event


def test_every_refusal_code_is_a_decline_or_a_cancellation():
    assert set(REFUSAL_EVENT) == set(DeclineCode)
    assert set(REFUSAL_EVENT.values()) == {E.DECLINE, E.CANCEL}
