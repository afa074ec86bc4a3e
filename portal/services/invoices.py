"""The account's invoices and credit notes: listing, notes, and billing info that follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    page = max(page, 1)
    rows = _invoice_rows(corrected, conditions, page)
    if not rows and page > 1:
        # Past the last page (an old link): count, then show the last page.
        total = db.session.scalar(select(func.count(Invoice.id)).where(*conditions)) or 0
        page = max(1, -(-total // PAGE_SIZE))
        rows = _invoice_rows(corrected, conditions, page)
    total = rows[0][2] if rows else 0
    pages = max(1, -(-total // PAGE_SIZE))
    return InvoicePage([(row[0], row[1]) for row in rows], page, pages, total, status)


def _invoice_rows(corrected: Any, conditions: list[Any], page: int) -> list[Any]:
    """One page of (invoice, corrected number, total count): the count rides along in a
    window function, so a page is one query; the index on (account_id, issued_on, id) serves
    the order, so the 2 000th invoice costs what the 1st does."""
    return db.session.execute(
        select(Invoice, corrected.number, func.count().over())
        .outerjoin(corrected, corrected.id == Invoice.corrects_id)
        .where(*conditions)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()


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
