"""The EU VAT registry did not answer: the billing page says so on an Italian phone."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.browser.conftest import sign_in
from tests.vies.conftest import GERMAN_VAT_ID, TIMEOUT, fake_vies, vies_server  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def app_config(fake_vies) -> dict[str, object]:  # noqa: F811
    """VIES on, asked at the fake registry."""
    return {"VIES_ENABLED": True, "VIES_WSDL_URL": fake_vies.wsdl_url, "VIES_TIMEOUT": TIMEOUT}


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_unknown_answer_on_the_billing_page_in_italian_at_390_px(
    chromium,
    live_url,
    factory,
    fake_vies,  # noqa: F811
):
    account_id = factory.account("Muster GmbH", country="DE")
    factory.user("billing@muster.example.com", Role.BILLING_ADMIN, account_id, locale="it")
    fake_vies.answers[GERMAN_VAT_ID] = "MS_UNAVAILABLE"
    context = chromium.new_context(viewport=PHONE, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_url, "billing@muster.example.com")
        page.goto(f"{live_url}/billing/info")
        page.fill("#vat_id", "DE 136 695 976")
        page.locator("form.billing-info [type=submit]").click()
        page.wait_for_load_state()
        note = page.locator("#vat-id-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text("L'inversione contabile non è ancora confermata")
        expect(note).to_contain_text("DE136695976")
        expect(note).to_contain_text("Germania, 19")
        assert _no_horizontal_overflow(page)
        # The wizard's summary at the same width says why VAT is charged.
        page.goto(
            f"{live_url}/package/edit/payment?plan=standard&period=monthly&currency=EUR&agents=1"
        )
        caveat = page.locator("#summary .tax-caveat")
        expect(caveat).to_contain_text("L'inversione contabile non è ancora confermata")
        assert _no_horizontal_overflow(page)
        folder = os.environ.get("SCREENSHOTS_DIR")
        if folder:
            page.screenshot(path=f"{folder}/vies-summary-it-390.png", full_page=True)
            page.goto(f"{live_url}/billing/info")
            page.screenshot(path=f"{folder}/vies-billing-it-390.png", full_page=True)
    finally:
        context.close()
