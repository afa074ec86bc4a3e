"""The same words for the same thing in the list, the PDF and the e-mail, in each language."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask_babel import force_locale

from portal.documents import pdf as documents
from portal.extensions import db
from portal.mail.messages import document_texts
from portal.models import Account, BillingActivity, Invoice
from tests.documents.conftest import pdf_text

NNBSP = "\u202f"
DASH = "\N{EN DASH}"  # between the dates of a period
STATUS = {"it": "Stato", "fr": "Statut", "en": "Status"}


def invoice_in(app, issue, account_id: int, language: str) -> int:
    """A paid invoice (13 Nov - 13 Dec 2026, 22 % VAT) issued in the language."""
    with app.app_context():
        db.session.get(Account, account_id).billing_info.invoice_language = language
        db.session.commit()
    return issue(account_id, agents=2)


def pdf_and_email(app, invoice_id: int) -> tuple[str, str]:
    """The text of the invoice's PDF and of its e-mail, both in the invoice's language."""
    with app.test_request_context():
        invoice = db.session.get(Invoice, invoice_id)
        pdf = pdf_text(documents.render_invoice_pdf(invoice))
        with force_locale(invoice.language):
            _, body = document_texts(invoice, None)
    return pdf, body


@pytest.mark.parametrize(
    ("language", "paid", "paid_with", "in_full", "period", "vat"),
    [
        (
            "it",
            "Pagata",
            "Pagata con Visa",
            "Pagata per intero.",
            f"13 nov 2026 {DASH} 13 dic 2026",
            "IVA 22%",
        ),
        (
            "fr",
            "Payée",
            "Payée par Visa",
            "Payée intégralement.",
            f"13 nov. 2026 {DASH} 13 déc. 2026",
            f"TVA 22{NNBSP}%",
        ),
        (
            "en",
            "Paid",
            "Paid with Visa",
            "Paid in full.",
            f"Nov 13, 2026 {DASH} Dec 13, 2026",
            "VAT 22%",
        ),
    ],
)
def test_paid_agrees_with_invoice_in_list_pdf_and_email(
    customer, issue, app, language, paid, paid_with, in_full, period, vat
):
    invoice_id = invoice_in(app, issue, customer.account_id, language)
    page = customer.client.get("/billing/invoices/", headers={"Accept-Language": language}).text
    assert f'<span class="status-paid">{paid}</span>' in page
    # A person reads it (no "11/13/26"); each date is kept on one line by its own tag.
    assert period in re.sub(r"<[^>]+>", "", page)
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{2}\b", page)
    pdf, email = pdf_and_email(app, invoice_id)
    assert f"{STATUS[language]} {paid}" in pdf
    assert paid_with in pdf
    assert vat.replace(NNBSP, " ") in pdf
    assert in_full in email


@pytest.mark.parametrize(
    ("language", "filter_label"), [("it", "Pagate"), ("fr", "Payées"), ("en", "Paid")]
)
def test_the_paid_filter_names_invoices_in_the_plural(customer, language, filter_label):
    page = customer.client.get("/billing/invoices/", headers={"Accept-Language": language}).text
    assert f">{filter_label}</a>" in page


@pytest.mark.parametrize(
    ("language", "one", "many", "when"),
    [
        (
            "en",
            "Quote requested for 1 agent.",
            "Quote requested for 60 agents.",
            "1:31\u202fAM CET",
        ),
        (
            "it",
            "Preventivo richiesto per 1 agente.",
            "Preventivo richiesto per 60 agenti.",
            "01:31 CET",
        ),
        ("fr", "Devis demandé pour 1 agent.", "Devis demandé pour 60 agents.", "01:31 CET"),
    ],
)
def test_activity_has_plurals_and_times_with_zone_without_seconds(
    customer, app, language, one, many, when
):
    with app.app_context():
        for agents in (1, 60):
            db.session.add(
                BillingActivity(
                    account_id=customer.account_id,
                    kind="quote_requested",
                    at=datetime(2026, 11, 16, 0, 31, 24),
                    details={"agents": agents, "plan": "pro", "period": "monthly"},
                )
            )
        db.session.commit()
    page = customer.client.get("/billing/activity", headers={"Accept-Language": language}).text
    assert one in page and many in page
    assert when in page
    assert "31:24" not in page
