"""The sandbox's 3-D Secure and PayPal pages, driven as a customer would."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account, Role
from portal.payments.cards import parse_card
from portal.payments.gateway import ChargeResult, ChargeStatus, customer_reference, gateway
from tests.clock import Clock, clock_on
from tests.conftest import csrf_token_from

EMAIL = "owner@sandbox.example.com"
RETURN_URL = "/package?payment=done"


@pytest.fixture
def clock() -> Clock:
    """22 November 2026."""
    return clock_on(date(2026, 11, 22))


@pytest.fixture
def owner(factory) -> int:
    """An owner of a customer account; returns the account id."""
    account_id = factory.account("Sandbox S.r.l.")
    factory.user(EMAIL, Role.OWNER, account_id)
    factory.user("italiano@sandbox.example.com", Role.BILLING_ADMIN, account_id, locale="it")
    return account_id


def start_charge(app, kind: str, amount: int = 123456, key: str = "pay-1") -> ChargeResult:
    """A charge that waits for the customer: "sca" (test card 3184) or "paypal"."""
    with app.app_context():
        if kind == "sca":
            card = parse_card(
                number="4000 0027 6000 3184",
                expiry="12/30",
                cvc="987",
                holder="Ada",
                today=date(2026, 11, 22),
            )
            token = gateway().tokenize_card(card).token
        else:
            token = gateway().link_paypal("ada@example.com")
        account_id = db.session.scalar(select(func.min(Account.id)))
        created = gateway().create_payment(
            token=token,
            amount_minor=amount,
            currency="EUR",
            idempotency_key=key,
            description="Pro, 5 agents",
            customer=customer_reference(account_id),
        )
        assert created.status is ChargeStatus.REQUIRES_CONFIRMATION
        return gateway().confirm_payment(created.reference, return_url=RETURN_URL)


def retrieve(app, reference: str) -> ChargeResult:
    """The charge as the gateway reports it now."""
    with app.app_context():
        return gateway().retrieve(reference)


def decide(client, url: str, button: str):
    """Open the page and press a button with the page's CSRF token."""
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf_token_from(page.text), button: "x"})


def test_challenge_page_shows_the_amount_and_both_buttons(app, client, auth, owner):
    pending = start_charge(app, "sca")
    auth.login(EMAIL)
    page = client.get(pending.action_url)
    assert page.status_code == 200
    assert "€1,234.56" in page.text
    assert "Pro, 5 agents" in page.text
    assert 'value="Confirm payment"' in page.text
    assert 'value="Refuse payment"' in page.text


def test_amount_and_buttons_are_in_the_viewers_locale(app, client, auth, owner):
    pending = start_charge(app, "sca")
    auth.login("italiano@sandbox.example.com")
    page = client.get(pending.action_url).text
    assert "1.234,56\xa0€" in page
    assert 'value="Conferma il pagamento"' in page and 'value="Rifiuta il pagamento"' in page
    assert "fallire" not in page


@pytest.mark.parametrize(
    ("kind", "button", "status", "decline_code"),
    [
        ("sca", "approve", ChargeStatus.SUCCEEDED, None),
        ("sca", "fail", ChargeStatus.DECLINED, "authentication_failed"),
        ("paypal", "approve", ChargeStatus.SUCCEEDED, None),
        ("paypal", "cancel", ChargeStatus.DECLINED, "paypal_cancelled"),
    ],
)
def test_a_decision_is_recorded_and_goes_back(
    app, client, auth, owner, kind, button, status, decline_code
):
    pending = start_charge(app, kind)
    assert pending.status is ChargeStatus.REQUIRES_ACTION
    auth.login(EMAIL)
    response = decide(client, pending.action_url, button)
    assert response.status_code == 302
    assert response.headers["Location"] == RETURN_URL
    result = retrieve(app, pending.reference)
    assert (result.status, result.decline_code, result.action_url) == (status, decline_code, None)


@pytest.mark.parametrize(
    ("kind", "first", "second"), [("sca", "fail", "approve"), ("paypal", "cancel", "approve")]
)
def test_a_decided_charge_cannot_be_decided_again(app, client, auth, owner, kind, first, second):
    pending = start_charge(app, kind)
    auth.login(EMAIL)
    decide(client, pending.action_url, first)
    decided = retrieve(app, pending.reference)
    page = client.get(pending.action_url)
    assert "already" in page.text
    assert 'value="Approve' not in page.text
    again = client.post(
        pending.action_url, data={"csrf_token": csrf_token_from(page.text), second: "x"}
    )
    assert again.status_code == 302
    assert again.headers["Location"] == RETURN_URL
    assert retrieve(app, pending.reference) == decided


def test_the_pages_need_a_signed_in_user(app, client, owner):
    pending = start_charge(app, "sca")
    response = client.get(pending.action_url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert retrieve(app, pending.reference).status is ChargeStatus.REQUIRES_ACTION


def test_a_forged_decision_is_refused(app, client, auth, owner):
    pending = start_charge(app, "sca")
    auth.login(EMAIL)
    response = client.post(pending.action_url, data={"csrf_token": "forged", "approve": "x"})
    assert response.status_code == 400
    assert retrieve(app, pending.reference).status is ChargeStatus.REQUIRES_ACTION


def test_a_post_without_a_decision_is_refused(app, client, auth, owner):
    pending = start_charge(app, "paypal")
    auth.login(EMAIL)
    page = client.get(pending.action_url)
    response = client.post(pending.action_url, data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 400
    assert retrieve(app, pending.reference).status is ChargeStatus.REQUIRES_ACTION


def test_unknown_or_mismatched_references_are_404(app, client, auth, owner):
    sca = start_charge(app, "sca", key="a")
    paypal = start_charge(app, "paypal", key="b")
    auth.login(EMAIL)
    assert client.get("/sandbox/3ds/ch_unknown").status_code == 404
    assert client.get(f"/sandbox/paypal/{sca.reference}").status_code == 404
    assert client.get(f"/sandbox/3ds/{paypal.reference}").status_code == 404


def test_references_are_unguessable(app, owner):
    references = {start_charge(app, "sca", key=f"k{n}").reference for n in range(5)}
    assert len(references) == 5
    assert all(len(reference) >= 32 for reference in references)


@pytest.mark.parametrize("kind", ["sca", "paypal"])
def test_another_accounts_user_cannot_open_or_decide_the_page(
    app, client, auth, owner, factory, kind
):
    pending = start_charge(app, kind)
    other = factory.account("Other S.r.l.")
    factory.user("other@example.com", Role.OWNER, other)
    auth.login("other@example.com")
    assert client.get(pending.action_url).status_code == 404
    forged = client.post(pending.action_url, data={"approve": "x"})
    assert forged.status_code in (400, 404)
    assert retrieve(app, pending.reference).status is ChargeStatus.REQUIRES_ACTION
