"""Which invoices a full refund gave back: its credit note corrects the invoice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import aliased

from portal.domain.pricing import ChangeKind
from portal.extensions import db
from portal.models import DocumentKind, Invoice

_REFUND = aliased(Invoice, name="refund")


def refunded_expression(invoice: Any) -> ColumnElement[bool]:
    """True for an invoice that a refund's credit note gave back.

    Looked up within the account, so the (account_id, ...) index bounds the search, and by
    corrects_id, which has its own index.
    """
    return select(_REFUND.id).where(*_gave_back(_REFUND, invoice)).exists()


def _gave_back(refund: Any, invoice: Any) -> tuple[ColumnElement[bool], ...]:
    """`refund` is the full refund's credit note of `invoice` (columns, or a loaded invoice)."""
    return (
        refund.account_id == invoice.account_id,
        refund.corrects_id == invoice.id,
        refund.kind == DocumentKind.CREDIT_NOTE,
        refund.change_kind == ChangeKind.REFUND,
    )


def refund_note_number(invoice: Invoice) -> str | None:
    """The number of the refund's credit note that gave this invoice back, if any."""
    if invoice.kind != DocumentKind.INVOICE:
        return None
    return db.session.scalar(select(Invoice.number).where(*_gave_back(Invoice, invoice)).limit(1))
