"""Sales quotes staff send to an account, and the quote requests customers file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.sales_quotes import DiscountKind
from portal.extensions import Model
from portal.models.columns import PURCHASE_ORDER_LENGTH, enum_column, utc_now


class QuoteStatus(StrEnum):
    """Where a sales quote stands; a sent quote past its valid-until date is expired."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class QuoteRequestStatus(StrEnum):
    """Whether staff turned a request into a draft yet."""

    OPEN = "open"
    DRAFTED = "drafted"


class QuoteRequest(Model):
    """A customer asking for an offer (more than 50 agents), waiting in the staff queue."""

    __tablename__ = "quote_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    plan: Mapped[Plan] = mapped_column(enum_column(Plan, 20))
    billing_period: Mapped[BillingPeriod] = mapped_column(enum_column(BillingPeriod, 10))
    agents: Mapped[int] = mapped_column(Integer)
    packs: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[QuoteRequestStatus] = mapped_column(
        enum_column(QuoteRequestStatus, check="quoterequeststatus_value"),
        default=QuoteRequestStatus.OPEN,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SalesQuote(Model):
    """An offer for one account; its figures are frozen when it is sent."""

    __tablename__ = "sales_quotes"
    __table_args__ = (UniqueConstraint("year", "sequence", name="uq_sales_quotes_year_sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    status: Mapped[QuoteStatus] = mapped_column(
        enum_column(QuoteStatus, check="quotestatus_value"), default=QuoteStatus.DRAFT, index=True
    )
    # Numbered when sent, in its own gapless sequence per year: Q-2026-000001.
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    year: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[int | None] = mapped_column(Integer)

    plan: Mapped[Plan] = mapped_column(enum_column(Plan, 20))
    billing_period: Mapped[BillingPeriod] = mapped_column(enum_column(BillingPeriod, 10))
    agents: Mapped[int] = mapped_column(Integer)
    packs: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    # A percent (two decimals) or an amount in minor units, as the kind says.
    agent_discount_kind: Mapped[DiscountKind] = mapped_column(
        enum_column(DiscountKind, 10, check="agent_discount_kind_value"), default=DiscountKind.NONE
    )
    agent_discount_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    pack_discount_kind: Mapped[DiscountKind] = mapped_column(
        enum_column(DiscountKind, 10, check="pack_discount_kind_value"), default=DiscountKind.NONE
    )
    pack_discount_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    overall_discount_kind: Mapped[DiscountKind] = mapped_column(
        enum_column(DiscountKind, 10, check="overall_discount_kind_value"),
        default=DiscountKind.NONE,
    )
    overall_discount_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    term_months: Mapped[int] = mapped_column(Integer)
    billing_starts_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    # Every figure as it was when sent (see portal.quotes.workflow.freeze): later price-list
    # changes never alter a sent quote.
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    request_id: Mapped[int | None] = mapped_column(ForeignKey("quote_requests.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    # The purchase-order number the billing admin gave when accepting, for its invoice.
    purchase_order: Mapped[str] = mapped_column(
        String(PURCHASE_ORDER_LENGTH), default="", server_default=""
    )

    def status_on(self, today: date) -> QuoteStatus:
        """The status as people see it: a sent quote past its valid-until date is expired."""
        if self.status is QuoteStatus.SENT and today > self.valid_until:
            return QuoteStatus.EXPIRED
        return QuoteStatus(self.status)
