"""Downloading an invoice PDF: stored bytes, re-rendered when the invoice changes, access."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.documents import pdf as documents
from portal.extensions import db
from portal.models import Invoice, InvoicePdf, Role
from tests.documents.conftest import pdf_text

ADMIN = "billing@acme.example.com"


@pytest.fixture
def account_id(factory, invoicing) -> int:
    """An account with its billing admin, owner and member."""
    account = invoicing.customer(factory, "Dvořák & Šťastný s.r.o.", country="CZ")
    factory.user(ADMIN, Role.BILLING_ADMIN, account)
    factory.user("owner@acme.example.com", Role.OWNER, account)
    factory.user("agent@acme.example.com", Role.MEMBER, account)
    return account


@pytest.fixture
def invoice_id(invoicing, account_id) -> int:
    """A paid invoice of the account."""
    return invoicing.first_purchase(account_id)


def url(invoice_id: int) -> str:
    """The download address."""
    return f"/billing/invoices/{invoice_id}/pdf"


def stored(app, invoice_id: int) -> tuple[str, bytes] | None:
    """The stored digest and bytes, if any."""
    with app.app_context():
        row = db.session.get(InvoicePdf, invoice_id)
        return None if row is None else (row.source_digest, row.content)


def test_download_is_a_pdf_attachment_that_is_stored(app, client, auth, invoice_id):
    auth.login(ADMIN)
    response = client.get(url(invoice_id))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == ("attachment; filename=INV-2026-000001.pdf")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data.startswith(b"%PDF")
    assert "Dvořák & Šťastný s.r.o." in pdf_text(response.data)
    with app.app_context():
        expected = documents.source_digest(db.session.get(Invoice, invoice_id))
    assert stored(app, invoice_id) == (expected, response.data)


def test_a_repeat_download_serves_the_same_bytes_without_rendering(
    client, auth, invoice_id, monkeypatch
):
    auth.login(ADMIN)
    first = client.get(url(invoice_id)).data

    def no_rendering(invoice):
        raise AssertionError("the stored PDF should have been served")

    monkeypatch.setattr(documents, "render_invoice_pdf", no_rendering)
    assert client.get(url(invoice_id)).data == first
    assert client.get(url(invoice_id)).data == first


def test_a_changed_note_changes_the_bytes_and_the_stored_row(
    app, client, auth, invoicing, invoice_id
):
    auth.login(ADMIN)
    before = client.get(url(invoice_id)).data
    digest_before, _ = stored(app, invoice_id)
    invoicing.update(invoice_id, note="Order <PO-17> & delivery")
    after = client.get(url(invoice_id)).data
    assert after != before
    assert "Order <PO-17> & delivery" in pdf_text(after)
    digest_after, content = stored(app, invoice_id)
    assert digest_after != digest_before
    assert content == after
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InvoicePdf)) == 1


def test_a_refreshed_customer_snapshot_changes_the_pdf(app, client, auth, invoicing, invoice_id):
    auth.login(ADMIN)
    before = client.get(url(invoice_id)).data
    invoicing.update(
        invoice_id,
        customer={"company": "Zakład Usług Łódź Sp. z o.o.", "country": "PL", "city": "Łódź"},
    )
    after = client.get(url(invoice_id)).data
    assert after != before
    text = pdf_text(after)
    assert "Zakład Usług Łódź Sp. z o.o." in text
    assert "Dvořák" not in text
    assert stored(app, invoice_id)[1] == after


def test_the_owner_may_download(client, auth, invoice_id):
    auth.login("owner@acme.example.com")
    assert client.get(url(invoice_id)).status_code == 200


def test_a_member_gets_403(app, client, auth, invoice_id):
    auth.login("agent@acme.example.com")
    response = client.get(url(invoice_id))
    assert response.status_code == 403
    assert stored(app, invoice_id) is None


def test_another_accounts_invoice_is_404(app, client, auth, factory, invoicing, account_id):
    other = invoicing.customer(factory, "Other S.r.l.")
    other_invoice = invoicing.first_purchase(other)
    auth.login(ADMIN)
    response = client.get(url(other_invoice))
    assert response.status_code == 404
    assert b"%PDF" not in response.data
    assert stored(app, other_invoice) is None
    assert client.get(url(other_invoice + 1000)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, invoice_id):
    response = client.get(url(invoice_id))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_invoice_pdf_bytes_flushes_and_leaves_the_commit_to_the_caller(app, invoice_id):
    with app.app_context():
        content = documents.invoice_pdf_bytes(db.session.get(Invoice, invoice_id))
        assert db.session.get(InvoicePdf, invoice_id).content == content
        db.session.rollback()
    assert stored(app, invoice_id) is None
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert documents.invoice_pdf_bytes(invoice) == content
        db.session.commit()
        assert documents.invoice_pdf_bytes(invoice) == content
    assert stored(app, invoice_id)[1] == content


def test_pdf_of_is_scoped_to_the_account(app, account_id, invoice_id):
    with app.app_context():
        assert documents.pdf_of(account_id + 1000, invoice_id) is None
        invoice, content, drawn = documents.pdf_of(account_id, invoice_id)
        assert invoice.id == invoice_id
        assert content.startswith(b"%PDF")
        assert drawn
        assert documents.pdf_of(account_id, invoice_id)[2] is False  # the stored one now
    assert stored(app, invoice_id)[1] == content  # committed


def test_the_download_says_whether_it_drew_the_pdf(auth, client, invoice_id):
    auth.login(ADMIN)
    first = client.get(f"/billing/invoices/{invoice_id}/pdf")
    assert first.headers["Server-Timing"] == 'pdf;desc="drawn"'
    again = client.get(f"/billing/invoices/{invoice_id}/pdf")
    assert again.headers["Server-Timing"] == 'pdf;desc="stored"'
    assert again.data == first.data


def test_simultaneous_first_downloads_both_succeed(app, auth, client, invoice_id):
    auth.login(ADMIN)
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    barrier = threading.Barrier(2)
    responses = [None, None]

    def download(index: int, browser) -> None:
        barrier.wait()
        responses[index] = browser.get(url(invoice_id))

    threads = [threading.Thread(target=download, args=pair) for pair in enumerate([client, twin])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0].data == responses[1].data == stored(app, invoice_id)[1]


def test_a_pdf_that_cannot_be_drawn_is_a_friendly_503(client, auth, invoice_id, monkeypatch):
    """A rendering failure is logged and answered with a translated page, not a 500."""

    def broken(invoice):
        raise documents.InvoicePdfError(f"invoice {invoice.number}: broken table")

    monkeypatch.setattr(documents, "render_invoice_pdf", broken)
    auth.login(ADMIN)
    response = client.get(url(invoice_id))
    assert response.status_code == 503
    assert "not available right now" in response.text
    assert response.mimetype == "text/html"
