"""Phones and layout (issue 26, item 11): quotes as cards, the staff search box."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.demo_portal import seed_portal
from tests.browser.demo_portal import sign_in as sign_in_as

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _overflows(page: Page, selector: str) -> bool:
    """True when the element's content is wider than its box (a side scroll)."""
    return page.locator(selector).evaluate("e => e.scrollWidth > e.clientWidth + 1")


def test_quotes_are_cards_on_a_phone_in_italian(chromium, live_url, app, tmp_path):
    """Item 11, Italian at 390 px: each quote is a card with its status, totals and PDF in
    view, no side scroll, like the invoices."""
    portal = seed_portal(app, "it", tmp_path / "credentials.json")
    context = chromium.new_context(locale="it-IT", viewport=PHONE)
    try:
        page = sign_in_as(context, live_url, portal, "owner")
        page.goto(f"{live_url}/quotes")
        row = page.locator(f"#quote-{portal.sent_quote_id}")
        expect(row).to_be_visible()
        assert not _overflows(page, "main .table-scroll")
        for label in ("Stato", "Totale per periodo", "Primo pagamento", "PDF"):
            cell = row.locator(f"td[data-label='{label}']")
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
        expect(row.locator("td[data-label='Stato']")).to_contain_text("Aperto")
        pdf = row.locator("a[href$='/pdf']")
        box = pdf.bounding_box()
        assert box and box["x"] + box["width"] <= 390
    finally:
        context.close()


def test_staff_search_box_keeps_its_width_in_french(chromium, live_url, app, tmp_path):
    """Item 11, French at 390 px: the search field takes its own row, its placeholder whole."""
    portal = seed_portal(app, "fr", tmp_path / "credentials.json")
    context = chromium.new_context(locale="fr-FR", viewport=PHONE)
    try:
        page = sign_in_as(context, live_url, portal, "staff")
        page.goto(f"{live_url}/backoffice/accounts")
        field = page.locator("#q")
        width = field.evaluate("e => e.clientWidth")
        main = page.locator("main").evaluate("e => e.clientWidth")
        assert width >= main - 2, (width, main)
        # What to type is said whole: the placeholder fits the field, or the label (which
        # says the same) shows above it and the cut placeholder does not.
        label = page.locator("label[for=q]")
        placeholder_fits = field.evaluate(
            """e => { const s = getComputedStyle(e); const c = document.createElement("canvas")
                      .getContext("2d"); c.font = s.font;
                      const room = e.clientWidth - parseFloat(s.paddingLeft)
                        - parseFloat(s.paddingRight);
                      return c.measureText(e.placeholder).width <= room; }"""
        )
        if not placeholder_fits:
            box = label.bounding_box()
            assert box and box["height"] > 10 and box["x"] + box["width"] <= 390, box
            assert label.inner_text() == field.get_attribute("placeholder")
            hidden = field.evaluate("e => getComputedStyle(e, '::placeholder').color")
            assert hidden == "rgba(0, 0, 0, 0)", hidden
        button = page.locator("form.account-search button[type=submit]").bounding_box()
        assert button and button["x"] + button["width"] <= 390
        page.set_viewport_size(DESKTOP)
        # Wide enough, one row again.
        tops = {
            round(page.locator(selector).bounding_box()["y"])
            for selector in ("#q", "#status", "form.account-search button[type=submit]")
        }
        assert len(tops) == 1, tops
    finally:
        context.close()
