"""Customers with issued invoices, and reading a PDF back as its text and fonts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pypdf
import pytest
from flask import Flask

from portal.documents.issuing import issue_document
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.periods import Period
from portal.domain.pricing import Configuration, CurrentSubscription, price_change
from portal.domain.tax import determine_tax
from portal.extensions import db
from portal.models import Account, Invoice, InvoiceStatus
from portal.reference_data import reference

ISSUED_ON = date(2026, 11, 13)
# The spec's seat example: a period of 1 November - 1 December, 18 of 30 days left on the 13th.
CURRENT_PERIOD = Period(date(2026, 11, 1), date(2026, 12, 1))


@dataclass
class Invoicing:
    """Issues documents the way checkout does: a breakdown from the domain, then issue_document."""

    app: Flask

    def customer(
        self,
        factory,
        company: str,
        *,
        country: str = "IT",
        vat_id: str | None = None,
        language: str = "en",
        contact_name: str = "",
        address: str = "",
        postal_code: str = "",
        city: str = "",
    ) -> int:
        """An account whose billing info names the company and sets the invoice language."""
        account_id = factory.account(company, country=country, vat_id=vat_id)
        with self.app.app_context():
            info = db.session.get(Account, account_id).billing_info
            info.invoice_language = language
            info.contact_name = contact_name
            info.address = address
            info.postal_code = postal_code
            info.city = city
            db.session.commit()
        return account_id

    def first_purchase(
        self,
        account_id: int,
        *,
        agents: int = 2,
        packs: int = 0,
        currency: str = "EUR",
        status: InvoiceStatus = InvoiceStatus.PAID,
        paid_with: str = "Visa •••• 4242",
        credit_minor: int = 0,
    ) -> int:
        """An invoice for a new Standard monthly package; returns its id."""
        target = Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, agents, packs)
        return self._issue(account_id, None, target, currency, status, paid_with, credit_minor)

    def seat_change(
        self, account_id: int, *, before: int = 3, after: int = 5, corrects: int | None = None
    ) -> int:
        """Standard monthly EUR from `before` to `after` agents on 13 November (18/30 days)."""
        current = CurrentSubscription(
            configuration=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, before, 0),
            period=CURRENT_PERIOD,
            anchor=CURRENT_PERIOD.start,
            currency="EUR",
            agent_unit_minor=1500,
            pack_unit_minor=1000,
        )
        target = Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, after, 0)
        return self._issue(
            account_id, current, target, "EUR", InvoiceStatus.PAID, "Visa •••• 4242", 0, corrects
        )

    def _issue(
        self,
        account_id: int,
        current: CurrentSubscription | None,
        target: Configuration,
        currency: str,
        status: InvoiceStatus,
        paid_with: str,
        credit_minor: int,
        corrects: int | None = None,
    ) -> int:
        """Price the change and write the document."""
        with self.app.app_context():
            account = db.session.get(Account, account_id)
            data = reference()
            tax = determine_tax(
                seller_country=data.seller_country,
                customer_country=account.billing_info.country,
                customer_vat_id=account.billing_info.vat_id,
                rates=data.vat_rates,
            )
            breakdown = price_change(
                current=current,
                target=target,
                today=ISSUED_ON,
                currency=currency,
                prices=data.prices,
                tax=tax,
                credit_available_minor=credit_minor,
            )
            invoice = issue_document(
                account,
                breakdown,
                issued_on=ISSUED_ON,
                paid_with=paid_with,
                status=status,
                corrects=db.session.get(Invoice, corrects) if corrects else None,
            )
            db.session.commit()
            return invoice.id

    def update(self, invoice_id: int, **changes: object) -> None:
        """Change stored fields of an invoice (a note, a refreshed customer snapshot)."""
        with self.app.app_context():
            invoice = db.session.get(Invoice, invoice_id)
            for name, value in changes.items():
                setattr(invoice, name, value)
            db.session.commit()


@pytest.fixture
def invoicing(app: Flask) -> Invoicing:
    """Issue test invoices."""
    return Invoicing(app)


def flat(text: str) -> str:
    """Text with every run of white space (no-break spaces too) as one space.

    A PDF has no words, only placed glyphs: where a cell wraps, or how a no-break space is
    read back, is layout, not content.
    """
    return " ".join(text.split())


def pdf_text(content: bytes) -> str:
    """All the text of a PDF as pypdf extracts it, its white space flattened."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return flat(" ".join(page.extract_text() for page in reader.pages))


def embedded_fonts(content: bytes) -> dict[str, bool]:
    """Each font the pages use: base name -> whether the font program is embedded."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            fonts[str(font["/BaseFont"]).lstrip("/")] = embedded
    return fonts
