"""Stopping the subscription, in Italian at 390 px: a page that says what happens at the end of
the period and asks why, then a confirmation — never a one-click switch.

Seen this week: "Turn off auto-renewal" acted on one click, showed no confirmation, and My
package then said the block date twice (the next payment and the switch).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def owner(factory) -> str:
    """An Italian company on Standard monthly renewing on 1 December, with its owner."""
    account_id = factory.account("Osteria Ferma S.r.l.", country="IT")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.default_card(account_id)
    factory.user("owner@ferma.example.com", Role.OWNER, account_id, locale="it")
    return "owner@ferma.example.com"


def test_stop_asks_why_and_confirms_in_italian(chromium, live_url, owner):
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        page.goto(f"{live_url}/package")
        page.get_by_role("button", name="Interrompi l'abbonamento").click()
        page.wait_for_url(re.compile(r"/package/stop$"))
        main = page.locator("main")
        expect(main).to_contain_text("fino al 1 dicembre 2026")
        expect(main).to_contain_text("torna al pacchetto Gratuito")
        shoot(page, "stop-form-it")
        # No reason: refused, nothing changed.
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#reason-error")).to_have_text("Scegli un motivo.")
        page.get_by_label("Costa troppo").check()
        page.fill("#comment", "Budget ridotto per il 2027")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/package$"))
        expect(page.locator(".flash-success")).to_contain_text("Abbonamento interrotto")
        expect(page.locator("#auto-renewal button[value=on]")).to_be_visible()
        # The block date once, in the next payment; not repeated by the switch.
        expect(page.locator("#auto-renewal")).not_to_contain_text("1 dicembre 2026")
        shoot(page, "stop-done-it")
        # Changed her mind: on again, said so in place.
        page.locator("#auto-renewal button[value=on]").click()
        expect(page.locator("#auto-renewal [role=status]")).to_contain_text(
            "Il rinnovo automatico è di nuovo attivo"
        )
        page.goto(f"{live_url}/billing/activity")
        expect(page.locator("main")).to_contain_text("Motivo: Costa troppo.")
        expect(page.locator("main")).to_contain_text("Budget ridotto per il 2027")
    finally:
        context.close()
