"""A new customer buys Standard in Italian, with and without JavaScript, paying with 3-D Secure."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SCA_CARD = "4000002760003184"


@pytest.fixture
def new_customer(factory) -> int:
    """An Italian company on Free, with its owner."""
    account_id = factory.account("Trattoria Nuova S.r.l.", country="IT")
    factory.user("owner@trattoria.example.com", Role.OWNER, account_id)
    return account_id


def _summary_due(page) -> str:
    """The amount to pay as the summary shows it."""
    return page.locator('#summary [data-figure="due"]').inner_text()


def _buy_standard_with_sca(page, base: str, javascript: bool) -> None:
    """Sign in, open the wizard, choose 3 agents, add the SCA card, pay and approve."""
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "it"
    page.fill("#email", "owner@trattoria.example.com")
    page.fill("#password", PASSWORD)
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/package$"))
    assert "Il mio pacchetto" in page.content()

    page.click("a[href$='/package/edit']")
    page.click("button[name=activate][value=standard]")
    page.wait_for_url(re.compile(r"/package/edit/quantities"))
    assert _summary_due(page) == "18,30\xa0€"  # 1 agent: 15,00 € + 22 % IVA

    page.fill("#agents", "3")
    if javascript:
        # The summary follows the typing: no "Update summary" button to press.
        expect(page.locator("button[name=refresh]")).to_have_count(0)
        # htmx swaps the summary in place while the customer types.
        expect(page.locator('#summary [data-figure="due"]')).to_have_text(
            "54,90\xa0€", timeout=15_000
        )
    else:
        page.click("button[name=refresh]")
        page.wait_for_load_state()
    assert _summary_due(page) == "54,90\xa0€"
    assert "3 agenti × 15,00\xa0€" in page.locator("#summary").inner_text()

    page.locator("form#quantities button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"/package/edit/payment"))
    page.click("main a[href*='/billing/payment-methods/?next=']")
    page.fill("#holder", "Anna Verdi")
    page.fill("#number", SCA_CARD)
    page.fill("#expiry", "12/34")
    page.fill("#cvc", "123")
    page.locator("form[action$='/cards'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/package/edit/payment"))
    assert _summary_due(page) == "54,90\xa0€"

    page.click("button.pay")
    page.wait_for_url(re.compile(r"/sandbox/3ds/"))
    page.click("[name=approve]")
    page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
    assert "INV-" in page.content()
    page.click("a[href$='/package']")
    page.wait_for_url(re.compile(r"/package$"))
    text = page.locator("main").inner_text()
    assert "Standard" in text
    assert "3 agenti" in text


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_new_customer_buys_in_italian(chromium, live_url, app, new_customer, javascript):
    context = chromium.new_context(locale="it-IT", java_script_enabled=javascript)
    page = context.new_page()
    try:
        _buy_standard_with_sca(page, live_url, javascript)
    finally:
        context.close()
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.id == new_customer))
        assert account.subscription.plan == "standard"
        assert account.subscription.agents == 3


def test_field_errors_swap_in_while_typing(chromium, live_url, new_customer):
    """With JavaScript on: 0 agents highlights the field; more than 50 is no error but shows
    the quote link; corrected, the price comes back."""
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@trattoria.example.com")
        page.fill("#password", PASSWORD)
        page.locator("form input[type=submit], form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/package$"))
        page.goto(f"{live_url}/package/edit/quantities?plan=standard&period=monthly&currency=EUR")
        page.fill("#agents", "0")
        expect(page.locator("#agents")).to_have_attribute("aria-invalid", "true", timeout=15_000)
        expect(page.locator("#agents-error")).to_contain_text("Choose at least 1 agent")
        expect(page.locator("#summary")).to_contain_text("Correct the highlighted fields")
        expect(page.locator("#agents")).to_be_focused()  # the swap keeps the typing field
        page.fill("#agents", "51")
        expect(page.locator("#agents-note")).to_contain_text("more than 50 agents", timeout=15_000)
        expect(page.locator("#agents")).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator("#agents-error")).to_have_count(0)
        expect(
            page.locator("#quantity-fields a[href*='/package/edit/request-quote']").first
        ).to_be_visible()
        expect(page.locator("#summary")).to_contain_text("priced in a quote")
        expect(page.locator("#agents")).to_be_focused()
        page.fill("#agents", "3")
        expect(page.locator('#summary [data-figure="due"]')).to_have_text("€54.90", timeout=15_000)
        expect(page.locator("#agents")).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator("#agents-error")).to_have_count(0)
        # Clean now: the page says so, the next answers leave the fields as typed and bring
        # Back's link with the numbers typed now.
        expect(page.locator("#fields-shown")).to_have_value("standard")
        page.fill("#agents", "4")
        expect(page.locator("#wizard-back")).to_have_attribute(
            "href", re.compile(r"agents=4&packs=0$"), timeout=15_000
        )
        expect(page.locator("#agents")).to_have_value("4")
        expect(page.locator("#agents")).to_be_focused()
        expect(page.locator('#summary [data-figure="due"]')).not_to_have_text("€54.90")
    finally:
        context.close()
