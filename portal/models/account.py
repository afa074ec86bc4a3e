"""A customer company and its billing details."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.columns import PURCHASE_ORDER_LENGTH, utc_now

if TYPE_CHECKING:
    from portal.models.subscription import Subscription
    from portal.models.user import User


class Account(Model):
    """A customer company; every customer user and billing object belongs to one."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("credit_minor >= 0", name="credit_not_negative"),
        CheckConstraint(
            "currency IS NULL OR currency IN ('CZK', 'EUR', 'USD', 'PLN')", name="known_currency"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed for the back office, which pages through thousands of accounts by name.
    name: Mapped[str] = mapped_column(String(200), index=True)
    # Chosen at the first purchase and fixed afterwards: prices are a list per currency.
    currency: Mapped[str | None] = mapped_column(String(3))
    # Account credit in the account currency's minor units, used before charging a method.
    credit_minor: Mapped[int] = mapped_column(Integer, default=0)
    # When the account had its one full refund (within 15 days of its first payment).
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    users: Mapped[list[User]] = relationship(back_populates="account", order_by="User.id")
    billing_info: Mapped[BillingInfo | None] = relationship(
        back_populates="account", uselist=False, cascade="all, delete-orphan"
    )
    subscription: Mapped[Subscription | None] = relationship(
        back_populates="account", uselist=False, cascade="all, delete-orphan"
    )


class BillingInfo(Model):
    """Who the invoices are made out to; changes apply to future invoices."""

    __tablename__ = "billing_info"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    billing_email: Mapped[str] = mapped_column(String(254))
    cc_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2))
    vat_id: Mapped[str | None] = mapped_column(String(20), index=True)
    invoice_language: Mapped[str] = mapped_column(String(5), default="en")
    invoices_by_email: Mapped[bool] = mapped_column(Boolean, default=True)
    # The buyer's purchase-order number, printed on the invoices issued from now on.
    purchase_order: Mapped[str] = mapped_column(
        String(PURCHASE_ORDER_LENGTH), default="", server_default=""
    )

    account: Mapped[Account] = relationship(back_populates="billing_info")


# What a customer's billing info holds, in the form's order: its model's columns, listed once.
BILLING_INFO_FIELDS = tuple(
    column.key for column in BillingInfo.__table__.columns if not column.primary_key
)
# Copies of each invoice e-mail, besides the billing e-mail.
MAX_CC = 5
