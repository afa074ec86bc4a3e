"""Invoice PDFs in the invoice's language: drawn once, stored, and served as stored.

A stored PDF is the document. Its source digest covers what the document itself records
and shows (tests/documents/test_source_digest.py changes every column and line to prove each
one it draws is in): its figures and parties never change after issue, so the PDF is drawn
again only when what may be added later does (the note, the paid stamp, a refund's credit
note). An edit of the templates or the font changes the documents drawn from then on, never
a stored one.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from decimal import Decimal
from typing import Any

from babel import Locale
from flask import abort, current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal import clock
from portal.billing_text import letter_mention, line_description, line_heading, tax_mention
from portal.documents.issuing import LETTER_KEY
from portal.documents.refunds import refund_note_number
from portal.domain.pricing import BreakdownLine
from portal.domain.tax import TaxKind
from portal.extensions import db, insert_on_conflict
from portal.models import DocumentKind, Invoice, InvoiceLine, InvoicePdf, InvoiceStatus
from portal.pdf import FONT_FAMILY, FONT_FILES, PdfRenderError, font_directory, html_to_pdf
from portal.web import private_download

TEMPLATE = "pdf/invoice.html"


class InvoicePdfError(PdfRenderError):
    """An invoice could not be rendered as PDF; the message says which one and why."""


def breakdown_line(line: InvoiceLine) -> BreakdownLine:
    """A stored invoice line as the domain's line, so it is worded like the summary was."""
    return line.as_breakdown_line()


def _corrected_number(invoice: Invoice) -> str | None:
    """The number of the invoice a credit note corrects, if any."""
    if invoice.corrects_id is None:
        return None
    return db.session.scalar(select(Invoice.number).where(Invoice.id == invoice.corrects_id))


def _replaced_number(invoice: Invoice) -> str | None:
    """The number of the invoice a reissued invoice replaces, if any."""
    if invoice.replaces_id is None:
        return None
    return db.session.scalar(select(Invoice.number).where(Invoice.id == invoice.replaces_id))


def _rate_text(rate: Any) -> str:
    """The VAT rate as fixed text: '22.00' whether it was just issued or read back."""
    return f"{Decimal(str(rate)):.2f}"


def source_digest(invoice: Invoice) -> str:
    """SHA-256 of everything the PDF shows; another digest means the PDF is out of date."""
    source = {
        "number": invoice.number,
        "kind": invoice.kind,
        "issued_on": invoice.issued_on.isoformat(),
        "period": [
            invoice.period_start.isoformat() if invoice.period_start else None,
            invoice.period_end.isoformat() if invoice.period_end else None,
        ],
        "currency": invoice.currency,
        "amounts": [
            invoice.net_minor,
            invoice.vat_minor,
            invoice.total_minor,
            invoice.credit_used_minor,
            invoice.amount_due_minor,
        ],
        "vat_rate": _rate_text(invoice.vat_rate),
        "tax_kind": invoice.tax_kind,
        "status": invoice.status,
        "change_kind": invoice.change_kind,
        "paid_with": invoice.paid_with,
        "seller": invoice.seller,
        "customer": invoice.customer,
        "language": invoice.language,
        "corrects": _corrected_number(invoice),
        "replaces": _replaced_number(invoice),
        "refunded_by": refund_note_number(invoice),
        "note": invoice.note,
        "purchase_order": invoice.purchase_order,
        "quote_number": invoice.quote_number,
        "lines": [
            [
                line.position,
                line.kind,
                line.plan,
                line.billing_period,
                line.quantity,
                line.unit_minor,
                line.days,
                line.of_days,
                line.start.isoformat(),
                line.end.isoformat(),
                line.amount_minor,
            ]
            for line in sorted(invoice.lines, key=lambda line: line.position)
        ],
    }
    encoded = json.dumps(source, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _country_name(code: str | None, language: str) -> str:
    """A country's name in the invoice language (the code itself if Babel has no name)."""
    if not code:
        return ""
    return Locale.parse(language).territories.get(code.upper(), code.upper())


def render_invoice_html(invoice: Invoice) -> str:
    """The HTML handed to xhtml2pdf, in the invoice's language: labels, dates and money."""
    language = invoice.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    lines = [breakdown_line(line) for line in sorted(invoice.lines, key=lambda line: line.position)]
    with force_locale(language):
        # The template is rendered from the environment, not render_template: a document
        # depends on the invoice alone, never on who is signed in or the request's locale.
        template = current_app.jinja_env.get_template(TEMPLATE)
        return template.render(
            invoice=invoice,
            is_credit_note=invoice.kind == DocumentKind.CREDIT_NOTE,
            is_paid=invoice.status == InvoiceStatus.PAID,
            language=language,
            seller=invoice.seller or {},
            customer=invoice.customer or {},
            seller_country=_country_name((invoice.seller or {}).get("country"), language),
            customer_country=_country_name((invoice.customer or {}).get("country"), language),
            lines=[
                (line, line_heading(line), line_description(line, invoice.currency))
                for line in lines
            ],
            discount_minor=sum(line.amount_minor for line in lines if line.amount_minor < 0),
            vat_rate_fraction=Decimal(str(invoice.vat_rate)) / 100,
            mention=tax_mention(invoice.tax_kind),
            letter=letter_mention((invoice.customer or {}).get(LETTER_KEY)),
            reverse_charge=invoice.tax_kind == TaxKind.REVERSE_CHARGE,
            corrects_number=_corrected_number(invoice),
            replaces_number=_replaced_number(invoice),
            refund_number=refund_note_number(invoice),
            font_family=FONT_FAMILY,
            font_files=FONT_FILES,
        )


# Whitespace between two tags: xhtml2pdf walks each such run as a node of its own and draws
# nothing for it. Without them the PDF is byte for byte the same (a test checks it) and about
# 8 % quicker to draw. Values are escaped, so every < and > in the HTML belongs to a tag.
_BETWEEN_TAGS = re.compile(r">\s+<")


def tight_html(html: str) -> str:
    """The HTML without the whitespace between its tags."""
    return _BETWEEN_TAGS.sub("><", html)


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes; the same inputs always give the same bytes."""
    fonts = font_directory(current_app.config["VENDOR_DIR"])
    html = tight_html(render_invoice_html(invoice))
    try:
        rendered = html_to_pdf(html, fonts)
    except PdfRenderError as error:
        raise InvoicePdfError(f"invoice {invoice.number}: {error}") from error
    for warning in rendered.missing_glyphs:
        # Latin-script names are all covered; a character outside DejaVu Sans (an emoji in
        # a note, say) is drawn blank rather than refusing the customer the document.
        current_app.logger.warning("invoice %s PDF: %s", invoice.number, warning)
    return rendered.content


def _store(invoice_id: int, digest: str, content: bytes) -> None:
    """Insert or replace the stored PDF in one statement, safe against a parallel download."""
    values = {"source_digest": digest, "content": content, "rendered_at": clock.now()}
    db.session.execute(
        insert_on_conflict(InvoicePdf)
        .values(invoice_id=invoice_id, **values)
        .on_conflict_do_update(index_elements=["invoice_id"], set_=values)
    )
    # An InvoicePdf already in the session must not hide the row just written.
    stored = db.session.identity_map.get(db.session.identity_key(InvoicePdf, (invoice_id,)))
    if stored is not None:
        db.session.expire(stored)


def _pdf_bytes(invoice: Invoice) -> tuple[bytes, bool]:
    """The PDF, and whether it was rendered (and stored) just now."""
    digest = source_digest(invoice)
    stored = db.session.execute(
        select(InvoicePdf.source_digest, InvoicePdf.content).where(
            InvoicePdf.invoice_id == invoice.id
        )
    ).first()
    if stored is not None and stored.source_digest == digest:
        return stored.content, False
    content = render_invoice_pdf(invoice)
    _store(invoice.id, digest, content)
    db.session.flush()
    return content, True


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The stored PDF while it is current, else a new rendering stored in its place.

    Flushes but does not commit: the caller owns the transaction.
    """
    content, _rendered = _pdf_bytes(invoice)
    return content


def pdf_download(account_id: int, invoice_id: int) -> Response:
    """The account's invoice or credit note as a private PDF download, for the customer and
    for staff alike: 404 when it is not that account's, 503 (logged) when it cannot be drawn."""
    try:
        found = pdf_of(account_id, invoice_id)
    except InvoicePdfError as error:
        current_app.logger.error("%s", error)
        abort(503)
    if found is None:
        abort(404)
    invoice, content, rendered = found
    response = private_download(content, "application/pdf", f"{invoice.number}.pdf")
    # Whether this request drew the PDF or served the stored one (developer tools, benchmarks).
    response.headers["Server-Timing"] = f'pdf;desc="{"drawn" if rendered else "stored"}"'
    return response


def pdf_of(account_id: int, invoice_id: int) -> tuple[Invoice, bytes, bool] | None:
    """The account's invoice, its PDF and whether it was drawn just now; None when the
    invoice is not that account's."""
    invoice = db.session.scalar(
        select(Invoice)
        .options(selectinload(Invoice.lines))
        .where(Invoice.id == invoice_id, Invoice.account_id == account_id)
    )
    if invoice is None:
        return None
    content, rendered = _pdf_bytes(invoice)
    if rendered:
        db.session.commit()
    return invoice, content, rendered


def year_pdfs(account_id: int, year: int) -> list[tuple[Invoice, bytes]]:
    """Every invoice and credit note the account has from `year`, oldest first, with its PDF.

    The same stored or fresh PDF the single download gives; what was rendered is committed
    even when a later document fails, so a retry does not draw it again.
    """
    invoices = db.session.scalars(
        select(Invoice)
        .options(selectinload(Invoice.lines))
        .where(Invoice.account_id == account_id, Invoice.year == year)
        .order_by(Invoice.issued_on, Invoice.id)
    ).all()
    found = []
    rendered_any = False
    try:
        for invoice in invoices:
            content, rendered = _pdf_bytes(invoice)
            rendered_any = rendered_any or rendered
            found.append((invoice, content))
    finally:
        if rendered_any:
            db.session.commit()
    return found


def pdf_archive(found: list[tuple[Invoice, bytes]]) -> bytes:
    """A ZIP of the PDFs, each named by its document number and dated by its issue day."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice, content in found:
            issued = invoice.issued_on
            # ZIP dates run from 1980 to 2107; the fixed time keeps the bytes reproducible.
            year = min(max(issued.year, 1980), 2107)
            entry = zipfile.ZipInfo(
                f"{invoice.number}.pdf", (year, issued.month, issued.day, 0, 0, 0)
            )
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)
    return buffer.getvalue()
