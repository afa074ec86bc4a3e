"""The account's invoices and credit notes: listing, notes, and billing info that follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    select,
    true,
)
from sqlalchemy.orm import aliased

from portal.activity import record as activity
from portal.documents.refunds import refunded_expression
from portal.extensions import db
from portal.models import (
    ActivityKind,
    DocumentKind,
    EInvoiceFile,
    EInvoiceState,
    Invoice,
    InvoiceStatus,
)

NOTE_MAX_LENGTH = 500
PAGE_SIZE = 20
# Built once: a new alias per request costs more than the query itself (SQLAlchemy derives
# every column's proxy for it).
_CORRECTED = aliased(Invoice, name="corrected")
_COUNTED = aliased(Invoice, name="counted")
_EARLIER = aliased(Invoice, name="earlier")


class DocumentFilter(StrEnum):
    """The chips above the list; no filter shows every document."""

    OPEN = "open"
    PAID = "paid"
    REFUNDED = "refunded"
    CREDIT_NOTES = "credit-notes"


class ShownDocument(NamedTuple):
    """What a row of the invoices page shows of a document, as plain values.

    Read straight from the page's query: ORM objects (identity map, instrumented attributes,
    the seller and customer decoded from JSON) cost more than drawing the row. It has the
    attributes of an Invoice that the row and its note cell read.
    """

    id: int
    number: str
    kind: str
    status: str
    issued_on: date
    period_start: date | None
    period_end: date | None
    total_minor: int
    currency: str
    note: str
    purchase_order: str
    quote_number: str


class ListedDocument(NamedTuple):
    """One row of the list."""

    invoice: Invoice | ShownDocument
    corrects: str | None  # the number of the invoice a credit note corrects
    refunded: bool  # an invoice a refund's credit note gave back
    # The document's e-invoice state (its latest file's); None without a file.
    einvoice: EInvoiceState | None = None


@dataclass(frozen=True)
class InvoicePage:
    """One page of the list, and the years the account has documents in (newest first)."""

    rows: list[ListedDocument]
    page: int
    pages: int
    total: int
    status: DocumentFilter | None
    years: list[int]


def _conditions(
    documents: Any, account_id: int | BindParameter[int], status: DocumentFilter | None
) -> list[ColumnElement[bool]]:
    """The account's documents a chip keeps, on `documents` (the table or an alias).

    A refunded invoice or a credit note is never "Paid".
    """
    conditions = [documents.account_id == account_id]
    if status is DocumentFilter.OPEN:
        conditions.append(documents.status == InvoiceStatus.OPEN)
    elif status is DocumentFilter.PAID:
        conditions += [
            documents.status == InvoiceStatus.PAID,
            documents.kind == DocumentKind.INVOICE,
            ~refunded_expression(documents),
        ]
    elif status is DocumentFilter.REFUNDED:
        conditions += [documents.kind == DocumentKind.INVOICE, refunded_expression(documents)]
    elif status is DocumentFilter.CREDIT_NOTES:
        conditions.append(documents.kind == DocumentKind.CREDIT_NOTE)
    return conditions


def parse_filter(value: str | None) -> DocumentFilter | None:
    """The chip a query string names; anything else is the whole list."""
    try:
        return DocumentFilter(value) if value else None
    except ValueError:
        return None


def list_invoices(account_id: int, *, status: str | None, page: int) -> InvoicePage:
    """Newest first, optionally filtered, with the number a credit note corrects."""
    chosen = parse_filter(status)
    page = max(page, 1)
    rows = _invoice_rows(account_id, chosen, page)
    total = rows[0].total or 0
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        # Past the last page (an old link): show the last page.
        page = pages
        rows = _invoice_rows(account_id, chosen, page)
    listed = [
        ListedDocument(
            ShownDocument._make(shown),
            corrects,
            bool(refunded),
            EInvoiceState(einvoice) if einvoice else None,
        )
        for *shown, corrects, refunded, einvoice, _years, _total in rows
        if shown[0] is not None  # the LEFT JOIN's row of an empty page
    ]
    years = sorted({int(year) for year in (rows[0].years or "").split(",") if year}, reverse=True)
    return InvoicePage(listed, page, pages, total, chosen, years)


def _invoice_rows(account_id: int, status: DocumentFilter | None, page: int) -> list[Any]:
    """One page of documents, their count and the account's years, in one query (≥ 1 row)."""
    offset = (page - 1) * PAGE_SIZE
    return list(
        db.session.execute(_page_query(status), {"account_id": account_id, "offset": offset})
    )


# Bound when the page's query runs: the query itself is built once per chip, where building
# it for every request cost more than running it.
_ACCOUNT = bindparam("account_id", type_=Integer)
_OFFSET = bindparam("offset", type_=Integer)


# The index a page of each chip walks, newest first (see Invoice.__table_args__).
_PAGE_INDEX = {
    None: "ix_invoices_account_issued",
    DocumentFilter.OPEN: "ix_invoices_account_status_issued",
    DocumentFilter.PAID: "ix_invoices_account_status_issued",
    DocumentFilter.REFUNDED: "ix_invoices_account_issued",
    DocumentFilter.CREDIT_NOTES: "ix_invoices_account_issued",
}


@cache
def _page_query(status: DocumentFilter | None) -> Select[Any]:
    """The query of one page of the documents a chip keeps (see _invoice_rows).

    The page walks the index on (account_id, issued_on, id) backwards and stops after
    PAGE_SIZE rows, reading the columns a row shows as it goes. The count is a scalar
    subquery on an alias, which the database runs once within the (account_id[, status])
    index. (A count(*) OVER () window instead made it read, join and sort every one of the
    account's documents before the LIMIT.) The years (for the ZIP download) and the count
    head a LEFT JOIN, so an empty page still brings them.
    """
    page_rows = (
        select(
            *(getattr(Invoice, name) for name in ShownDocument._fields),
            _CORRECTED.number.label("corrects"),
            refunded_expression(Invoice).label("refunded"),
            _latest_einvoice_state().label("einvoice"),
        )
        .outerjoin(_CORRECTED, _CORRECTED.id == Invoice.corrects_id)
        .where(*_conditions(Invoice, _ACCOUNT, status))
        # SQLite's planner, with ANALYZE's statistics, chose to read and sort every one of
        # the account's documents once the rows grew by two columns (the PO and quote
        # numbers): 2 000 documents took 11.5 ms instead of 4.4. The index it should walk is
        # named; PostgreSQL plans it right on its own.
        .with_hint(Invoice, f"INDEXED BY {_PAGE_INDEX[status]}", "sqlite")
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(PAGE_SIZE)
        .offset(_OFFSET)
        .subquery("page_rows")
    )
    count = (
        select(func.count())
        .select_from(_COUNTED)
        .where(*_conditions(_COUNTED, _ACCOUNT, status))
        .scalar_subquery()
    )
    found_years = _years()
    years = (
        select(
            func.aggregate_strings(cast(found_years.c.year, String), ",").label("years"),
            count.label("total"),
        )
        .where(found_years.c.year.is_not(None))
        .subquery("year_list")
    )
    return (
        select(  # in the order list_invoices unpacks
            *(page_rows.c[name] for name in ShownDocument._fields),
            page_rows.c.corrects,
            page_rows.c.refunded,
            page_rows.c.einvoice,
            years.c.years,
            years.c.total,
        )
        .select_from(years)
        .outerjoin(page_rows, true())
        .order_by(page_rows.c.issued_on.desc(), page_rows.c.id.desc())
    )


def _latest_einvoice_state() -> Any:
    """The state of the row's document's latest e-invoice file (the document's state), read
    down the index on invoice_id for the page's rows only."""
    return (
        select(EInvoiceFile.state)
        .where(EInvoiceFile.invoice_id == Invoice.id)
        .order_by(EInvoiceFile.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _years() -> CTE:
    """The years the account has documents in, newest first, then a NULL: one step down the
    (account_id, year) index per year (the latest, then the latest before it, ...), where a
    DISTINCT reads an entry per document (2 000 of them for 6 years)."""
    latest = (
        select(func.max(Invoice.year).label("year"))
        .where(Invoice.account_id == _ACCOUNT)
        .cte("years", recursive=True)
    )
    before = (
        select(func.max(_EARLIER.year))
        .where(_EARLIER.account_id == _ACCOUNT, _EARLIER.year < latest.c.year)
        .scalar_subquery()
    )
    return latest.union_all(select(before).where(latest.c.year.is_not(None)))


def latest_year(account_id: int) -> int | None:
    """The latest year the account has invoices or credit notes in; None before the first."""
    return db.session.scalar(select(func.max(Invoice.year)).where(Invoice.account_id == account_id))


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
        activity.record(
            account_id, user_id, ActivityKind.INVOICE_NOTE, document=invoice.number, note=note
        )
        db.session.commit()
    return invoice
