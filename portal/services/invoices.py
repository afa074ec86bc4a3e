"""The account's invoices and credit notes: listing, notes, and billing info that follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Invoice, InvoiceStatus
from portal.services import activity

NOTE_MAX_LENGTH = 500
PAGE_SIZE = 20
# Built once: a new alias per request costs more than the query itself (SQLAlchemy derives
# every column's proxy for it).
_CORRECTED = aliased(Invoice, name="corrected")
_COUNTED = aliased(Invoice, name="counted")


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
    if status not in (InvoiceStatus.PAID, InvoiceStatus.OPEN):
        status = None
    page = max(page, 1)
    rows = _invoice_rows(account_id, status, page)
    if not rows and page > 1:
        # Past the last page (an old link): count, then show the last page.
        total = db.session.scalar(_count_of(account_id, status)) or 0
        page = max(1, -(-total // PAGE_SIZE))
        rows = _invoice_rows(account_id, status, page)
    total = rows[0][2] if rows else 0
    pages = max(1, -(-total // PAGE_SIZE))
    return InvoicePage([(row[0], row[1]) for row in rows], page, pages, total, status)


def _conditions(documents: Any, account_id: int, status: str | None) -> list[Any]:
    """The account's documents, all or in one status, on `documents` (the table or an alias)."""
    conditions = [documents.account_id == account_id]
    if status is not None:
        conditions.append(documents.status == status)
    return conditions


def _count_of(account_id: int, status: str | None) -> Select[tuple[int]]:
    """How many documents the list has: counted on an alias, so it never correlates with
    the page's query, and within one index (account_id[, status]) without reading a row."""
    return (
        select(func.count()).select_from(_COUNTED).where(*_conditions(_COUNTED, account_id, status))
    )


def _invoice_rows(account_id: int, status: str | None, page: int) -> list[Any]:
    """One page of (invoice, corrected number, total count) in one query.

    The page walks the index on (account_id[, status], issued_on, id) backwards and stops
    after PAGE_SIZE rows; the total is a scalar subquery the database runs once over the same
    index. (A count(*) OVER () window instead made the database read, join and sort every one
    of the account's documents before the LIMIT: the 2 000th invoice slowed the first page.)
    """
    return db.session.execute(
        select(Invoice, _CORRECTED.number, _count_of(account_id, status).scalar_subquery())
        .outerjoin(_CORRECTED, _CORRECTED.id == Invoice.corrects_id)
        .where(*_conditions(Invoice, account_id, status))
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
