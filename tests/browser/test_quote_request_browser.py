"""Asking for more than 50 agents is a way to a quote, not an error, and the request then shows
on Quotes with its state.

Seen this week: 60 agents turned the field red with "Correct the highlighted fields", and right
after asking, Quotes said "no quotes yet".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def owner(factory) -> str:
    """An Italian company on Free, with its owner."""
    account_id = factory.account("Grande Rete S.p.A.", country="IT")
    factory.user("owner@granderete.example.com", Role.OWNER, account_id, locale="it")
    return "owner@granderete.example.com"


def test_sixty_agents_lead_to_a_request_that_quotes_then_shows(chromium, live_url, owner):
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        page.goto(
            f"{live_url}/package/edit/quantities?plan=pro&period=annual&currency=EUR&agents=5"
        )
        agents = page.locator("#agents")
        agents.click()
        agents.press("Control+a")
        agents.press_sequentially("60")
        note = page.locator("#agents-note")
        expect(note).to_contain_text("Per più di 50 agenti prepariamo", timeout=15_000)
        # A valid path: no red field, no "correct the highlighted fields".
        expect(agents).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator(".field-error")).to_have_count(0)
        expect(page.locator("#summary")).not_to_contain_text("Correggi i campi evidenziati")
        expect(page.locator("#summary")).to_contain_text("preventivo")
        shoot(page, "quote-request-step2-it")
        page.locator("#quantity-fields a[role=button]", has_text="Richiedi un preventivo").click()
        expect(page.locator("h1")).to_have_text("Richiedi un preventivo")
        expect(page.locator("#agents")).to_have_value("60")
        page.fill("#message", "Ci servono 60 agenti da gennaio")
        page.get_by_role("button", name="Invia richiesta").click()
        page.wait_for_load_state()
        page.goto(f"{live_url}/quotes")
        request = page.locator(".quote-requests li").first
        expect(request).to_contain_text("60 agenti")
        expect(request).to_contain_text("Ci servono 60 agenti da gennaio")
        expect(request).to_contain_text("Ricevuta: il nostro team sta preparando la tua offerta")
        expect(page.locator("main")).not_to_contain_text("Non hai ancora preventivi")
        shoot(page, "quote-request-quotes-it")
    finally:
        context.close()
