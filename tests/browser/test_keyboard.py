"""With the keyboard only: a skip link, visible focus rings, and focus kept after htmx swaps."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.demo_portal import seed_portal, sign_in

pytestmark = pytest.mark.browser

ACTIVE = """() => {
  const e = document.activeElement;
  return e === document.body ? "body"
    : e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.name ? "[name=" + e.name + "]" : "")
      + (e.value && e.tagName === "BUTTON" ? "[value=" + e.value + "]" : "")
      + (e.className ? "." + String(e.className).trim().split(/\\s+/).join(".") : "");
}"""


def _active(page: Page) -> str:
    return page.evaluate(ACTIVE)


def _focused(page: Page, selector: str) -> bool:
    """True when the element the selector finds has the keyboard focus."""
    return page.locator(selector).evaluate("element => element === document.activeElement")


@pytest.fixture
def portal(app, tmp_path):
    return seed_portal(app, "en", tmp_path / "demo-credentials.json")


def test_skip_link_and_focus_rings(chromium, live_url, portal):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = sign_in(context, live_url, portal, "owner")
        page.goto(f"{live_url}/package")
        page.keyboard.press("Tab")
        assert _focused(page, "a.skip-link"), _active(page)
        expect(page.locator("a.skip-link")).to_be_in_viewport()
        page.keyboard.press("Enter")
        assert _focused(page, "main#main"), _active(page)
        # The next Tab goes into the page's content, past the header and the menu.
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.querySelector('main').contains(document.activeElement)"
        )

        # A secondary outline button shows a ring of at least 2 px when focused from the keyboard.
        button = page.locator("#stop-subscription")
        button.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        assert _focused(page, "#stop-subscription")
        style, width = button.evaluate(
            "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
        )
        assert style != "none" and float(width.removesuffix("px")) >= 2, (style, width)
    finally:
        context.close()


def test_focus_after_in_place_updates(chromium, live_url, portal):
    context = chromium.new_context(viewport={"width": 390, "height": 900})
    try:
        page = sign_in(context, live_url, portal, "owner")

        # Stopping the subscription by keyboard: its page, a reason, confirm; then turning
        # auto-renewal on again replaces the switch and puts the focus on the new one.
        page.goto(f"{live_url}/package")
        page.locator("#stop-subscription").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/package/stop$"))
        page.locator("input[name=reason]").first.focus()
        page.keyboard.press("Space")
        page.locator("main form button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/package$"))
        page.locator("#auto-renewal button[value=on]").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#stop-subscription")).to_be_visible()
        expect(page.locator("#stop-subscription")).to_be_focused()

        # Seat page: + and − keep the focus on the button pressed, the form being replaced.
        page.goto(f"{live_url}/package/edit/seats")
        page.locator("button[value='agents:1']").focus()
        page.keyboard.press("Enter")
        expect(page.locator("[data-delta=agents]")).to_have_text("+1 agent")
        expect(page.locator("button[value='agents:1']")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("[data-delta=agents]")).to_have_text("+2 agents")
        expect(page.locator("button[value='agents:1']")).to_be_focused()
        page.locator("button[value='agents:-1']").focus()
        page.keyboard.press("Enter")
        expect(page.locator("[data-delta=agents]")).to_have_text("+1 agent")
        expect(page.locator("button[value='agents:-1']")).to_be_focused()

        # Wizard step 2: the summary is refreshed beside the field being typed in.
        page.goto(f"{live_url}/package/edit/quantities?plan=standard&period=monthly")
        page.locator("#agents").focus()
        page.keyboard.press("ArrowUp")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#agents")).to_be_focused()

        # Invoice note: Edit focuses the text, Save and Cancel come back to Edit.
        invoice = portal.paid_invoice_id
        page.goto(f"{live_url}/billing/invoices/")
        page.locator(f"#note-{invoice} a").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"#note-text-{invoice}")).to_be_focused()
        page.keyboard.type("PO 4711")
        page.locator(f"#note-{invoice} button[type=submit]").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"#note-{invoice}")).to_contain_text("PO 4711")
        expect(page.locator(f"#note-{invoice} a")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(f"#note-text-{invoice}")).to_be_focused()
        page.locator(f"#note-{invoice} a[role=button]").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"#note-{invoice} a")).to_have_count(1)
        expect(page.locator(f"#note-{invoice} a")).to_be_focused()

        # Removing the default method: the confirmation that appears above the list gets the
        # focus, though the Remove button that asked for it is still there.
        page.goto(f"{live_url}/billing/payment-methods")
        page.locator("tr:has(.badge) button.secondary").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#remove-confirm-title")).to_be_focused()
        expect(page.locator("#remove-confirm")).to_contain_text("will become your default method")
    finally:
        context.close()


def test_focus_after_saving_a_translation(chromium, live_url, portal):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = sign_in(context, live_url, portal, "translator")
        page.goto(f"{live_url}/translations/fr/")
        entry = page.locator("main article.catalog-entry").first
        save = entry.locator(".entry-form button[type=submit]")
        save.focus()
        page.keyboard.press("Enter")
        expect(page.locator("main .entry-saved").first).to_be_focused()
    finally:
        context.close()


def test_default_badge_leaves_the_radio_and_its_label_visible(chromium, live_url, portal):
    context = chromium.new_context(viewport={"width": 390, "height": 900})
    try:
        page = sign_in(context, live_url, portal, "owner")
        page.goto(f"{live_url}/package/edit/payment?plan=standard&period=monthly&agents=4&packs=0")
        label = page.locator("label", has=page.locator(".badge"))
        radio = label.locator("input[type=radio]").bounding_box()
        badge = label.locator(".badge").bounding_box()
        assert radio and badge
        overlaps = not (
            badge["x"] >= radio["x"] + radio["width"]
            or radio["x"] >= badge["x"] + badge["width"]
            or badge["y"] >= radio["y"] + radio["height"]
            or radio["y"] >= badge["y"] + badge["height"]
        )
        assert not overlaps, (radio, badge)
        # The badge sits on the label's line, after the card's name.
        assert abs(badge["y"] + badge["height"] / 2 - (radio["y"] + radio["height"] / 2)) < 12
    finally:
        context.close()


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until an element the selector finds has the focus (as a keyboard user does)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; last focus {_active(page)}")


def test_this_weeks_states_by_keyboard(chromium, live_url, portal):
    """Summary errors on the htmx path, the quote request note, "make this the default" after
    paying with another card, and the team's removal question, with the keyboard alone."""
    context = chromium.new_context(viewport={"width": 390, "height": 900})
    try:
        page = sign_in(context, live_url, portal, "owner")

        # Step 2: an error, then the quote note, swap in while the field keeps the focus.
        page.goto(f"{live_url}/package/edit/quantities?plan=standard&period=monthly")
        page.locator("#agents").focus()
        page.keyboard.press("Control+a")
        page.keyboard.type("0")
        expect(page.locator("#agents-error")).to_be_visible(timeout=15_000)
        expect(page.locator("#agents")).to_be_focused()
        page.keyboard.press("Control+a")
        page.keyboard.type("60")
        expect(page.locator("#agents-note")).to_be_visible(timeout=15_000)
        expect(page.locator("#agents")).to_be_focused()
        _tab_to(page, "#agents-note a")

        # Paid with the card that is not the default: its offer is reached and used by keyboard.
        page.goto(f"{live_url}/package/edit/payment?plan=standard&period=monthly&agents=4&packs=0")
        page.locator("label", has_text="3184").locator("input[name=method]").check()
        page.locator("button.pay").click()
        page.wait_for_url(re.compile(r"/sandbox/3ds/"))
        page.locator("main form [type=submit]").first.click()
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
        _tab_to(page, ".make-default-offer button")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
        expect(page.locator(".flash-success")).to_contain_text("is now the default")
        expect(page.locator(".make-default-offer")).to_have_count(0)

        # Removing a colleague: the question comes above the team with the focus on it, and
        # Cancel is the next stops away.
        page.goto(f"{live_url}/team/")
        _tab_to(page, "main a[href$='/remove']")
        page.keyboard.press("Enter")
        expect(page.locator("#team-confirm-title")).to_be_focused()
        _tab_to(page, "#team-confirm a[role=button]", limit=5)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/team/$"))
    finally:
        context.close()
