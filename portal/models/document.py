"""Stored invoice PDFs and the outgoing e-mail queue."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.columns import enum_column, utc_now


class InvoicePdf(Model):
    """The rendered PDF of a document, served as stored until its inputs change."""

    __tablename__ = "invoice_pdfs"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    # Digest of everything the PDF shows; a different digest means render again.
    source_digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class EmailStatus(StrEnum):
    """Where a queued e-mail stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class EmailKind(StrEnum):
    """What an e-mail is about."""

    INVOICE = "invoice"  # an invoice with its PDF
    CREDIT_NOTE = "credit_note"  # a credit note with its PDF
    EXPIRY_WARNING = "expiry_warning"  # the package ends without auto-renewal
    SALES_QUOTE = "sales_quote"  # a quote staff sent
    QUOTE_REQUEST = "quote_request"  # to staff: a customer asked for a quote
    QUOTE_DECIDED = "quote_decided"  # to staff: a customer accepted or rejected a quote
    INVITATION = "invitation"
    MADE_BILLING_ADMIN = "made_billing_admin"
    REMOVED_FROM_TEAM = "removed_from_team"
    OWNERSHIP_RECEIVED = "ownership_received"
    OWNERSHIP_HANDED_OVER = "ownership_handed_over"
    # The link to choose a new password, and the notices that it changed (kinds, no secrets).
    PASSWORD_RESET = "password_reset"  # noqa: S105
    PASSWORD_WAS_RESET = "password_was_reset"  # noqa: S105
    PASSWORD_CHANGED = "password_changed"  # noqa: S105


class OutgoingEmail(Model):
    """An e-mail queued in the same transaction as the change it reports (outbox)."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[EmailKind] = mapped_column(enum_column(EmailKind, 30))
    # Set for messages that must go out once only (e.g. one expiry warning per period).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus, 10), default=EmailStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
