"""Phones and layout (issue 26, items 9 to 11): the amount to pay in view while typing, seats
updated as typed, quotes as cards, the wizard at 1280 px, currency without a click."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import sign_in
from tests.browser.demo_portal import seed_portal
from tests.browser.demo_portal import sign_in as sign_in_as

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DUE = '#summary [data-figure="due"]'
BAR = "#summary .summary-bar"


@pytest.fixture
def italian_newcomer(factory) -> int:
    """An Italian company on Free, with its owner: its first purchase chooses the currency."""
    account_id = factory.account("Trattoria Nuova S.r.l.", country="IT")
    factory.user("owner@trattoria.example.com", Role.OWNER, account_id, locale="it")
    return account_id


@pytest.fixture
def french_seats(factory) -> int:
    """A French owner of a Standard monthly EUR account with 3 agents (18 of 30 days left)."""
    account_id = factory.account("Boulangerie Dupont SARL", country="IT")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user("owner@dupont.example.com", Role.OWNER, account_id, locale="fr")
    return account_id


def _in_viewport(page: Page, selector: str) -> bool:
    """True when the element is shown and lies wholly inside the window."""
    return page.locator(selector).evaluate(
        """e => { const r = e.getBoundingClientRect();
                  return r.height > 0 && getComputedStyle(e).visibility !== "hidden"
                    && r.top >= 0 && r.bottom <= innerHeight; }"""
    )


def _type_into(page: Page, selector: str, text: str) -> None:
    """Replace a field's value key by key, as a customer does (no change event)."""
    page.locator(selector).focus()
    page.keyboard.press("Control+a")
    page.keyboard.type(text, delay=40)


def test_amount_to_pay_stays_in_view_while_typing_on_a_phone(chromium, live_url, italian_newcomer):
    """Item 9, Italian at 390 px: the bar at the bottom shows the summary's own amount to pay
    while the agents field is typed in, and steps aside once the full summary is in view."""
    context = chromium.new_context(locale="it-IT", viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@trattoria.example.com")
        page.goto(f"{live_url}/package/edit/quantities?plan=standard&period=monthly&currency=EUR")
        _type_into(page, "#agents", "3")
        expect(page.locator(DUE)).to_have_text("54,90\xa0€")
        expect(page.locator(BAR)).to_contain_text("54,90\xa0€")
        expect(page.locator(BAR)).to_contain_text("Importo da pagare")
        assert _in_viewport(page, BAR)
        assert not _in_viewport(page, DUE)  # the summary itself is far below the field
        expect(page.locator("#agents")).to_be_focused()
        # The bar never covers the field being typed in.
        field = page.locator("#agents").bounding_box()
        bar = page.locator(BAR).bounding_box()
        assert field and bar and field["y"] + field["height"] <= bar["y"]

        _type_into(page, "#agents", "4")
        expect(page.locator(DUE)).to_have_text("73,20\xa0€")
        expect(page.locator(BAR)).to_contain_text("73,20\xa0€")

        page.locator(DUE).scroll_into_view_if_needed()
        expect(page.locator(BAR)).to_be_hidden()
        page.evaluate("window.scrollTo(0, 0)")
        expect(page.locator(BAR)).to_be_visible()

        page.set_viewport_size(DESKTOP)
        expect(page.locator(BAR)).to_be_hidden()
    finally:
        context.close()


def test_seats_update_as_typed_and_tab_goes_on_in_french(chromium, live_url, french_seats):
    """Items 9 and 10, French at 390 px: typing a number updates the change and the summary
    without leaving the field, the total is in view, and Tab goes on to the next control."""
    context = chromium.new_context(locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@dupont.example.com")
        page.goto(f"{live_url}/package/edit/seats")
        _type_into(page, "#agents", "5")
        expect(page.locator("[data-delta=agents]")).to_have_text("+2 agents")
        expect(page.locator(DUE)).to_have_text("21,96\xa0€")
        expect(page.locator(BAR)).to_contain_text("21,96\xa0€")
        assert _in_viewport(page, BAR)
        expect(page.locator("#agents")).to_be_focused()
        expect(page.locator("#agents")).to_have_value("5")
        expect(page.locator("button.pay")).to_contain_text("21,96\xa0€")

        # Tab leaves the field for the next control, not for the form around it.
        page.keyboard.press("Tab")
        page.wait_for_load_state("networkidle")
        expect(page.locator("button[value='agents:1']")).to_be_focused()

        # More than 50 agents: the way to a quote (no error, no Pay), the field kept.
        _type_into(page, "#agents", "60")
        expect(page.locator("#agents-feedback")).to_contain_text("50")
        expect(page.locator("#agents")).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator("#agents")).to_be_focused()
        expect(page.locator("button.pay")).to_have_count(0)
        page.keyboard.press("Backspace")  # the cursor stayed after the typed number
        expect(page.locator("#agents")).to_have_value("6")
        expect(page.locator("[data-delta=agents]")).to_have_text("+3 agents")

        # An error and its correction come and go while typing, the field kept.
        _type_into(page, "#agents", "0")
        expect(page.locator("#agents")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#agents-feedback")).to_contain_text("1")
        expect(page.locator("#agents")).to_be_focused()
        expect(page.locator("button.pay")).to_have_count(0)
        _type_into(page, "#agents", "4")
        expect(page.locator("[data-delta=agents]")).to_have_text("+1 agent")
        expect(page.locator("#agents")).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator("#agents")).to_be_focused()
        expect(page.locator("#agents")).to_have_value("4")
        expect(page.locator("button.pay")).to_be_visible()

        page.set_viewport_size(DESKTOP)
        expect(page.locator(BAR)).to_be_hidden()
    finally:
        context.close()


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
        # At 1280 px every column fits beside the menu: no side scroll either.
        page.set_viewport_size(DESKTOP)
        assert not _overflows(page, "main .table-scroll")
        expect(row.locator("a[href$='/pdf']")).to_be_in_viewport()
    finally:
        context.close()


def test_wizard_uses_the_width_at_1280_in_french(chromium, live_url, french_seats):
    """Item 11, French at 1280 px: the plan cards side by side, each summary line on at most
    two lines."""
    context = chromium.new_context(locale="fr-FR", viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@dupont.example.com")
        page.goto(f"{live_url}/package/edit")
        cards = page.locator(".plan-card")
        expect(cards).to_have_count(2)
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        assert first and second
        assert abs(first["y"] - second["y"]) < 1, (first, second)
        assert second["x"] >= first["x"] + first["width"]

        page.goto(
            f"{live_url}/package/edit/quantities?plan=standard&period=monthly&agents=5&packs=1"
        )
        lines = page.locator("#summary .summary-lines td:first-child, #summary tfoot th")
        assert lines.count() >= 6
        for index in range(lines.count()):
            cell = lines.nth(index)
            height, line = cell.evaluate(
                """e => { const s = getComputedStyle(e);
                          return [e.getBoundingClientRect().height - parseFloat(s.paddingTop)
                                    - parseFloat(s.paddingBottom), parseFloat(s.lineHeight)]; }"""
            )
            assert height < 2.5 * line, (cell.inner_text(), height, line)
    finally:
        context.close()


def test_changing_currency_shows_its_prices_at_once_in_italian(
    chromium, live_url, italian_newcomer
):
    """Item 11, Italian at 390 px: with JavaScript, choosing a currency updates the prices
    without a click; the plans keep it when activated."""
    context = chromium.new_context(locale="it-IT", viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@trattoria.example.com")
        page.goto(f"{live_url}/package/edit")
        expect(page.locator(".plan-card .price").first).to_contain_text("15,00\xa0€")
        expect(page.get_by_role("button", name="Mostra i prezzi")).to_be_hidden()
        page.locator("#currency").focus()
        page.select_option("#currency", "CZK")
        expect(page.locator(".plan-card .price").first).to_contain_text("375,00\xa0CZK")
        expect(page.locator("#currency")).to_be_focused()
        assert re.search(r"currency=CZK", page.url)
        page.click("button[name=activate][value=pro]")
        page.wait_for_url(re.compile(r"/package/edit/quantities"))
        expect(page.locator(DUE)).to_contain_text("CZK")
    finally:
        context.close()


def test_wizard_steps_are_compact_on_a_phone_in_italian(chromium, live_url, italian_newcomer):
    """Item 11, Italian at 390 px: the three steps take a line or two, not a screenful."""
    context = chromium.new_context(locale="it-IT", viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@trattoria.example.com")
        page.goto(f"{live_url}/package/edit/quantities?plan=standard&period=monthly&currency=EUR")
        steps = page.locator("nav.steps").bounding_box()
        assert steps and steps["height"] <= 80, steps
        items = page.locator("nav.steps li")
        tops = {round(items.nth(i).bounding_box()["y"]) for i in range(3)}
        assert len(tops) == 1, tops  # side by side
        assert not _overflows(page, "nav.steps")
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
