"""The EN 16931 files of an issued document: its Factur-X PDF and its UBL XML.

The plain PDF stays the stored one (portal.documents.pdf, drawn once); a Factur-X PDF is that
PDF made PDF/A-3 with the CII attached, built when asked for, so the plain path costs nothing
more. Each file is account-scoped like the PDF download.
"""

from __future__ import annotations

from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.documents import pdf as documents
from portal.einvoices import en16931
from portal.einvoices.facturx_pdf import facturx_pdf
from portal.einvoices.formats import format_for_document
from portal.extensions import db
from portal.models import Account, BillingInfo, EInvoiceFormat, Invoice
from portal.web import private_download

UBL_MIMETYPE = "application/xml"


def facturx_bytes(invoice: Invoice) -> bytes:
    """The document's Factur-X PDF, in its invoice language.

    Flushes a newly drawn plain PDF (as invoice_pdf_bytes does) but does not commit.
    """
    values = en16931.einvoice_of(invoice)
    pdf = documents.invoice_pdf_bytes(invoice)
    language = invoice.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    return facturx_pdf(pdf, en16931.cii_xml(values), values, language)


def ubl_bytes(invoice: Invoice) -> bytes:
    """The document's UBL 2.1 XML (Invoice, or CreditNote)."""
    return en16931.ubl_xml(en16931.einvoice_of(invoice))


def chosen_format(invoice: Invoice) -> EInvoiceFormat:
    """The format the account chose now, where the document's buyer may have it."""
    account = db.session.get(Account, invoice.account_id)
    info = account.billing_info if account is not None else None
    return format_for_document(invoice.customer or {}, info.einvoice_format if info else None)


def delivered_pdf(invoice: Invoice) -> tuple[str, bytes]:
    """The PDF an e-mail carries and the download gives: the Factur-X where it was chosen."""
    if chosen_format(invoice) is EInvoiceFormat.FACTURX:
        return f"{invoice.number}.pdf", facturx_bytes(invoice)
    return f"{invoice.number}.pdf", documents.invoice_pdf_bytes(invoice)


def _account_invoice(account_id: int, invoice_id: int) -> Invoice | None:
    """The account's document with its lines; None when it is not that account's."""
    return db.session.scalar(
        select(Invoice)
        .options(selectinload(Invoice.lines))
        .where(Invoice.id == invoice_id, Invoice.account_id == account_id)
    )


def pdf_download(account_id: int, invoice_id: int) -> Response:
    """The document's PDF download: the Factur-X where the account chose it, else the plain
    PDF exactly as portal.documents.pdf serves it."""
    # One indexed lookup before the plain path, which then runs exactly as before.
    chosen = db.session.scalar(
        select(BillingInfo.einvoice_format).where(BillingInfo.account_id == account_id)
    )
    if chosen != EInvoiceFormat.FACTURX:
        return documents.pdf_download(account_id, invoice_id)
    invoice = _account_invoice(account_id, invoice_id)
    if invoice is None:
        abort(404)
    if chosen_format(invoice) is not EInvoiceFormat.FACTURX:
        return documents.pdf_download(account_id, invoice_id)
    try:
        content = facturx_bytes(invoice)
    except documents.InvoicePdfError as error:
        current_app.logger.error("%s", error)
        abort(503)
    db.session.commit()  # a plain PDF drawn for it is kept
    return private_download(content, "application/pdf", f"{invoice.number}.pdf")


def ubl_download(account_id: int, invoice_id: int) -> Response:
    """The document's UBL XML download; 404 when it is not the account's or UBL was not
    chosen (the page offers it only then)."""
    invoice = _account_invoice(account_id, invoice_id)
    if invoice is None or chosen_format(invoice) is not EInvoiceFormat.UBL:
        abort(404)
    return private_download(ubl_bytes(invoice), UBL_MIMETYPE, f"{invoice.number}.xml")


def ubl_documents(account_id: int, invoice_ids: list[int]) -> set[int]:
    """Which of the account's listed documents have a UBL download: none unless it chose UBL
    (one query then, for the buyers the documents name)."""
    account = db.session.get(Account, account_id)
    info = account.billing_info if account is not None else None
    if not invoice_ids or info is None or info.einvoice_format != EInvoiceFormat.UBL:
        return set()
    rows = db.session.execute(
        select(Invoice.id, Invoice.customer).where(
            Invoice.account_id == account_id, Invoice.id.in_(invoice_ids)
        )
    )
    return {
        row.id
        for row in rows
        if format_for_document(row.customer or {}, info.einvoice_format) is EInvoiceFormat.UBL
    }
