"""The staff's list of e-invoice files, filtered by state, newest first, 25 a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import pgettext
from sqlalchemy import ColumnElement, func, select

from portal.extensions import db
from portal.labels import einvoice_state_label, every_member
from portal.models import Account, DocumentKind, EInvoiceFile, EInvoiceState, Invoice

PAGE_SIZE = 25


class FileFilter(StrEnum):
    """The chips above the list; no filter shows every file."""

    INVALID = EInvoiceState.INVALID.value
    REJECTED = EInvoiceState.REJECTED.value
    NOT_DELIVERABLE = EInvoiceState.NOT_DELIVERABLE.value
    GENERATED = EInvoiceState.GENERATED.value
    SENT = EInvoiceState.SENT.value
    DELIVERED = EInvoiceState.DELIVERED.value


FILE_FILTER_LABELS = every_member(
    FileFilter,
    {member: (lambda state=member: einvoice_state_label(state)) for member in FileFilter},
)


def all_files_label() -> str:
    """The chip without a filter."""
    return pgettext("e-invoice filter", "All")


def parse_filter(value: str | None) -> FileFilter | None:
    """The chip a query string names; anything else is the whole list."""
    try:
        return FileFilter(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class FileRow:
    """One line of the list: a file, its document and the document's account."""

    id: int
    file_name: str
    state: EInvoiceState
    created_at: datetime
    sent_at: datetime | None
    problems: list[dict[str, Any]]
    invoice_id: int
    number: str
    kind: DocumentKind
    account_id: int
    account_name: str


@dataclass(frozen=True)
class FilePage:
    """One page of files with the filter that produced it."""

    rows: list[FileRow]
    page: int
    pages: int
    total: int
    state: FileFilter | None


_COLUMNS = (
    EInvoiceFile.id,
    EInvoiceFile.file_name,
    EInvoiceFile.state,
    EInvoiceFile.created_at,
    EInvoiceFile.sent_at,
    EInvoiceFile.problems,
    Invoice.id,
    Invoice.number,
    Invoice.kind,
    Account.id,
    Account.name,
)


def list_files(state: FileFilter | None, page: int) -> FilePage:
    """Files newest first (the (state, created_at, id) index), filtered by state; a page past
    the end shows the last one."""
    conditions: list[ColumnElement[bool]] = []
    if state is not None:
        conditions.append(EInvoiceFile.state == EInvoiceState(state.value))
    total = db.session.scalar(select(func.count(EInvoiceFile.id)).where(*conditions)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(*_COLUMNS)
        .join(Invoice, Invoice.id == EInvoiceFile.invoice_id)
        .join(Account, Account.id == Invoice.account_id)
        .where(*conditions)
        .order_by(EInvoiceFile.created_at.desc(), EInvoiceFile.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return FilePage([FileRow(*row) for row in rows], page, pages, total, state)
