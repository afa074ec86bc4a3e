"""A customer company and its billing details."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.domain.text_folding import fold_for_search
from portal.extensions import Model
from portal.models.columns import PURCHASE_ORDER_LENGTH, enum_column, utc_now

RECIPIENT_CODE_LENGTH = 7
TAX_CODE_LENGTH = 16

if TYPE_CHECKING:
    from portal.models.subscription import Subscription
    from portal.models.user import User


def _folded(column: str) -> Callable[[DefaultExecutionContext], str]:
    """The insert default of a search column: its source column folded, also for rows
    inserted in bulk without the ORM (the validators below keep it right on every change)."""

    def default(context: DefaultExecutionContext) -> str:
        return fold_for_search(context.get_current_parameters().get(column) or "")

    return default


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
    # The name as the back office searches it (portal.text_search.fold_for_search): "lodz"
    # and "Łódź" find "Łódź". Trigram-indexed on PostgreSQL (migration 7b2f4c9e1d36).
    name_search: Mapped[str] = mapped_column(Text, default=_folded("name"), info={"derived": True})
    # Chosen at the first purchase and fixed afterwards: prices are a list per currency.
    currency: Mapped[str | None] = mapped_column(String(3))
    # Account credit in the account currency's minor units, used before charging a method.
    credit_minor: Mapped[int] = mapped_column(Integer, default=0)
    # When the account had its one full refund (within 15 days of its first payment).
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Set once staff approve one of its letters of intent: only then does pricing look for
    # one (every summary of every other account stays one query).
    has_letter_of_intent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    users: Mapped[list[User]] = relationship(back_populates="account", order_by="User.id")
    billing_info: Mapped[BillingInfo | None] = relationship(
        back_populates="account", uselist=False, cascade="all, delete-orphan"
    )
    subscription: Mapped[Subscription | None] = relationship(
        back_populates="account", uselist=False, cascade="all, delete-orphan"
    )

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.name_search = fold_for_search(name)
        return name


class EInvoiceFormat(StrEnum):
    """What invoice e-mails and downloads give a business customer in the EU (EN 16931)."""

    PDF = "pdf"  # the plain PDF, as every other customer gets
    FACTURX = "facturx"  # the PDF as PDF/A-3 with the CII XML inside, in its place
    UBL = "ubl"  # the plain PDF, and the UBL 2.1 XML to download beside it


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
    # The company as the back office searches it, like Account.name_search.
    company_search: Mapped[str] = mapped_column(
        Text, default=_folded("company"), info={"derived": True}
    )
    country: Mapped[str] = mapped_column(String(2))
    vat_id: Mapped[str | None] = mapped_column(String(20), index=True)
    invoice_language: Mapped[str] = mapped_column(String(5), default="en")
    invoices_by_email: Mapped[bool] = mapped_column(Boolean, default=True)
    # The buyer's purchase-order number, printed on the invoices issued from now on.
    purchase_order: Mapped[str] = mapped_column(
        String(PURCHASE_ORDER_LENGTH), default="", server_default=""
    )
    # Chosen on the billing info page where it applies (portal.einvoices.formats).
    einvoice_format: Mapped[EInvoiceFormat] = mapped_column(
        enum_column(EInvoiceFormat, 10), default=EInvoiceFormat.PDF, server_default="pdf"
    )

    # Italian customers' e-invoice delivery: the exchange system's recipient code (codice
    # destinatario, "0000000" when unknown), a certified e-mail (PEC), the tax code (codice
    # fiscale; a company's may be its 11-digit number). Empty elsewhere.
    recipient_code: Mapped[str] = mapped_column(
        String(RECIPIENT_CODE_LENGTH), default="", server_default=""
    )
    pec: Mapped[str] = mapped_column(String(254), default="", server_default="")
    tax_code: Mapped[str] = mapped_column(String(TAX_CODE_LENGTH), default="", server_default="")

    account: Mapped[Account] = relationship(back_populates="billing_info")

    @validates("company")
    def _fold_company(self, _key: str, company: str) -> str:
        self.company_search = fold_for_search(company)
        return company


# What a customer's billing info holds, in the form's order: its model's columns, listed once
# (not the ones the model derives from them).
BILLING_INFO_FIELDS = tuple(
    column.key
    for column in BillingInfo.__table__.columns
    if not column.primary_key and not column.info.get("derived")
)
# Copies of each invoice e-mail, besides the billing e-mail.
MAX_CC = 5
