"""Refunded invoices and credit notes are shown as such, never "Paid"; empty filters say so."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Invoice, InvoiceStatus, Role
from tests.conftest import csrf_token_from
from tests.documents.conftest import pdf_text

LIST = "/billing/invoices/"
# (refunded invoice, credit note, paid invoice) in each language.
LABELS = {
    "en": ("Refunded", "Credit note", "Paid"),
    "it": ("Rimborsata", "Nota di credito", "Pagata"),
    "fr": ("Remboursée", "Avoir", "Payée"),
}


def row_of(page: str, invoice_id: int) -> str:
    """The HTML of one document's row in the list."""
    found = re.search(rf'<tr id="invoice-{invoice_id}">(.*?)</tr>', page, re.DOTALL)
    assert found, f"invoice {invoice_id} is not listed"
    return found.group(1)


def status_of(page: str, invoice_id: int) -> str:
    """The status text of one document's row."""
    found = re.search(r'<span class="status-[\w-]+">([^<]*)</span>', row_of(page, invoice_id))
    assert found
    return found.group(1)


def ids(app, account_id: int) -> dict[str, int]:
    """The account's documents by number."""
    with app.app_context():
        rows = db.session.execute(
            select(Invoice.number, Invoice.id).where(Invoice.account_id == account_id)
        ).all()
        return dict(rows)


def set_invoice_language(app, account_id: int, language: str) -> None:
    """Documents issued from now on are in `language`."""
    with app.app_context():
        db.session.get(Account, account_id).billing_info.invoice_language = language
        db.session.commit()


@pytest.fixture
def refunded(app, customer) -> dict[str, int]:
    """A real purchase (a Visa card, 2 agents) and the full refund a week later."""
    customer.add_card()
    form = customer.payment_form(
        plan="standard", period="monthly", currency="EUR", agents="2", packs="0"
    )
    assert customer.pay(form).status_code == 302
    token = csrf_token_from(customer.client.get("/package").text)
    response = customer.client.post("/package/refund", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 302
    documents = ids(app, customer.account_id)
    assert sorted(documents) == ["CN-2026-000001", "INV-2026-000001"]
    return {"invoice": documents["INV-2026-000001"], "note": documents["CN-2026-000001"]}


@pytest.mark.parametrize("language", ["en", "it", "fr"])
def test_a_refund_shows_refunded_and_credit_note_not_paid(customer, refunded, language):
    refunded_label, note_label, paid = LABELS[language]
    page = customer.client.get(LIST, headers={"Accept-Language": language}).text
    assert status_of(page, refunded["invoice"]) == refunded_label
    assert status_of(page, refunded["note"]) == note_label
    assert paid not in row_of(page, refunded["invoice"])
    assert paid not in row_of(page, refunded["note"])


def test_the_chips_put_refunds_and_credit_notes_apart_from_paid(customer, refunded, issue, credit):
    paid = issue(customer.account_id, agents=4)
    cancelled = issue(customer.account_id, agents=5, status=InvoiceStatus.OPEN)
    with customer.app.app_context():
        db.session.get(Invoice, cancelled).status = InvoiceStatus.CANCELLED
        db.session.commit()
    cancellation = credit(cancelled, change_kind="cancellation")
    chips = {
        "paid": {paid},
        "refunded": {refunded["invoice"]},
        "credit-notes": {refunded["note"], cancellation},
        "open": set(),
    }
    every = {paid, cancelled, cancellation, *refunded.values()}
    for status, expected in chips.items():
        page = customer.client.get(LIST, query_string={"status": status}).text
        shown = {int(found) for found in re.findall(r'<tr id="invoice-(\d+)">', page)}
        assert shown == expected, status
        assert f'href="/billing/invoices/?status={status}" aria-current="page"' in page
    page = customer.client.get(LIST).text
    assert {int(found) for found in re.findall(r'<tr id="invoice-(\d+)">', page)} == every
    assert status_of(page, paid) == "Paid"
    assert status_of(page, cancelled) == "Cancelled"
    assert status_of(page, cancellation) == "Credit note"


def test_a_seat_reduction_credit_note_leaves_the_invoice_paid(app, standard_customer):
    standard_customer.add_card()
    for agents in ("5", "3"):
        form = standard_customer.payment_form(
            plan="standard", period="monthly", currency="EUR", agents=agents, packs="0"
        )
        assert standard_customer.pay(form).status_code == 302
    documents = ids(app, standard_customer.account_id)
    page = standard_customer.client.get(LIST).text
    assert status_of(page, documents["INV-2026-000001"]) == "Paid"
    assert status_of(page, documents["CN-2026-000001"]) == "Credit note"
    refunded_chip = standard_customer.client.get(LIST, query_string={"status": "refunded"}).text
    assert "No refunded invoices." in refunded_chip


@pytest.mark.parametrize("language", ["en", "it", "fr"])
def test_the_pdfs_say_refunded_and_credit_note(app, customer, language):
    set_invoice_language(app, customer.account_id, language)
    customer.add_card()
    form = customer.payment_form(
        plan="standard", period="monthly", currency="EUR", agents="2", packs="0"
    )
    assert customer.pay(form).status_code == 302
    documents = ids(app, customer.account_id)
    refunded_label, note_label, paid = LABELS[language]
    before = pdf_text(
        customer.client.get(f"/billing/invoices/{documents['INV-2026-000001']}/pdf").data
    )
    assert paid in before and refunded_label not in before

    token = csrf_token_from(customer.client.get("/package").text)
    customer.client.post("/package/refund", data={"csrf_token": token, "confirm": "yes"})
    documents = ids(app, customer.account_id)
    # The stored PDF of the invoice is drawn again: it now says how it ended.
    invoice = pdf_text(
        customer.client.get(f"/billing/invoices/{documents['INV-2026-000001']}/pdf").data
    )
    assert refunded_label in invoice
    assert "CN-2026-000001" in invoice
    note = pdf_text(
        customer.client.get(f"/billing/invoices/{documents['CN-2026-000001']}/pdf").data
    )
    assert note_label in note
    assert f" {paid} " not in f" {note} "


def test_staff_see_refunded_and_credit_note_too(app, client, auth, factory, customer, refunded):
    factory.user("staff@vendor.example.com", Role.STAFF, None)
    auth.logout()
    auth.login("staff@vendor.example.com")
    url = f"/backoffice/accounts/{customer.account_id}"
    invoices = client.get(url, query_string={"show": "invoices"}).text
    assert "<td>Refunded</td>" in invoices
    assert "<td>Paid</td>" not in invoices
    notes = client.get(url, query_string={"show": "credit-notes"}).text
    assert "<td>Credit note</td>" in notes


# --- an empty filter says so ------------------------------------------------------------------

EMPTY = {
    "open": {
        "en": "No open invoices: everything is paid.",
        "it": "Nessuna fattura da pagare: è tutto pagato.",
        "fr": "Aucune facture à payer\u00a0: tout est payé.",
    },
    "paid": {
        "en": "No paid invoices.",
        "it": "Nessuna fattura pagata.",
        "fr": "Aucune facture payée.",
    },
    "refunded": {
        "en": "No refunded invoices.",
        "it": "Nessuna fattura rimborsata.",
        "fr": "Aucune facture remboursée.",
    },
    "credit-notes": {
        "en": "No credit notes.",
        "it": "Nessuna nota di credito.",
        "fr": "Aucun avoir.",
    },
}


@pytest.mark.parametrize("language", ["en", "it", "fr"])
def test_an_empty_filter_says_so_in_a_sentence(customer, issue, language):
    issue(customer.account_id, status=InvoiceStatus.OPEN)
    headers = {"Accept-Language": language}
    open_ = customer.client.get(LIST, query_string={"status": "open"}, headers=headers).text
    assert "<table" in open_
    for status in ("paid", "refunded", "credit-notes"):
        page = customer.client.get(LIST, query_string={"status": status}, headers=headers).text
        assert EMPTY[status][language] in page, status
        assert "<table" not in page


@pytest.mark.parametrize("language", ["en", "it", "fr"])
def test_open_with_everything_paid_says_everything_is_paid(customer, issue, language):
    issue(customer.account_id, on=date(2026, 10, 13))
    page = customer.client.get(
        LIST, query_string={"status": "open"}, headers={"Accept-Language": language}
    ).text
    assert EMPTY["open"][language] in page
    assert "<table" not in page
    # The year download stays: the account has documents, only none is open.
    assert 'class="year-zip"' in page


def test_before_the_first_invoice_every_filter_says_no_invoices_yet(customer):
    for status in (None, "open", "paid", "refunded", "credit-notes"):
        page = customer.client.get(LIST, query_string={"status": status} if status else {}).text
        assert "No invoices yet." in page
        assert "everything is paid" not in page
