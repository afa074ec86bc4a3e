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

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import BreakdownLine, ChangeKind, LineKind
from portal.domain.tax import TaxKind
from portal.extensions import Model
from portal.models.columns import PURCHASE_ORDER_LENGTH, enum_column, utc_now


class DocumentKind(StrEnum):
    """An invoice, or a credit note that corrects one."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(StrEnum):
    """Paid, still open, or cancelled unpaid."""

    PAID = "paid"
    OPEN = "open"
    CANCELLED = "cancelled"  # never paid, taken back by a credit note


class SequenceKind(StrEnum):
    """The gapless number sequences: invoices, credit notes and sales quotes each have one."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    SALES_QUOTE = "sales_quote"
    # The progressive of e-invoice file names (one sequence for all years: names are never reused).
    EINVOICE_FILE = "einvoice_file"


class DocumentSequence(Model):
    """The last number used per kind and year; locked while a number is taken."""

    __tablename__ = "document_sequences"

    kind: Mapped[SequenceKind] = mapped_column(enum_column(SequenceKind, 20), primary_key=True)
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
    kind: Mapped[DocumentKind] = mapped_column(
        enum_column(DocumentKind, 20), default=DocumentKind.INVOICE
    )
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
    tax_kind: Mapped[TaxKind] = mapped_column(enum_column(TaxKind, 20))
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus, 10), default=InvoiceStatus.OPEN
    )
    paid_with: Mapped[str] = mapped_column(String(120), default="")
    # What the document records: the change a breakdown priced, or for a credit note written
    # without one, a refund or the cancellation of an unpaid invoice.
    change_kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind, 20))
    # Seller and customer as they were when the invoice was issued (or last refreshed).
    seller: Mapped[dict[str, Any]] = mapped_column(JSON)
    customer: Mapped[dict[str, Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(5))
    # Indexed: the credit notes of an invoice (a refunded invoice in a list) are looked up by it.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    # An invoice reissued on request replaces the one its credit note cancelled.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # The buyer's purchase-order number and, for the invoice that accepting a sales quote
    # issued, the quote's number: printed near the document's own number.
    purchase_order: Mapped[str] = mapped_column(
        String(PURCHASE_ORDER_LENGTH), default="", server_default=""
    )
    quote_number: Mapped[str] = mapped_column(String(30), default="", server_default="")
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
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind, 20))
    plan: Mapped[Plan] = mapped_column(enum_column(Plan, 20))
    billing_period: Mapped[BillingPeriod] = mapped_column(enum_column(BillingPeriod, 10))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_minor: Mapped[int] = mapped_column(Integer)
    days: Mapped[int | None] = mapped_column(Integer)
    of_days: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(Integer)

    def as_breakdown_line(self) -> BreakdownLine:
        """The stored line as the domain's line, so it is worded like the summary was."""
        return BreakdownLine(
            kind=LineKind(self.kind),
            plan=Plan(self.plan),
            period=BillingPeriod(self.billing_period),
            quantity=self.quantity,
            unit_minor=self.unit_minor,
            days=self.days,
            of_days=self.of_days,
            start=self.start,
            end=self.end,
            amount_minor=self.amount_minor,
        )


class ActivityKind(StrEnum):
    """What a billing activity entry records; each has its sentence in portal.activity.text."""

    PURCHASE = "purchase"  # a paid change of package in the wizard or on the seat page
    PAYMENT_DECLINED = "payment_declined"  # the bank refused it
    PAYMENT_CANCELLED = "payment_cancelled"  # the customer cancelled it (PayPal, 3-D Secure)
    CHARGE_REFUNDED = "charge_refunded"  # a charge given back because it paid for nothing
    INVOICE_PAID = "invoice_paid"
    INVOICE_NOTE = "invoice_note"
    INVOICE_REISSUED = "invoice_reissued"  # the latest invoice reissued with new billing info
    BILLING_INFO = "billing_info"
    VAT_ID_CHECK = "vat_id_check"  # the EU registry's (VIES) standing of the VAT ID moved
    PAYMENT_METHOD_ADDED = "payment_method_added"
    PAYMENT_METHOD_REMOVED = "payment_method_removed"
    DEFAULT_PAYMENT_METHOD = "default_payment_method"
    AUTO_RENEW = "auto_renew"
    RENEWAL = "renewal"
    RENEWAL_FAILED = "renewal_failed"
    RENEWAL_CANCELLED = "renewal_cancelled"  # a blocked account's unpaid renewal taken back
    EXPIRY_WARNING = "expiry_warning"
    BLOCKED = "blocked"
    REFUND = "refund"  # the full refund within 15 days of the first payment
    USER_INVITED = "user_invited"
    USER_JOINED = "user_joined"
    USER_REMOVED = "user_removed"
    ROLE_CHANGED = "role_changed"
    OWNERSHIP_TRANSFERRED = "ownership_transferred"
    QUOTE_REQUESTED = "quote_requested"
    QUOTE_SENT = "quote_sent"
    QUOTE_WITHDRAWN = "quote_withdrawn"
    QUOTE_REJECTED = "quote_rejected"
    QUOTE_ACCEPTED = "quote_accepted"


class BillingActivity(Model):
    """Who changed what in billing, and when."""

    __tablename__ = "billing_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, 30))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
