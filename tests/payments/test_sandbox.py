"""The sandbox gateway: test card outcomes, idempotency, decisions, retrieval and refunds."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account
from portal.payments import sandbox
from portal.payments.cards import CardBrand, parse_card
from portal.payments.gateway import ChargeStatus, IdempotencyKeyReused, gateway
from portal.payments.sandbox import (
    TEST_CARDS,
    SandboxCharge,
    SandboxGateway,
    SandboxRefund,
    decide,
)

TODAY = date(2026, 11, 22)


def token_for(number: str, expiry: str = "12/30") -> str:
    """Tokenize a card with the sandbox, as the payment methods page does."""
    card = parse_card(number=number, expiry=expiry, cvc="987", holder="Ada", today=TODAY)
    return SandboxGateway().tokenize_card(card).token


def create(token: str, key: str = "key-1", amount: int = 1234, currency: str = "EUR"):
    """The gateway's payment object, unconfirmed."""
    return gateway().create_payment(
        token=token,
        amount_minor=amount,
        currency=currency,
        idempotency_key=key,
        description="Standard, 3 agents",
        customer="account-1",
    )


def charge(token: str, key: str = "key-1", amount: int = 1234, currency: str = "EUR"):
    """Create and confirm through the app's gateway, as the payment lifecycle does."""
    created = create(token, key, amount, currency)
    return gateway().confirm_payment(created.reference, return_url="/wizard/return")


def charge_rows() -> int:
    """How many charges the sandbox holds."""
    return db.session.scalar(select(func.count()).select_from(SandboxCharge))


# Tokens: no app needed -------------------------------------------------------------------


@pytest.mark.parametrize("number", [card.number for card in TEST_CARDS] + ["4111111111111111"])
def test_tokens_never_contain_the_card_number(number: str) -> None:
    card = parse_card(number=number, expiry="12/30", cvc="987", holder="Ada", today=TODAY)
    saved = SandboxGateway().tokenize_card(card)
    digits = number.replace(" ", "")
    assert digits not in saved.token
    assert digits[:6] not in saved.token
    assert saved.token.startswith("tok_")
    assert (saved.last4, saved.exp_month, saved.exp_year) == (digits[-4:], 12, 2030)


def test_each_tokenization_gives_a_new_token() -> None:
    assert token_for("4242424242424242") != token_for("4242424242424242")


def test_mastercard_brand_is_reported() -> None:
    card = parse_card(
        number="5555 5555 5555 4444", expiry="12/30", cvc="987", holder="Ada", today=TODAY
    )
    assert SandboxGateway().tokenize_card(card).brand is CardBrand.MASTERCARD


def test_paypal_tokens_need_an_email() -> None:
    assert SandboxGateway().link_paypal("ada@example.com").startswith("pp_")
    with pytest.raises(ValueError, match="e-mail"):
        SandboxGateway().link_paypal("not an address")


# Charges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "status", "decline_code"),
    [
        ("4242 4242 4242 4242", ChargeStatus.SUCCEEDED, None),
        ("5555 5555 5555 4444", ChargeStatus.SUCCEEDED, None),
        ("4000 0000 0000 0002", ChargeStatus.DECLINED, "card_declined"),
        ("4000 0000 0000 9995", ChargeStatus.DECLINED, "insufficient_funds"),
        ("4000 0000 0000 0069", ChargeStatus.DECLINED, "expired_card"),
        ("4111 1111 1111 1111", ChargeStatus.SUCCEEDED, None),
        ("2223 0031 2200 3222", ChargeStatus.SUCCEEDED, None),
    ],
)
def test_each_test_card_has_its_outcome(app, number, status, decline_code) -> None:
    with app.app_context():
        result = charge(token_for(number))
        assert (result.status, result.decline_code, result.action_url) == (
            status,
            decline_code,
            None,
        )
        assert result.reference.startswith("ch_")
        assert gateway().retrieve(result.reference) == result


def test_the_expired_test_card_has_a_future_date_and_is_refused_at_charge(app) -> None:
    with app.app_context():
        token = token_for("4000 0000 0000 0069", expiry="12/35")
        assert charge(token).decline_code == "expired_card"


def test_the_sca_card_requires_the_challenge_page(app) -> None:
    with app.app_context():
        result = charge(token_for("4000 0027 6000 3184"))
        assert result.status is ChargeStatus.REQUIRES_ACTION
        assert result.action_url == f"http://localhost/sandbox/3ds/{result.reference}"
        assert gateway().retrieve(result.reference).status is ChargeStatus.REQUIRES_ACTION


def test_paypal_requires_the_approval_page(app) -> None:
    with app.app_context():
        result = charge(gateway().link_paypal("ada@example.com"))
        assert result.status is ChargeStatus.REQUIRES_ACTION
        assert result.action_url == f"http://localhost/sandbox/paypal/{result.reference}"


def test_action_urls_are_built_inside_a_request_too(app) -> None:
    with app.test_request_context("/anything"):
        result = charge(token_for("4000 0027 6000 3184"))
        assert result.action_url == f"http://localhost/sandbox/3ds/{result.reference}"


def test_action_urls_are_on_the_public_url_with_its_path_prefix(app) -> None:
    app.config["PUBLIC_URL"] = "https://billing.example.com/portal"
    with app.app_context():
        result = charge(gateway().link_paypal("ada@example.com"))
        assert result.action_url == (
            f"https://billing.example.com/portal/sandbox/paypal/{result.reference}"
        )
    with app.test_request_context("/anything", headers={"Host": "127.0.0.1:5000"}):
        result = charge(token_for("4000 0027 6000 3184"), key="key-2")
        assert result.action_url == (
            f"https://billing.example.com/portal/sandbox/3ds/{result.reference}"
        )


def test_an_unknown_token_is_declined(app) -> None:
    with app.app_context():
        result = charge("tok_made_up")
        assert (result.status, result.decline_code) == (ChargeStatus.DECLINED, "card_declined")


@pytest.mark.parametrize(("amount", "currency"), [(0, "EUR"), (-5, "EUR"), (100, "GBP")])
def test_nonsense_amounts_and_currencies_are_refused(app, amount, currency) -> None:
    with app.app_context():
        with pytest.raises(ValueError):
            charge(token_for("4242424242424242"), amount=amount, currency=currency)
        assert charge_rows() == 0


def test_the_same_key_charges_once(app) -> None:
    with app.app_context():
        token = token_for("4242424242424242")
        first = charge(token, key="pay-42")
        second = charge(token, key="pay-42")
        assert first == second
        assert charge_rows() == 1
        assert charge(token, key="pay-43").reference != first.reference
        assert charge_rows() == 2


def test_a_repeated_decline_is_the_same_decline(app) -> None:
    with app.app_context():
        token = token_for("4000 0000 0000 0002")
        assert charge(token, key="k") == charge(token, key="k")
        assert charge_rows() == 1


def test_a_key_reused_for_another_charge_is_a_bug_not_a_charge(app) -> None:
    with app.app_context():
        token = token_for("4242424242424242")
        charge(token, key="k", amount=1000)
        with pytest.raises(IdempotencyKeyReused):
            charge(token, key="k", amount=2000)
        with pytest.raises(IdempotencyKeyReused):
            charge(token_for("4242424242424242"), key="k", amount=1000)
        assert charge_rows() == 1


def test_concurrent_retries_with_one_key_charge_once(app) -> None:
    with app.app_context():
        token = token_for("4242424242424242")
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    references: list[str] = []
    errors: list[BaseException] = []

    def pay() -> None:
        with app.app_context():
            barrier.wait()
            try:
                references.append(charge(token, key="double-click").reference)
            except BaseException as error:  # reported below, in the test's own thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(references)) == 1
    with app.app_context():
        assert charge_rows() == 1


def test_the_sandbox_leaves_the_callers_session_alone(app, factory) -> None:
    account_id = factory.account("Untouched S.r.l.")
    with app.app_context():
        account = db.session.get(Account, account_id)
        account.name = "Changed but not committed"
        result = charge(token_for("4242424242424242"))
        assert account in db.session.dirty
        db.session.rollback()
        # The charge is the gateway's record: it stays; the caller's change did not leak out.
        assert db.session.get(SandboxCharge, result.reference) is not None
        assert db.session.get(Account, account_id).name == "Untouched S.r.l."


# Decisions and retrieval (the pages themselves are tested in tests/web) ------------------


@pytest.mark.parametrize(
    ("make_token", "approved", "status", "decline_code"),
    [
        ("sca", True, ChargeStatus.SUCCEEDED, None),
        ("sca", False, ChargeStatus.DECLINED, "authentication_failed"),
        ("paypal", True, ChargeStatus.SUCCEEDED, None),
        ("paypal", False, ChargeStatus.DECLINED, "paypal_cancelled"),
    ],
)
def test_retrieve_after_a_decision(app, make_token, approved, status, decline_code) -> None:
    with app.app_context():
        token = (
            token_for("4000 0027 6000 3184")
            if make_token == "sca"
            else gateway().link_paypal("ada@example.com")
        )
        pending = charge(token)
        stored = db.session.get(SandboxCharge, pending.reference)
        assert sandbox.decide(stored, approved) is True
        result = gateway().retrieve(pending.reference)
        assert (result.status, result.decline_code, result.action_url) == (
            status,
            decline_code,
            None,
        )
        # Decided once: a second decision changes nothing.
        assert sandbox.decide(stored, not approved) is False
        assert gateway().retrieve(pending.reference) == result
        # And a retry of the charge answers with the decided result.
        assert charge(token) == result


def test_retrieve_of_an_unknown_reference(app) -> None:
    with app.app_context(), pytest.raises(LookupError):
        gateway().retrieve("ch_does_not_exist")


# Refunds ---------------------------------------------------------------------------------


def succeeded_charge(amount: int = 1000) -> str:
    """The reference of a succeeded charge."""
    return charge(token_for("4242424242424242"), key=f"charge-{amount}", amount=amount).reference


def refund_rows() -> int:
    """How many refunds the sandbox holds."""
    return db.session.scalar(select(func.count()).select_from(SandboxRefund))


def test_a_refund_is_recorded_once_per_key(app) -> None:
    with app.app_context():
        reference = succeeded_charge()
        first = gateway().refund(reference=reference, amount_minor=1000, idempotency_key="r1")
        again = gateway().refund(reference=reference, amount_minor=1000, idempotency_key="r1")
        assert first.succeeded
        assert first == again
        assert first.reference.startswith("re_")
        assert refund_rows() == 1


def test_refunds_never_exceed_the_charge(app) -> None:
    with app.app_context():
        reference = succeeded_charge(1000)
        refund = gateway().refund
        assert refund(reference=reference, amount_minor=600, idempotency_key="a").succeeded
        assert not refund(reference=reference, amount_minor=401, idempotency_key="b").succeeded
        assert refund(reference=reference, amount_minor=400, idempotency_key="c").succeeded
        assert not refund(reference=reference, amount_minor=1, idempotency_key="d").succeeded
        # A refused refund is remembered with its key too.
        assert not refund(reference=reference, amount_minor=1, idempotency_key="d").succeeded
        assert refund_rows() == 4


def test_more_than_charged_is_refused_at_once(app) -> None:
    with app.app_context():
        reference = succeeded_charge(1000)
        result = gateway().refund(reference=reference, amount_minor=1001, idempotency_key="x")
        assert not result.succeeded


def test_declined_or_pending_charges_cannot_be_refunded(app) -> None:
    with app.app_context():
        declined = charge(token_for("4000 0000 0000 0002"), key="d").reference
        pending = charge(token_for("4000 0027 6000 3184"), key="p").reference
        for reference in (declined, pending):
            result = gateway().refund(
                reference=reference, amount_minor=1, idempotency_key=reference
            )
            assert not result.succeeded


def test_refund_key_reuse_and_unknown_charges(app) -> None:
    with app.app_context():
        reference = succeeded_charge(1000)
        gateway().refund(reference=reference, amount_minor=100, idempotency_key="k")
        with pytest.raises(IdempotencyKeyReused):
            gateway().refund(reference=reference, amount_minor=200, idempotency_key="k")
        with pytest.raises(LookupError):
            gateway().refund(reference="ch_nope", amount_minor=100, idempotency_key="other")
        with pytest.raises(ValueError):
            gateway().refund(reference=reference, amount_minor=0, idempotency_key="zero")


def test_a_created_payment_moves_no_money_until_it_is_confirmed(app) -> None:
    with app.app_context():
        token = token_for("4242424242424242")
        created = create(token, key="two-phase")
        assert created.status is ChargeStatus.REQUIRES_CONFIRMATION
        assert gateway().retrieve(created.reference).status is ChargeStatus.REQUIRES_CONFIRMATION
        # Creating again with the key finds the same object: a lost reference is found again.
        assert create(token, key="two-phase").reference == created.reference
        confirmed = gateway().confirm_payment(created.reference, return_url="/r")
        assert confirmed.status is ChargeStatus.SUCCEEDED
        # A second confirmation changes nothing and answers the same.
        assert gateway().confirm_payment(created.reference, return_url="/r") == confirmed


def test_a_cancelled_payment_can_never_be_charged(app) -> None:
    with app.app_context():
        created = create(token_for("4242424242424242"), key="cancel-me")
        assert gateway().cancel(created.reference).status is ChargeStatus.CANCELLED
        after = gateway().confirm_payment(created.reference, return_url="/r")
        assert after.status is ChargeStatus.CANCELLED
        refused = gateway().refund(
            reference=created.reference, amount_minor=1234, idempotency_key="nothing"
        )
        assert not refused.succeeded


def test_cancelling_a_succeeded_payment_leaves_it_succeeded(app) -> None:
    with app.app_context():
        paid = charge(token_for("4242424242424242"), key="too-late")
        assert gateway().cancel(paid.reference).status is ChargeStatus.SUCCEEDED


def test_a_pending_3ds_payment_cancelled_cannot_be_approved_later(app) -> None:
    with app.app_context():
        pending = charge(token_for("4000 0027 6000 3184"), key="sca-cancel")
        assert pending.status is ChargeStatus.REQUIRES_ACTION
        gateway().cancel(pending.reference)
        row = db.session.get(SandboxCharge, pending.reference)
        assert not decide(row, approved=True)
        assert gateway().retrieve(pending.reference).status is ChargeStatus.CANCELLED


def test_a_payment_is_found_again_by_its_key_for_its_customer_only(app) -> None:
    with app.app_context():
        created = create(token_for("4242424242424242"), key="lost-reference")
        found = gateway().find_payment(idempotency_key="lost-reference", customer="account-1")
        assert found is not None and found.reference == created.reference
        assert (
            gateway().find_payment(idempotency_key="lost-reference", customer="account-2") is None
        )
        assert gateway().find_payment(idempotency_key="never-made", customer="account-1") is None
