"""In Italian: staff turn an 80-agent request into a quote and send it; a quote is rejected."""

from __future__ import annotations

import io
import os
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from portal.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("QUOTE_SCREENSHOTS")  # a folder: look at the pages at 390 and 1280 px


def _shoot(page: Page, name: str) -> None:
    """Screenshots at phone and desktop width, when asked for."""
    if not SHOTS:
        return
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _sign_in(page: Page, base: str, email: str) -> None:
    """Sign in through the form."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()


def _sign_out(page: Page) -> None:
    """Press Esci."""
    page.locator("header .user-menu > summary").click()
    page.locator("header form[action$='/logout'] button").click()
    page.wait_for_load_state()


@pytest.fixture
def people(app, factory, clock) -> dict[str, str]:
    """An Italian company with an Italian billing admin, and a staff user speaking Italian."""
    account_id = factory.account("Pasticceria Dvořák S.r.l.", country="IT")
    factory.subscription(account_id, agents=3, anchor=clock.today())
    factory.user("giulia@dolce.example.com", Role.BILLING_ADMIN, account_id, locale="it")
    factory.user("staff@vendor.example.com", Role.STAFF, locale="it")
    with app.app_context():
        from portal.extensions import db
        from portal.models import Account

        info = db.session.get(Account, account_id).billing_info
        info.invoice_language = "it"
        # A company without a VAT ID gives its tax code for the e-invoice.
        info.tax_code = "00743110157"
        info.address, info.postal_code, info.city = "Via Roma 1", "20121", "Milano"
        db.session.commit()
    return {"admin": "giulia@dolce.example.com", "staff": "staff@vendor.example.com"}


def _quote_link(outbox: Path, number: str) -> str:
    """The link in the quote's e-mail."""
    for path in outbox.glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if number in message["Subject"]:
            body = message.get_body(preferencelist=("plain",)).get_content()
            return re.search(r"https?://\S+/quotes/\d+", body).group(0)
    raise AssertionError(f"no e-mail for {number}")


def test_request_to_sent_quote_and_a_rejection(chromium, live_url, people, app):
    """Request 80 agents, staff draft and send, the admin opens the e-mail's link, rejects."""
    context = chromium.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        _sign_in(page, live_url, people["admin"])
        page.goto(f"{live_url}/package/edit/request-quote?plan=pro&period=annual&agents=80")
        page.fill("#message", "Ci servono 80 agenti da gennaio.")
        _shoot(page, "request")
        page.locator("main form [type=submit]").click()
        expect(page.locator(".flash-success")).to_contain_text("preventivo")
        _sign_out(page)

        _sign_in(page, live_url, people["staff"])
        page.click(".app-nav a[href$='/backoffice/quotes']")
        expect(page.locator("#quote-requests")).to_contain_text("Ci servono 80 agenti")
        _shoot(page, "staff-queue")
        page.locator("#quote-requests button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text("Bozza di preventivo")
        assert page.locator("#agents").input_value() == "80"
        page.select_option("#agent_discount_kind", "percent")
        page.fill("#agent_discount_value", "15")
        page.fill("#term_months", "24")
        page.fill("#note", "Prezzo riservato fino al 2028.")
        # The live preview (htmx) prices what is typed before it is saved:
        # Pro annual €240.00 − 15 % = €204.00 per agent, 80 × 204,00 € = 16.320,00 €.
        expect(page.locator("#quote-figures-panel")).to_contain_text("16.320,00\xa0€")
        page.locator("button:not([formaction])", has_text="Salva la bozza").click()
        expect(page.locator(".flash-success")).to_contain_text("Bozza salvata")
        expect(page.locator(".quote-figures")).to_contain_text("16.320,00\xa0€")
        _shoot(page, "staff-draft")
        page.locator("button[formaction$='/send']").click()
        expect(page.locator(".flash-success")).to_contain_text("Q-")
        number = re.search(r"Q-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)
        _shoot(page, "staff-sent")
        _sign_out(page)

        link = _quote_link(Path(app.config["MAIL_OUTBOX_DIR"]), number)
        page.goto(link)
        page.fill("#email", people["admin"])
        page.fill("#password", PASSWORD)
        page.locator("main form [type=submit]").click()
        expect(page.locator("h1")).to_contain_text(f"Preventivo {number}")
        expect(page.locator(".app-nav")).to_contain_text("Preventivi")
        expect(page.locator(".quote-figures")).to_contain_text("24 mesi")
        _shoot(page, "customer-quote")
        page.click("main a[href$='/accept']")
        expect(page.locator(".steps")).to_contain_text("Dati di fatturazione")
        _shoot(page, "accept-billing")
        page.go_back()
        page.locator("main details summary").click()
        page.fill("#reason", "Il budget per il 2027 non è ancora approvato.")
        page.locator("form[action$='/reject'] button").click()
        expect(page.locator(".flash-success")).to_contain_text("rifiutato")
        _sign_out(page)

        _sign_in(page, live_url, people["staff"])
        page.goto(f"{live_url}/backoffice/quotes?status=rejected")
        page.click(f"text={number}")
        expect(page.locator(".rejection-reason")).to_have_text(
            "Il budget per il 2027 non è ancora approvato."
        )
        expect(page.locator(".rejection")).to_contain_text("Giulia")
        _shoot(page, "staff-rejected")
    finally:
        context.close()


def _send_quote_for_80_agents(page: Page, base: str, people: dict[str, str]) -> str:
    """The admin asks for 80 agents; staff turn the request into a quote and send it."""
    _sign_in(page, base, people["admin"])
    page.goto(f"{base}/package/edit/request-quote?plan=standard&period=monthly&agents=80")
    page.fill("#message", "Ottanta agenti, per favore.")
    page.locator("main form [type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("preventivo")
    _sign_out(page)
    _sign_in(page, base, people["staff"])
    page.click(".app-nav a[href$='/backoffice/quotes']")
    page.locator("#quote-requests button[type=submit]").first.click()
    expect(page.locator("h1")).to_contain_text("Bozza di preventivo")
    page.locator("button[formaction$='/send']").click()
    expect(page.locator(".flash-success")).to_contain_text("Q-")
    number = re.search(r"Q-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)
    _sign_out(page)
    return number


def test_a_billing_admin_accepts_an_80_agent_quote_with_3d_secure(chromium, live_url, people, app):
    """From the e-mail's link through the four steps, the 3-D Secure card approved, to My
    package with 80 agents."""
    context = chromium.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        number = _send_quote_for_80_agents(page, live_url, people)
        _sign_in(page, live_url, people["admin"])
        page.goto(f"{live_url}/billing/payment-methods/")
        page.fill("#holder", "Giulia Dvořák")
        page.fill("#number", "4000 0027 6000 3184")
        page.fill("#expiry", "12/34")
        page.fill("#cvc", "123")
        page.locator("form[action$='/cards'] [type=submit]").click()
        page.wait_for_load_state()
        _sign_out(page)

        page.goto(_quote_link(Path(app.config["MAIL_OUTBOX_DIR"]), number))
        page.fill("#email", people["admin"])
        page.fill("#password", PASSWORD)
        page.locator("main form [type=submit]").click()
        expect(page.locator("h1")).to_contain_text(f"Preventivo {number}")
        page.click("main a[href$='/accept']")
        page.locator("main form [type=submit]").first.click()  # billing info as it is
        page.wait_for_url(re.compile(r"/accept/method"))
        page.locator("main form [type=submit]").first.click()  # the saved card
        page.wait_for_url(re.compile(r"/accept/review"))
        _shoot(page, "accept-review")
        page.locator("main form [type=submit]").first.click()
        page.wait_for_url(re.compile(r"/accept/confirm"))
        page.fill("#purchase_order", "OdA 2026/77")  # for this quote's invoice
        page.check("#accept")
        page.locator("main form [type=submit]").first.click()
        page.wait_for_url(re.compile(r"/sandbox/3ds/"))
        page.click("[name=approve]")
        page.wait_for_url(re.compile(r"/package$"))
        expect(page.locator(".flash-success")).to_contain_text(number)
        expect(page.locator("main")).to_contain_text("80 agenti")
        _shoot(page, "accepted-package")

        # The invoice names the quote and the purchase order: in the list and on its PDF.
        page.goto(f"{live_url}/billing/invoices/")
        expect(page.locator("main")).to_contain_text(f"per il preventivo {number}")
        expect(page.locator("main")).to_contain_text("OdA 2026/77")
        with app.app_context():
            from portal.extensions import db
            from portal.models import Invoice

            invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.quote_number == number))
        pdf = page.request.get(f"{live_url}/billing/invoices/{invoice_id}/pdf")
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
        assert f"Rif. preventivo {number}" in text
        assert "Rif. ordine di acquisto: OdA 2026/77" in text
    finally:
        context.close()
