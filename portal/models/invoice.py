"""Invoices and credit notes, their lines, and the gapless numbering."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.columns import utc_now


class DocumentKind(StrEnum):
    """An invoice, or a credit note that corrects one."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(StrEnum):
    """Paid, still open, or cancelled unpaid."""

    PAID = "paid"
    OPEN = "open"
    CANCELLED = "cancelled"  # never paid, taken back by a credit note


class DocumentSequence(Model):
    """The last number used per kind and year; locked while a number is taken."""

    __tablename__ = "document_sequences"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(Model):
    """An issued document; its amounts never change after issue."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("kind", "year", "sequence", name="uq_invoices_kind_year_sequence"),
        # The invoices page: an account's documents newest first, all or only paid/open,
        # read in index order so a page costs the same at 2 000 invoices as at 1.
        Index("ix_invoices_account_issued", "account_id", "issued_on", "id"),
        Index("ix_invoices_account_status_issued", "account_id", "status", "issued_on", "id"),
        # The years an account has documents in, from the index alone.
        Index("ix_invoices_account_year", "account_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=DocumentKind.INVOICE)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    net_minor: Mapped[int] = mapped_column(Integer)
    vat_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    credit_used_minor: Mapped[int] = mapped_column(Integer, default=0)
    amount_due_minor: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[Any] = mapped_column(Numeric(5, 2))
    tax_kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=InvoiceStatus.OPEN)
    paid_with: Mapped[str] = mapped_column(String(120), default="")
    change_kind: Mapped[str] = mapped_column(String(20))
    # Seller and customer as they were when the invoice was issued (or last refreshed).
    seller: Mapped[dict[str, Any]] = mapped_column(JSON)
    customer: Mapped[dict[str, Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(5))
    # Indexed: the credit notes of an invoice (a refunded invoice in a list) are looked up by it.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )


class InvoiceLine(Model):
    """One line as the breakdown computed it."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    plan: Mapped[str] = mapped_column(String(20))
    billing_period: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_minor: Mapped[int] = mapped_column(Integer)
    days: Mapped[int | None] = mapped_column(Integer)
    of_days: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(Integer)


class BillingActivity(Model):
    """Who changed what in billing, and when."""

    __tablename__ = "billing_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
