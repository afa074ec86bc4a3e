"""The account's invoices and credit notes: listing, notes, and billing info that follows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Invoice, InvoiceStatus
from portal.services import activity

NOTE_MAX_LENGTH = 500
PAGE_SIZE = 20


@dataclass(frozen=True)
class InvoicePage:
    """One page of the list."""

    rows: list[tuple[Invoice, str | None]]  # the document and the number it corrects
    page: int
    pages: int
    total: int
    status: str | None


def list_invoices(account_id: int, *, status: str | None, page: int) -> InvoicePage:
    """Newest first, optionally only paid or open, with the number a credit note corrects."""
    corrected = aliased(Invoice)
    conditions = [Invoice.account_id == account_id]
    if status in (InvoiceStatus.PAID, InvoiceStatus.OPEN):
        conditions.append(Invoice.status == status)
    else:
        status = None
    total = db.session.scalar(select(func.count(Invoice.id)).where(*conditions)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(Invoice, corrected.number)
        .outerjoin(corrected, corrected.id == Invoice.corrects_id)
        .where(*conditions)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return InvoicePage([(row[0], row[1]) for row in rows], page, pages, total, status)


def invoice_of(account_id: int, invoice_id: int) -> Invoice | None:
    """One of the account's documents; another account's id is None (a 404)."""
    return db.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.account_id == account_id)
    )


class NoteTooLong(ValueError):
    """More than NOTE_MAX_LENGTH characters."""


def normalize_note(text: str) -> str:
    """Plain text as typed, line endings unified and outer blank space trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def save_note(account_id: int, user_id: int, invoice_id: int, text: str) -> Invoice | None:
    """Set the note shown in the list and on the PDF; None when the invoice is not theirs."""
    note = normalize_note(text)
    if len(note) > NOTE_MAX_LENGTH:
        raise NoteTooLong(len(note))
    invoice = invoice_of(account_id, invoice_id)
    if invoice is None:
        return None
    if invoice.note != note:
        invoice.note = note
        activity.record(account_id, user_id, "invoice_note", document=invoice.number, note=note)
        db.session.commit()
    return invoice
