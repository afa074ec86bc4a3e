"""In French: 3 → 5 agents charges what the summary showed; 5 → 3 leaves credit on My package."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Invoice, Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def french_customer(factory) -> int:
    """A French owner of a Standard monthly EUR account with 3 agents, paying by card."""
    account_id = factory.account("Boulangerie Dupont SARL", country="IT")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user("owner@dupont.example.com", Role.OWNER, account_id, locale="fr")
    return account_id


def test_raise_then_lower_agents_in_french(chromium, live_url, app, french_customer):
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@dupont.example.com")
        page.fill("#password", PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(re.compile(r"/package$"))

        page.goto(f"{live_url}/billing/payment-methods/")
        page.fill("#holder", "Marie Dupont")
        page.fill("#number", "4242424242424242")
        page.fill("#expiry", "12/34")
        page.fill("#cvc", "123")
        page.locator("form[action$='/cards'] [type=submit]").click()

        page.goto(f"{live_url}/package/edit/seats")
        page.click("button[value='agents:1']")
        expect(page.locator("[data-delta=agents]")).to_have_text("+1 agent")
        page.click("button[value='agents:1']")
        expect(page.locator("[data-delta=agents]")).to_have_text("+2 agents")
        summary = page.locator("#summary").inner_text()
        assert "45,00\u00a0€" in summary
        assert "-27,00\u00a0€" in summary
        due = page.locator('#summary [data-figure="due"]').inner_text()
        assert due == "21,96\u00a0€"
        page.click("button.pay")
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))

        page.goto(f"{live_url}/package/edit/seats")
        page.fill("#agents", "3")
        page.locator("#agents").dispatch_event("change")
        expect(page.locator("[data-delta=agents]")).to_have_text("−2 agents")
        page.click("button.pay")
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
        page.goto(f"{live_url}/package")
        assert "21,96\u00a0€" in page.locator("main").inner_text()
    finally:
        context.close()
    with app.app_context():
        account = db.session.get(Account, french_customer)
        assert account.subscription.agents == 3
        assert account.credit_minor == 2196
        charged = db.session.scalars(select(Invoice.total_minor).order_by(Invoice.id)).all()
        assert charged == [2196, -2196]
