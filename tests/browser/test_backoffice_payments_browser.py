"""In Italian and French: the back office's payments tab names every payment state in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import MethodKind, Payment, PaymentPurpose, PaymentStatus, Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

S = PaymentStatus
# What staff read for each state (a card payment; PayPal waits for PayPal, not 3-D Secure).
LABELS = {
    "it": {
        S.CREATED: "Creato",
        S.PROCESSING: "In elaborazione",
        S.REQUIRES_ACTION: "In attesa di 3-D Secure",
        S.SUCCEEDED: "Riuscito",
        S.DECLINED: "Rifiutato",
        S.ABANDONED: "Abbandonato",
        S.CANCELLED: "Annullato",
        S.REFUNDED: "Rimborsato",
        "paypal": "In attesa di PayPal",
    },
    "fr": {
        S.CREATED: "Créé",
        S.PROCESSING: "En cours",
        S.REQUIRES_ACTION: "En attente de 3-D Secure",
        S.SUCCEEDED: "Réussi",
        S.DECLINED: "Refusé",
        S.ABANDONED: "Abandonné",
        S.CANCELLED: "Annulé",
        S.REFUNDED: "Remboursé",
        "paypal": "En attente de PayPal",
    },
}
ENGLISH = {"Created", "Processing", "Succeeded", "Declined", "Abandoned", "Cancelled", "Refunded"}


@pytest.fixture
def account_with_payments(app, factory, clock) -> int:
    """An account with one card payment in every state and a PayPal one waiting, newest first
    in that order; staff speaking Italian and French."""
    account_id = factory.account("Boulangerie Dvořák SARL", country="FR")
    factory.subscription(account_id, anchor=clock.today())
    factory.user("staff-it@vendor.example.com", Role.STAFF, locale="it")
    factory.user("staff-fr@vendor.example.com", Role.STAFF, locale="fr")
    rows = [(status, MethodKind.CARD) for status in PaymentStatus]
    rows.append((S.REQUIRES_ACTION, MethodKind.PAYPAL))
    with app.app_context():
        for index, (status, kind) in enumerate(rows):
            db.session.add(
                Payment(
                    account_id=account_id,
                    idempotency_key=f"browser-{index}",
                    method_label="PayPal" if kind is MethodKind.PAYPAL else "Visa •••• 4242",
                    method_kind=kind,
                    status=status,
                    purpose=PaymentPurpose.CHECKOUT,
                    amount_minor=1830 + index,
                    currency="EUR",
                    created_at=clock() - timedelta(minutes=index),
                )
            )
        db.session.commit()
    return account_id


def _sign_in(page: Page, base: str, email: str) -> None:
    """Sign in through the form."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["it", "fr"])
def test_every_payment_state_is_shown_translated(
    chromium, live_url, account_with_payments, language
):
    context = chromium.new_context(locale=f"{language}-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        _sign_in(page, live_url, f"staff-{language}@vendor.example.com")
        page.goto(f"{live_url}/backoffice/accounts/{account_with_payments}?show=payments")
        expect(page.locator("html")).to_have_attribute("lang", language)
        rows = page.locator("main table tbody tr")
        expect(rows).to_have_count(len(PaymentStatus) + 1)
        shown = [rows.nth(i).locator("td").nth(3).inner_text().strip() for i in range(rows.count())]
        labels = LABELS[language]
        assert shown == [labels[status] for status in PaymentStatus] + [labels["paypal"]]
        raw = {status.value for status in PaymentStatus} | {"requires_approval"}
        table = page.locator("main table").inner_text()
        assert not [word for word in raw | ENGLISH if word in table.split()]
    finally:
        context.close()
