"""Every page and its main states, in three languages at 390 and 1280 px: no overflow, no axe issue.

The list of pages is checked against the app's url_map: a new GET page without an entry in
PAGES (or a reason in NOT_PAGES) fails `test_every_get_page_is_in_the_matrix`, as a route
without an access rule fails tests/web/test_route_access.py. Each matrix run signs in once per
role in one browser context and walks that role's flows; `check(endpoint, state)` audits the
page where a flow stands and records that the state was seen. Set PAGE_SCREENSHOTS to a folder
to keep a full-page screenshot of every state (never commit them).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from portal import clock, vies
from portal.config import LANGUAGES
from portal.domain.vat_registry import RegistryAnswer, RegistryVerdict
from portal.extensions import db
from portal.models import BillingInfo
from portal.numbers import MAX_ID
from tests.browser.demo_portal import Portal, seed_portal, sign_in
from tests.browser.htmx_saves import save_and_wait

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("PAGE_SCREENSHOTS")
TIMING = os.environ.get("PAGE_TIMING")
WIDTHS = (390, 1280)
FLOW_WIDTHS = {"it": 390, "fr": 1280, "en": 390}
# The header is one row at 1280 px: taller than this means it wrapped.
ONE_ROW_HEADER_PX = 80

# GET routes that are no page of their own, and why.
NOT_PAGES = {
    "static": "files",
    "web.vendor_asset": "files",
    "web.health": "plain text for load balancers",
    "dashboard.home": "redirects to the role's first page",
    "invoices.pdf": "a PDF",
    "invoices.year_zip": (
        "a ZIP of PDFs; a year without documents redirects to Invoices with a message "
        "(invoices.index, state 'year without documents')"
    ),
    "quotes.pdf": "a PDF",
    "quotes.staff_pdf": "a PDF",
    "backoffice.document_pdf": "a PDF",
    "backoffice.document_xml": "an XML file (the document's latest FatturaPA file)",
    "invoices.xml": "an XML file (the e-invoice sent to the exchange system)",
    "invoices.ubl": "an XML file (the UBL e-invoice the customer chose)",
    "billing.letter_of_intent_pdf": "a PDF",
    "backoffice.letter_pdf": "a PDF",
    "quotes.staff_account_choices": (
        "an htmx fragment (the accounts the typed text finds); without JavaScript the new "
        "quote's page lists them after a post (quotes.staff_new)"
    ),
    "invoices.note": "an htmx fragment (the note cell); a plain visit redirects to Invoices",
    "wizard.summary": "an htmx fragment (the payment summary); a plain visit redirects",
    "payments.payment_return": "redirects back from the gateway",
    "payments.legacy_return": "redirects to payments.payment_return (payments made before it)",
    "wizard.payment_status": (
        "shows the outcome page of a payment (wizard.confirmation, checked) or, only while a "
        "gateway call is in flight, wizard/processing.html"
    ),
}

# Every page with the states the flows below must show, each audited at both widths in
# every language.
PAGES: dict[str, set[str]] = {
    "auth.login": {"empty", "wrong password", "menus open"},
    "auth.forgot_password": {"empty", "invalid e-mail"},
    "auth.reset_password": {"form", "too short", "link refused"},
    "auth.accept_invitation": {"form", "too short", "address in use"},
    "auth.change_password": {"form", "wrong current password"},
    "dashboard.my_package": {
        "owner",
        "owner menus open",
        "auto-renewal off",
        "billing admin",
        "member",
        "free",
        "annual",
    },
    "dashboard.stop_subscription": {"form", "no reason"},
    "wizard.choose_plan": {"monthly", "annual", "annual to monthly"},
    "wizard.quantities": {
        "form",
        "no agents (htmx)",
        "more than 50 agents (htmx)",
        "more than 50 agents (no JS)",
    },
    "wizard.request_quote": {"form", "sent"},
    "wizard.payment": {"form", "3-D Secure refused (cancelled)"},
    "seats.seats": {"form", "after +", "unchanged"},
    "wizard.confirmation": {"paid with another method (make it the default)", "paid"},
    "sandbox.challenge": {"form"},
    "sandbox.paypal": {"form"},
    "invoices.index": {
        "list",
        "note being edited",
        "note saved",
        "open filter",
        "credit notes filter",
        "year without documents",
        "billing admin",
        "member refused",
    },
    "invoices.edit_note": {"page"},
    "invoices.pay": {"form", "paid", "not found"},
    "invoices.reissue_preview": {"nothing to reissue"},
    "methods.index": {"list", "card errors", "billing admin"},
    "billing.info": {"form", "errors", "VAT ID not confirmed by VIES"},
    "billing.activity_log": {"list"},
    "billing.letters_of_intent": {"list", "errors"},
    "team.members": {"list", "invite errors", "hand-over asked (htmx)"},
    "team.confirm_remove": {"form"},
    "team.confirm_transfer": {"form", "wrong password"},
    "quotes.index": {"list with a request"},
    "quotes.detail": {"sent", "reject open"},
    "quotes.accept_billing": {"form"},
    "quotes.accept_method": {"form"},
    "quotes.accept_review": {"form"},
    "quotes.accept_confirm": {"form"},
    "backoffice.accounts": {"list", "no match"},
    "backoffice.account": {"invoices", "payments", "activity"},
    "backoffice.einvoices_list": {"all", "rejected", "none in this state"},
    "quotes.staff_list": {"list"},
    "backoffice.letters": {"list"},
    "backoffice.letter": {"form", "no reason"},
    "quotes.staff_new": {"form", "errors"},
    "quotes.staff_detail": {"draft", "sent"},
    "catalogs.overview": {"overview"},
    "catalogs.entries": {"list", "warnings"},
    "catalogs.entry": {"form", "problems", "warnings", "saved", "needs review"},
    "glossary.terms": {"list", "errors"},
    "glossary.term": {"form"},
}


def test_every_get_page_is_in_the_matrix(app: Flask) -> None:
    """A new page needs its states here, so it is checked like the others."""
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    missing = sorted(endpoints - PAGES.keys() - NOT_PAGES.keys())
    assert not missing, f"GET pages without a matrix entry: {missing}; add them to PAGES"
    stale = sorted((PAGES.keys() | NOT_PAGES.keys()) - endpoints)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


@dataclass
class Run:
    """One language: audits pages at both widths and remembers which states were seen."""

    app: Flask
    base: str
    language: str
    portal: Portal
    seen: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def flow_width(self) -> int:
        """Flows click through at phone width in two languages, at desktop width in one."""
        return FLOW_WIDTHS[self.language]

    def url(self, path: str) -> str:
        return self.base + path

    def check(self, page: Page, endpoint: str, state: str, *, at: str | None = None) -> None:
        """Audit the page a flow stands on, as `state` of `endpoint`, at both widths.

        `at` is the route whose URL the browser shows when it is not the page's own (a form
        with errors is answered at the URL it was posted to; None: anywhere, e.g. after a
        redirect).
        """
        assert state in PAGES[endpoint], f"{endpoint}: state {state!r} is not in PAGES"
        page.wait_for_load_state()
        where = f"{self.language} {endpoint} [{state}]"
        found = _endpoint_of(self.app, page.url)
        if found != (at or endpoint) and at != ANYWHERE:
            self.problems.append(f"{where}: the browser is on {page.url} ({found})")
        self.seen.add((endpoint, state))
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            started = time.monotonic()
            problems = _audit(page, width)
            self.problems.extend(f"{where} {width}px: {problem}" for problem in problems)
            if TIMING:
                print(f"{where} {width}px: audit {time.monotonic() - started:.2f}s")
            if SHOTS:
                name = re.sub(r"[^a-z0-9]+", "-", f"{endpoint}-{state}".lower())
                page.screenshot(path=f"{SHOTS}/{name}-{self.language}-{width}.png", full_page=True)
        page.set_viewport_size({"width": self.flow_width, "height": 900})


ANYWHERE = "anywhere"


def _endpoint_of(app: Flask, url: str) -> str | None:
    """The endpoint a URL of the portal belongs to (a GET page, else a form's POST route)."""
    path = urlsplit(url).path
    for method in ("GET", "POST"):
        try:
            endpoint, _ = app.url_map.bind("localhost").match(path, method=method)
        except HTTPException:
            continue
        return endpoint
    return None


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3)
    .map(n => n.target.join(" ")).join(" | ")}`);
}"""


def _audit(page: Page, width: int) -> list[str]:
    """No horizontal overflow, a one-row header on desktop, and no axe-core violations."""
    problems = []
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{scroll - inner} px wider than the window")
    header = page.locator(".app-header-bar")
    if width >= 1280 and header.count():
        height = header.evaluate("element => element.offsetHeight")
        if height > ONE_ROW_HEADER_PX:
            problems.append(f"the header wraps ({height} px high)")
    problems.extend(f"axe: {violation}" for violation in page.evaluate(AXE_RUN))
    return problems


def _open_menus(page: Page) -> None:
    """Open the phone menu, the user menu and the language menu, whichever are shown."""
    # The panels open downwards: the lower and the rightmost first, so none covers the next.
    for selector in (".app-nav summary", ".user-menu > summary", ".language-menu > summary"):
        summary = page.locator(selector)
        if summary.count() and summary.is_visible():
            summary.click()


# --- flows, one per role ---------------------------------------------------------------------


def anonymous(page: Page, run: Run) -> None:
    page.goto(run.url("/login"))
    run.check(page, "auth.login", "empty")
    _open_menus(page)
    run.check(page, "auth.login", "menus open")
    page.goto(run.url("/login"))
    page.fill("#email", "nobody@example.com")
    page.fill("#password", "wrong password")
    page.locator("main form [type=submit]").click()
    run.check(page, "auth.login", "wrong password")

    page.goto(run.url("/password/forgot"))
    run.check(page, "auth.forgot_password", "empty")
    page.fill("#email", "not an address")
    page.locator("main form [type=submit]").click()
    run.check(page, "auth.forgot_password", "invalid e-mail")

    page.goto(run.url(f"/password/reset/{run.portal.reset_token}"))
    run.check(page, "auth.reset_password", "form")
    page.locator("main input[type=password]").first.fill("short")
    page.locator("main input[type=password]").last.fill("short")
    page.locator("main form [type=submit]").click()
    run.check(page, "auth.reset_password", "too short")
    page.goto(run.url("/password/reset/not-a-valid-token"))
    run.check(page, "auth.reset_password", "link refused")

    page.goto(run.url(f"/invitation/{run.portal.invitation_token}"))
    run.check(page, "auth.accept_invitation", "form")
    page.locator("main input[type=password]").first.fill("short")
    page.locator("main input[type=password]").last.fill("short")
    page.locator("main form [type=submit]").click()
    run.check(page, "auth.accept_invitation", "too short")
    page.goto(run.url(f"/invitation/{run.portal.address_in_use_token}"))
    run.check(page, "auth.accept_invitation", "address in use")


def owner(page: Page, run: Run) -> None:
    portal = run.portal
    page.goto(run.url("/package"))
    run.check(page, "dashboard.my_package", "owner")
    _open_menus(page)
    run.check(page, "dashboard.my_package", "owner menus open")
    page.goto(run.url("/package"))
    page.locator("#stop-subscription").click()
    page.wait_for_url(re.compile(r"/package/stop$"))
    run.check(page, "dashboard.stop_subscription", "form")
    page.locator("main form button[type=submit]").click()
    run.check(page, "dashboard.stop_subscription", "no reason")
    page.locator("input[name=reason]").last.check()
    page.fill("#comment", "Prova")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#auto-renewal button[value=on]")).to_be_visible()
    run.check(page, "dashboard.my_package", "auto-renewal off")
    page.locator("#auto-renewal button").click()
    expect(page.locator("#stop-subscription")).to_be_visible()

    page.goto(run.url("/package/edit"))
    run.check(page, "wizard.choose_plan", "monthly")
    page.goto(run.url("/package/edit?period=annual"))
    run.check(page, "wizard.choose_plan", "annual")
    page.goto(run.url("/package/edit/quantities?plan=standard&period=monthly"))
    run.check(page, "wizard.quantities", "form")
    page.fill("#agents", "0")
    page.locator("#agents").dispatch_event("change")
    expect(page.locator("#agents-error")).to_be_visible()
    page.wait_for_load_state("networkidle")
    run.check(page, "wizard.quantities", "no agents (htmx)")
    page.fill("#agents", "51")
    page.locator("#agents").dispatch_event("change")
    expect(page.locator("#summary")).to_contain_text(re.compile(r"\w"))
    page.wait_for_load_state("networkidle")
    run.check(page, "wizard.quantities", "more than 50 agents (htmx)")
    page.goto(run.url("/package/edit/quantities?plan=standard&period=monthly&agents=51&refresh=1"))
    run.check(page, "wizard.quantities", "more than 50 agents (no JS)")
    page.goto(run.url("/package/edit/request-quote?plan=pro&period=annual&agents=80"))
    run.check(page, "wizard.request_quote", "form")
    page.fill("#message", "Ci servono 80 agenti.")
    page.locator("main form [type=submit]").click()
    run.check(page, "wizard.request_quote", "sent", at=ANYWHERE)

    # The quote first: once the package changes, it can no longer be accepted.
    page.goto(run.url("/quotes"))
    expect(page.locator(".quote-requests li").first).to_be_visible()
    run.check(page, "quotes.index", "list with a request")
    page.goto(run.url(f"/quotes/{portal.sent_quote_id}"))
    run.check(page, "quotes.detail", "sent")
    page.locator("main details > summary").click()
    run.check(page, "quotes.detail", "reject open")
    page.goto(run.url(f"/quotes/{portal.sent_quote_id}/accept"))
    run.check(page, "quotes.accept_billing", "form")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r"/accept/method"))
    run.check(page, "quotes.accept_method", "form")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r"/accept/review"))
    run.check(page, "quotes.accept_review", "form")
    page.locator("main form [type=submit], main a[href*='/accept/confirm']").first.click()
    page.wait_for_url(re.compile(r"/accept/confirm"))
    run.check(page, "quotes.accept_confirm", "form")

    # Pay for a fourth agent with the card that is not the default: 3-D Secure refused first
    # (a cancellation: the card may be used again at once), then confirmed; the confirmation
    # offers to make that card the default.
    page.goto(run.url("/package/edit/payment?plan=standard&period=monthly&agents=4&packs=0"))
    run.check(page, "wizard.payment", "form")
    page.locator("label", has_text="3184").locator("input[name=method]").check()
    page.locator("button.pay").click()
    page.wait_for_url(re.compile(r"/sandbox/3ds/"))
    run.check(page, "sandbox.challenge", "form")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()
    run.check(
        page, "wizard.payment", "3-D Secure refused (cancelled)", at="payments.payment_return"
    )
    page.locator("label", has_text="3184").locator("input[name=method]").check()
    page.locator("button.pay").click()
    page.wait_for_url(re.compile(r"/sandbox/3ds/"))
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
    expect(page.locator(".make-default-offer")).to_be_visible()
    run.check(page, "wizard.confirmation", "paid with another method (make it the default)")
    # A second change paid with the default card: no offer.
    page.goto(run.url("/package/edit/payment?plan=standard&period=monthly&agents=5&packs=0"))
    page.locator("label", has_text="4242").locator("input[name=method]").check()
    page.locator("button.pay").click()
    page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
    expect(page.locator(".make-default-offer")).to_have_count(0)
    run.check(page, "wizard.confirmation", "paid")

    page.goto(run.url("/package/edit/seats"))
    run.check(page, "seats.seats", "unchanged")
    page.click("button[value='agents:1']")
    expect(page.locator("[data-delta=agents]")).to_be_visible()
    run.check(page, "seats.seats", "after +")
    page.goto(run.url("/package/edit/seats?agents=6&packs=1"))
    run.check(page, "seats.seats", "form")

    page.goto(run.url("/billing/invoices/"))
    run.check(page, "invoices.index", "list")
    edit = page.locator(f"#note-{portal.paid_invoice_id} a")
    edit.click()
    expect(page.locator(f"#note-text-{portal.paid_invoice_id}")).to_be_visible()
    run.check(page, "invoices.index", "note being edited")
    page.fill(f"#note-text-{portal.paid_invoice_id}", "PO 4711")
    page.locator(f"#note-{portal.paid_invoice_id} button[type=submit]").click()
    expect(page.locator(f"#note-{portal.paid_invoice_id}")).to_contain_text("PO 4711")
    run.check(page, "invoices.index", "note saved")
    page.goto(run.url(f"/billing/invoices/{portal.paid_invoice_id}/note/edit"))
    run.check(page, "invoices.edit_note", "page")

    page.goto(run.url(f"/billing/invoices/{portal.open_invoice_id}/pay"))
    run.check(page, "invoices.pay", "form")
    page.locator("label", has_text="PayPal").locator("input[name=method]").check()
    page.locator("button.pay").click()
    page.wait_for_url(re.compile(r"/sandbox/paypal/"))
    run.check(page, "sandbox.paypal", "form")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    run.check(page, "invoices.pay", "paid", at=ANYWHERE)
    page.goto(run.url("/billing/invoices/?status=open"))
    run.check(page, "invoices.index", "open filter")
    year_downloads(page, run)
    page.goto(run.url(f"/billing/invoices/{MAX_ID}/pay"))
    run.check(page, "invoices.pay", "not found")
    page.goto(run.url(f"/billing/invoices/{portal.paid_invoice_id}/reissue"))
    run.check(page, "invoices.reissue_preview", "nothing to reissue")

    page.goto(run.url("/billing/payment-methods/"))
    run.check(page, "methods.index", "list")
    page.fill("#number", "1234")
    page.locator("form[action$='/cards'] [type=submit]").click()
    run.check(page, "methods.index", "card errors", at="methods.add_card")

    page.goto(run.url("/billing/info"))
    run.check(page, "billing.info", "form")
    page.fill("#billing_email", "not an address")
    page.locator("main form [type=submit]").last.click()
    run.check(page, "billing.info", "errors")
    page.goto(run.url("/billing/activity"))
    run.check(page, "billing.activity_log", "list")
    page.goto(run.url("/billing/letters-of-intent"))
    run.check(page, "billing.letters_of_intent", "list")
    page.locator("main form.letter-upload [type=submit]").click()
    run.check(page, "billing.letters_of_intent", "errors")

    page.goto(run.url("/team/"))
    run.check(page, "team.members", "list")
    page.fill("#invite input[type=email]", "not an address")
    page.locator("#invite [type=submit]").click()
    run.check(page, "team.members", "invite errors", at="team.invite")
    page.goto(run.url("/team/"))
    hand_over = page.locator("main a[href$='/ownership']").first
    hand_over_url = hand_over.get_attribute("href")
    remove_url = page.locator("main a[href$='/remove']").first.get_attribute("href")
    hand_over.click()
    expect(page.locator("#team-confirm input[type=password]")).to_be_visible()
    run.check(page, "team.members", "hand-over asked (htmx)")
    page.goto(run.url(hand_over_url))
    run.check(page, "team.confirm_transfer", "form")
    page.fill("#team-confirm input[type=password]", "not my password at all")
    page.locator("#team-confirm [type=submit]").click()
    expect(page.locator("#team-confirm .field-error")).to_be_visible()
    run.check(page, "team.confirm_transfer", "wrong password")
    page.goto(run.url(remove_url))
    run.check(page, "team.confirm_remove", "form")

    page.goto(run.url("/password"))
    run.check(page, "auth.change_password", "form")
    page.locator("main input[type=password]").nth(0).fill("not my password at all")
    page.locator("main input[type=password]").nth(1).fill("a new long password 123")
    page.locator("main input[type=password]").nth(2).fill("a new long password 123")
    page.locator("main form [type=submit]").click()
    run.check(page, "auth.change_password", "wrong current password")


def year_downloads(page: Page, run: Run) -> None:
    """The year's ZIP downloads from the form; a year without documents says so."""
    page.goto(run.url("/billing/invoices/"))
    latest = page.locator("#zip-year").input_value()
    with page.expect_download() as download:
        page.locator(".year-zip [type=submit]").click()
    assert download.value.suggested_filename == f"invoices-{latest}.zip"
    page.goto(run.url("/billing/invoices/?status=credit-notes"))
    run.check(page, "invoices.index", "credit notes filter")
    page.goto(run.url("/billing/invoices/zip?year=1999"))
    expect(page.locator(".flash-info")).to_contain_text("1999")
    run.check(page, "invoices.index", "year without documents", at=ANYWHERE)


def billing_admin(page: Page, run: Run) -> None:
    page.goto(run.url("/package"))
    run.check(page, "dashboard.my_package", "billing admin")
    page.goto(run.url("/billing/invoices/"))
    run.check(page, "invoices.index", "billing admin")
    page.goto(run.url("/billing/payment-methods/"))
    run.check(page, "methods.index", "billing admin")


def member(page: Page, run: Run) -> None:
    page.goto(run.url("/package"))
    run.check(page, "dashboard.my_package", "member")
    page.goto(run.url("/billing/invoices/"))
    run.check(page, "invoices.index", "member refused")


def free_owner(page: Page, run: Run) -> None:
    page.goto(run.url("/package"))
    run.check(page, "dashboard.my_package", "free")


def pro_owner(page: Page, run: Run) -> None:
    page.goto(run.url("/package"))
    run.check(page, "dashboard.my_package", "annual")
    page.goto(run.url("/package/edit?period=monthly"))
    run.check(page, "wizard.choose_plan", "annual to monthly")
    # The Czech company's VAT ID without an answer from the EU registry (VIES on for this
    # page only; a GET never asks the registry).
    run.app.config["VIES_ENABLED"] = True
    try:
        with run.app.app_context():
            account_id = db.session.scalar(
                select(BillingInfo.account_id).where(BillingInfo.vat_id == "CZ25123891")
            )
            unknown = RegistryAnswer(
                "CZ25123891", RegistryVerdict.UNKNOWN, clock.now(), reason="MS_UNAVAILABLE"
            )
            vies.record_answer(account_id, None, unknown)
            db.session.commit()
        page.goto(run.url("/billing/info"))
        expect(page.locator("#vat-id-note")).to_be_visible()
        run.check(page, "billing.info", "VAT ID not confirmed by VIES")
    finally:
        run.app.config["VIES_ENABLED"] = False


def staff(page: Page, run: Run) -> None:
    page.goto(run.url("/backoffice/accounts"))
    run.check(page, "backoffice.accounts", "list")
    page.goto(run.url("/backoffice/accounts?q=no+such+company"))
    run.check(page, "backoffice.accounts", "no match")
    for section, state in (
        ("invoices", "invoices"),
        ("payments", "payments"),
        ("activity", "activity"),
    ):
        page.goto(run.url(f"/backoffice/accounts/{run.portal.dante_id}?show={section}"))
        run.check(page, "backoffice.account", state)
    for chip, state in ((None, "all"), ("rejected", "rejected"), ("sent", "none in this state")):
        page.goto(run.url("/backoffice/einvoices" + (f"?state={chip}" if chip else "")))
        run.check(page, "backoffice.einvoices_list", state)
    page.goto(run.url("/backoffice/letters-of-intent"))
    run.check(page, "backoffice.letters", "list")
    page.goto(run.url(f"/backoffice/letters-of-intent/{run.portal.letter_id}"))
    run.check(page, "backoffice.letter", "form")
    page.locator("main form [name=reject]").click()
    run.check(page, "backoffice.letter", "no reason")
    page.goto(run.url("/backoffice/quotes"))
    run.check(page, "quotes.staff_list", "list")
    page.goto(run.url("/backoffice/quotes/new"))
    run.check(page, "quotes.staff_new", "form")
    page.fill("#agents", "")
    page.locator("main form button:not([formaction])").last.click()
    run.check(page, "quotes.staff_new", "errors")
    page.goto(run.url(f"/backoffice/quotes/{run.portal.draft_quote_id}"))
    run.check(page, "quotes.staff_detail", "draft")
    page.goto(run.url(f"/backoffice/quotes/{run.portal.sent_quote_id}"))
    run.check(page, "quotes.staff_detail", "sent")


def save_entry(page: Page) -> None:
    """Press the entry's Save and wait for the answer before typing again."""
    save_and_wait(page, page.locator("main .entry-form button[type=submit]"))


def translator(page: Page, run: Run) -> None:
    page.goto(run.url("/translations/"))
    run.check(page, "catalogs.overview", "overview")
    page.goto(run.url("/translations/fr/"))
    run.check(page, "catalogs.entries", "list")
    page.goto(run.url("/translations/fr/?filter=warnings"))
    run.check(page, "catalogs.entries", "warnings")
    page.goto(run.url("/translations/fr/"))
    key = (
        page.locator("main article.catalog-entry").first.get_attribute("id").removeprefix("entry-")
    )
    page.goto(run.url(f"/translations/fr/entries/{key}"))
    run.check(page, "catalogs.entry", "form")
    textarea = page.locator("main textarea").first
    original = textarea.input_value()
    textarea.fill(original + " %(nope)s")
    save_entry(page)
    expect(page.locator("main .entry-problems .field-error").first).to_be_visible()
    run.check(page, "catalogs.entry", "problems")
    page.locator("main textarea").first.fill((original or "Bonjour") + " ")
    save_entry(page)
    expect(page.locator("main .entry-problems .field-warning").first).to_be_visible()
    run.check(page, "catalogs.entry", "warnings")
    page.locator("main textarea").first.fill(original or "Bonjour")
    # Confirmed, in case the entry as it was has a warning of its own.
    page.locator("main input[name=confirm]").check()
    save_entry(page)
    expect(page.locator("main .entry-saved")).to_be_visible()
    run.check(page, "catalogs.entry", "saved")
    page.locator("main input[name=fuzzy]").check()
    page.locator("main textarea").first.fill((original or "Bonjour") + " !")
    page.locator("main input[name=confirm]").check()
    save_entry(page)
    expect(page.locator("main .entry-review-note")).to_be_visible()
    run.check(page, "catalogs.entry", "needs review")
    page.goto(run.url("/translations/fr/glossary"))
    run.check(page, "glossary.terms", "list")
    page.locator("#add-term button[type=submit]").click()
    expect(page.locator("main .field-error").first).to_be_visible()
    run.check(page, "glossary.terms", "errors")
    page.goto(run.url("/translations/fr/glossary"))
    page.locator("main .glossary-table a[role=button]").first.click()
    run.check(page, "glossary.term", "form")


FLOWS: dict[str, Callable[[Page, Run], None]] = {
    "anonymous": anonymous,
    "owner": owner,
    "billing_admin": billing_admin,
    "member": member,
    "free_owner": free_owner,
    "pro_owner": pro_owner,
    "staff": staff,
    "translator": translator,
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_and_passes_axe(chromium, live_url, app, tmp_path, language):
    portal = seed_portal(app, language, tmp_path / "demo-credentials.json")
    run = Run(app=app, base=live_url, language=language, portal=portal)
    for role, flow in FLOWS.items():
        context = chromium.new_context(
            locale={"it": "it-IT", "fr": "fr-FR", "en": "en-GB"}[language],
            viewport={"width": run.flow_width, "height": 900},
            # axe-core is injected as an inline script, which the portal's CSP forbids.
            bypass_csp=True,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(path=AXE)
        try:
            flow(sign_in(context, live_url, portal, role), run)
        finally:
            context.close()
    expected = {(endpoint, state) for endpoint, states in PAGES.items() for state in states}
    unseen = sorted(expected - run.seen)
    assert not unseen, f"states the flows did not reach: {unseen}"
    assert not run.problems, "\n".join(run.problems)


TABLE_SCROLL = """() => Array.from(document.querySelectorAll("main .table-scroll"))
  .map(box => box.scrollWidth - box.clientWidth)"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_backoffice_accounts_table_fits_without_scrolling(
    chromium, live_url, app, tmp_path, language
):
    """The accounts table fits the main column at 1280 px and reflows on a phone."""
    portal = seed_portal(app, language, tmp_path / "demo-credentials.json")
    run = Run(app=app, base=live_url, language=language, portal=portal)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(10_000)
    context.add_init_script(path=AXE)
    try:
        page = sign_in(context, live_url, portal, "staff")
        page.goto(run.url("/backoffice/accounts"))
        run.check(page, "backoffice.accounts", "list")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            hidden = page.evaluate(TABLE_SCROLL)
            assert hidden and max(hidden) <= 0, f"{language} {width}px: {hidden} px to scroll"
        # On a phone each account is a block of labelled cells, as the other tables do.
        assert page.locator("main table.reflow td[data-label]").count() > 0
    finally:
        context.close()
    assert not run.problems, "\n".join(run.problems)
