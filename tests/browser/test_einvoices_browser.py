"""E-invoices in Chromium at phone width: the staff's list filtered to rejections, with each
code's meaning, leading to the account and its "produce again"; the customer's state in words
and the XML download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.models import EInvoiceState, Role
from tests.browser.conftest import shoot, sign_in
from tests.einvoices.conftest import einvoice_file  # noqa: F401
from tests.einvoices.test_einvoice_pages import REJECTION_PROBLEMS, _fake_producer
from tests.invoices.conftest import issue  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    """Nothing wider than the phone's screen outside a scrolling table."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def test_staff_find_a_rejection_read_its_code_and_produce_it_again(
    chromium,
    live_url,
    factory,
    issue,  # noqa: F811
    einvoice_file,  # noqa: F811
    monkeypatch,
):
    made = _fake_producer(monkeypatch)
    account_id = factory.account("Bottega Forlì S.r.l.")
    rejected_invoice = issue(account_id)
    rejected = einvoice_file(
        rejected_invoice, "00001", state=EInvoiceState.REJECTED, problems=REJECTION_PROBLEMS
    )
    einvoice_file(issue(account_id, agents=5), "00002", state=EInvoiceState.DELIVERED)
    factory.user("staff@vendor.example.com", Role.STAFF, locale="it")
    context = chromium.new_context(locale="it-IT", viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_url, "staff@vendor.example.com")
        page.goto(f"{live_url}/backoffice/einvoices")
        expect(page.locator("main h1")).to_have_text("Fatture elettroniche")
        expect(page.locator("main table tbody tr")).to_have_count(2)
        _fits(page)
        page.locator("main nav.filters a", has_text="Scartata").click()
        page.wait_for_load_state()
        rows = page.locator("main table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(rejected)
        expect(rows).to_contain_text("00404 Fattura duplicata: questo numero è già stato inviato")
        expect(rows).to_contain_text("00311 CodiceDestinatario non valido")
        _fits(page)
        shoot(page, "einvoices-staff-rejected-it")

        rows.locator("a", has_text="Bottega Forlì S.r.l.").click()
        page.wait_for_load_state()
        cell = page.locator(f"#document-{rejected_invoice} .einvoice-cell")
        expect(cell).to_contain_text("Scartata")
        expect(cell).to_contain_text("00404")
        cell.get_by_role("button", name="Rigenera e reinvia").click()
        page.wait_for_load_state()
        expect(page.locator(".flash-success")).to_contain_text(made[0])
        expect(page.locator(f"#document-{rejected_invoice} .einvoice-cell")).to_contain_text(
            "Generata"
        )
        assert made[0] != rejected
        shoot(page, "einvoices-staff-account-it")
    finally:
        context.close()


def test_the_customer_reads_the_state_and_downloads_the_xml_at_phone_width(
    chromium,
    live_url,
    factory,
    issue,  # noqa: F811
    einvoice_file,  # noqa: F811
):
    account_id = factory.account("Bottega Forlì S.r.l.")
    delivered = issue(account_id)
    name = einvoice_file(delivered, "00001", state=EInvoiceState.DELIVERED)
    preparing = issue(account_id, agents=5)
    einvoice_file(preparing, "00002", state=EInvoiceState.REJECTED, problems=REJECTION_PROBLEMS)
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id, locale="fr")
    context = chromium.new_context(locale="fr-FR", viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, live_url, "billing@bottega.example.com")
        page.goto(f"{live_url}/billing/invoices/")
        delivered_row = page.locator(f"#invoice-{delivered}")
        expect(delivered_row).to_contain_text("Facture électronique remise")
        preparing_row = page.locator(f"#invoice-{preparing}")
        expect(preparing_row).to_contain_text("Facture électronique en préparation")
        expect(preparing_row.get_by_role("link", name="XML")).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text("00404")
        _fits(page)
        shoot(page, "einvoices-customer-fr")
        with page.expect_download() as download:
            delivered_row.get_by_role("link", name="XML").click()
        assert download.value.suggested_filename == name
    finally:
        context.close()
