"""Payment methods and payment attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.columns import utc_now


class MethodKind(StrEnum):
    """Cards and PayPal."""

    CARD = "card"
    PAYPAL = "paypal"


class PaymentMethod(db.Model):
    """A saved way to pay: never the card number or CVC, only what the gateway hands back."""

    __tablename__ = "payment_methods"
    __table_args__ = (CheckConstraint("kind IN ('card', 'paypal')", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    brand: Mapped[str | None] = mapped_column(String(20))
    last4: Mapped[str | None] = mapped_column(String(4))
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    holder: Mapped[str | None] = mapped_column(String(120))
    paypal_email: Mapped[str | None] = mapped_column(String(254))
    token: Mapped[str] = mapped_column(String(120))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class PaymentStatus(StrEnum):
    """Where a payment attempt stands."""

    PROCESSING = "processing"  # recorded, gateway not answered yet
    REQUIRES_ACTION = "requires_action"  # strong customer authentication pending
    REQUIRES_APPROVAL = "requires_approval"  # PayPal approval pending
    SUCCEEDED = "succeeded"
    DECLINED = "declined"


class PaymentPurpose(StrEnum):
    """What a payment pays for."""

    CHECKOUT = "checkout"  # a change confirmed in the wizard or on the seat page
    INVOICE = "invoice"  # an open invoice, paid by the customer
    RENEWAL = "renewal"  # an open renewal invoice, charged by the renewal run


IN_FLIGHT = (
    PaymentStatus.PROCESSING,
    PaymentStatus.REQUIRES_ACTION,
    PaymentStatus.REQUIRES_APPROVAL,
)


class Payment(db.Model):
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
    status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PROCESSING)
    purpose: Mapped[str] = mapped_column(String(20))  # checkout, invoice, renewal
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    # The exact breakdown the customer confirmed; applied as it is once the charge succeeds.
    breakdown: Mapped[dict[str, Any] | None] = mapped_column("quote", JSON)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    gateway_reference: Mapped[str | None] = mapped_column(String(120))
    # Where the customer confirms a pending payment (3-D Secure or PayPal page).
    action_url: Mapped[str | None] = mapped_column(String(500))
    decline_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, index=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The gateway's refund of this charge, when the account asked for its full refund.
    refund_reference: Mapped[str | None] = mapped_column(String(120))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
