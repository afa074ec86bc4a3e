"""Payment methods and payment attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.payment_lifecycle import (
    DeclineCode,
    PaymentEvent,
    PaymentPurpose,
    PaymentStatus,
    RefundReason,
    transition,
)
from portal.extensions import Model
from portal.models.columns import enum_column, utc_now

__all__ = ["DeclineCode", "PaymentPurpose", "PaymentStatus", "RefundReason"]


class MethodKind(StrEnum):
    """Cards and PayPal."""

    CARD = "card"
    PAYPAL = "paypal"


class PaymentMethod(Model):
    """A saved way to pay: never the card number or CVC, only what the gateway hands back."""

    __tablename__ = "payment_methods"
    __table_args__ = (CheckConstraint("kind IN ('card', 'paypal')", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[MethodKind] = mapped_column(enum_column(MethodKind, 10))
    brand: Mapped[str | None] = mapped_column(String(20))
    last4: Mapped[str | None] = mapped_column(String(4))
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    holder: Mapped[str | None] = mapped_column(String(120))
    paypal_email: Mapped[str | None] = mapped_column(String(254))
    token: Mapped[str] = mapped_column(String(120))
    # The gateway's fingerprint of the card number (Stripe), to refuse the same card twice.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # When the bank last declined a payment with it; cleared when a payment with it succeeds.
    # A declined default is flagged on My package and the payment methods page.
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Payment(Model):
    """One confirmation of a summary: at most one charge and one invoice per idempotency key."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The key of the confirmation the customer pressed Pay on; resending it finds this row.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    method_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_methods.id", ondelete="SET NULL")
    )
    method_label: Mapped[str] = mapped_column(String(120), default="")
    # Kept on the payment, so it can be found again at the gateway after the method is removed.
    method_kind: Mapped[MethodKind | None] = mapped_column(enum_column(MethodKind, 10))
    method_token: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, 20), default=PaymentStatus.CREATED
    )
    purpose: Mapped[PaymentPurpose] = mapped_column(enum_column(PaymentPurpose, 20))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    # The exact breakdown the customer confirmed; applied as it is once the charge succeeds.
    breakdown: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The package the breakdown was priced on; a different one at settlement means the charge
    # pays for something that no longer exists, and it goes back.
    basis: Mapped[str | None] = mapped_column(String(200))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    # The sales quote an accepted-quote payment pays the first invoice of.
    sales_quote_id: Mapped[int | None] = mapped_column(ForeignKey("sales_quotes.id"), index=True)
    gateway_reference: Mapped[str | None] = mapped_column(String(120))
    # Where the customer confirms a pending payment (3-D Secure or PayPal page).
    action_url: Mapped[str | None] = mapped_column(String(500))
    decline_code: Mapped[DeclineCode | None] = mapped_column(enum_column(DeclineCode, 40))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, index=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why and how the charge was given back (a full refund, or a charge no longer wanted).
    refund_reason: Mapped[RefundReason | None] = mapped_column(enum_column(RefundReason, 30))
    refund_reference: Mapped[str | None] = mapped_column(String(120))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def apply(self, event: PaymentEvent) -> None:
        """Move to the state the lifecycle table gives for this event (or raise)."""
        self.status = transition(self.status, event)
