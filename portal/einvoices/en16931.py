"""EN 16931 e-invoices of an issued document: the CII XML of Factur-X and the UBL 2.1 XML.

Both are written by the pinned `factur-x` library from one set of values read off the
document (`EInvoice`), so the two formats cannot disagree: the library builds the CII and the
UBL from the same EN 16931 terms (BT-1, BG-23, ...) and checks each against its packaged XSD.
The amounts are the document's own, to the cent: one VAT breakdown per document (a document
has one rate), whose basis, tax and total are the stored net, VAT and total.

A credit note is stored with negative amounts; its e-invoice (type 381) states them as
positive amounts of a credit, the way EN 16931 reads a credit note, and names the invoice it
corrects (BT-25).
"""

from __future__ import annotations

import importlib.resources
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import force_locale
from lxml import etree
from sqlalchemy import select

from portal.billing_text import line_description, line_heading
from portal.domain.tax import TaxKind
from portal.extensions import db
from portal.models import DocumentKind, Invoice, InvoiceStatus

PROFILE = "en16931"
INVOICE_TYPE = "380"  # commercial invoice (UNTDID 1001)
CREDIT_NOTE_TYPE = "381"  # credit note
UNIT_CODE = "C62"  # "one": each line is one charge or credit of its amount


class Flavor(StrEnum):
    """The two syntaxes of EN 16931 the portal writes."""

    CII = "factur-x"  # UN/CEFACT Cross Industry Invoice, the XML inside a Factur-X PDF
    UBL = "ubl-2.1"


@dataclass(frozen=True)
class VatCategory:
    """How a tax treatment is written in EN 16931: category code (UNCL 5305) and, where the
    category carries no VAT, the exemption reason code (VATEX) and text."""

    code: str
    exemption_code: str | None = None
    exemption_text: str | None = None
    # "Not subject to VAT" must not name VAT identifiers (BR-O-02): the seller's is then
    # given as its tax registration (BT-32) and the buyer's is left out.
    names_vat_ids: bool = True


VAT_CATEGORIES: dict[TaxKind, VatCategory] = {
    TaxKind.DOMESTIC: VatCategory("S"),
    TaxKind.EU_CONSUMER: VatCategory("S"),
    TaxKind.REVERSE_CHARGE: VatCategory("AE", "VATEX-EU-AE", "Reverse charge"),
    TaxKind.OUT_OF_SCOPE: VatCategory(
        "O", "VATEX-EU-O", "Not subject to VAT: customer outside the EU", names_vat_ids=False
    ),
}


@dataclass(frozen=True)
class Party:
    """Seller or buyer as the document's snapshot names it."""

    name: str
    country: str
    vat_id: str | None = None
    address: str = ""
    postal_code: str = ""
    city: str = ""
    email: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Line:
    """One document line: what it is and its net amount in minor units (a credit negative)."""

    position: int
    name: str
    description: str
    amount_minor: int
    start: date
    end: date


@dataclass(frozen=True)
class EInvoice:
    """Everything an EN 16931 e-invoice of one document says, read from the document once."""

    number: str
    type_code: str
    issued_on: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    vat_category: VatCategory
    vat_rate: Decimal
    net_minor: int
    vat_minor: int
    total_minor: int
    paid_minor: int
    period_start: date | None = None
    period_end: date | None = None
    purchase_order: str = ""
    quote_number: str = ""
    corrects_number: str | None = None
    corrects_issued_on: date | None = None
    note: str = ""

    @property
    def due_minor(self) -> int:
        """What is left to pay (BT-115)."""
        return self.total_minor - self.paid_minor


def _party(snapshot: dict[str, Any], *, name_key: str) -> Party:
    """A party from a document's seller or customer snapshot."""
    return Party(
        name=str(snapshot.get(name_key) or ""),
        country=str(snapshot.get("country") or "").upper(),
        vat_id=snapshot.get("vat_id") or None,
        address=str(snapshot.get("address") or ""),
        postal_code=str(snapshot.get("postal_code") or ""),
        city=str(snapshot.get("city") or ""),
        email=str(snapshot.get("email") or snapshot.get("billing_email") or ""),
        contact=str(snapshot.get("contact_name") or ""),
    )


def einvoice_of(invoice: Invoice) -> EInvoice:
    """The e-invoice values of an issued document, its line names in the invoice language."""
    sign = -1 if invoice.kind == DocumentKind.CREDIT_NOTE else 1
    corrected = None
    if invoice.corrects_id is not None:
        corrected = db.session.execute(
            select(Invoice.number, Invoice.issued_on).where(Invoice.id == invoice.corrects_id)
        ).first()
    with force_locale(invoice.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = tuple(
            Line(
                position=line.position,
                name=line_heading(line.as_breakdown_line()),
                description=line_description(line.as_breakdown_line(), invoice.currency),
                amount_minor=sign * line.amount_minor,
                start=line.start,
                end=line.end,
            )
            for line in sorted(invoice.lines, key=lambda line: line.position)
        )
    total = sign * invoice.total_minor
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        paid = 0  # nothing of a credit note is "paid": it is all credited
    elif invoice.status == InvoiceStatus.PAID:
        paid = total
    else:
        paid = invoice.credit_used_minor  # account credit already set against it
    return EInvoice(
        number=invoice.number,
        type_code=CREDIT_NOTE_TYPE if sign < 0 else INVOICE_TYPE,
        issued_on=invoice.issued_on,
        currency=invoice.currency,
        seller=_party(invoice.seller or {}, name_key="name"),
        buyer=_party(invoice.customer or {}, name_key="company"),
        lines=lines,
        vat_category=VAT_CATEGORIES[TaxKind(invoice.tax_kind)],
        vat_rate=Decimal(str(invoice.vat_rate)),
        net_minor=sign * invoice.net_minor,
        vat_minor=sign * invoice.vat_minor,
        total_minor=total,
        paid_minor=paid,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        purchase_order=invoice.purchase_order or "",
        quote_number=invoice.quote_number or "",
        corrects_number=corrected.number if corrected else None,
        corrects_issued_on=corrected.issued_on if corrected else None,
        note=invoice.note or "",
    )


def amount(minor: int) -> str:
    """Minor units as the decimal text of the XML: 1234 -> '12.34', -5 -> '-0.05'."""
    return f"{Decimal(minor).scaleb(-2):.2f}"


def _percent(rate: Decimal) -> str:
    """A VAT rate as the XML writes it: '22.00'."""
    return f"{rate:.2f}"


def _party_terms(party: Party, category: VatCategory, *, seller: bool) -> dict[str, Any]:
    """A party block (BG-4 / BG-7) in factur-x's terms."""
    terms: dict[str, Any] = {"name": party.name, "country_code": party.country}
    if party.address:
        terms["addr_l1"] = party.address
    if party.city:
        terms["city"] = party.city
    if party.postal_code:
        terms["postcode"] = party.postal_code
    if party.vat_id:
        vat_id = _prefixed_vat_id(party)
        if category.names_vat_ids:
            terms["vat_identifier"] = vat_id
        elif seller:
            # BR-CO-26 still wants the seller identified: its registration number, which
            # for an Italian company is the same number as its VAT ID.
            terms["tax_identifier"] = vat_id
            terms["legal_identifier"] = vat_id
    if party.email:
        terms["einvoicing_addr"] = party.email
        terms["einvoicing_addr_schemeid"] = "EM"
    return terms


def _prefixed_vat_id(party: Party) -> str:
    """A VAT ID with its country prefix, as EN 16931 wants it (BR-CO-09)."""
    vat_id = (party.vat_id or "").replace(" ", "").upper()
    prefix = "EL" if party.country == "GR" else party.country
    return vat_id if vat_id[:2].isalpha() else f"{prefix}{vat_id}"


def _service_dates(values: EInvoice) -> dict[str, Any]:
    """When the service was supplied: the delivery date (BT-72) and, for a subscription, the
    invoicing period (BG-14). EN 16931 wants one of them; factur-x writes the CII delivery
    block only around BT-72 (without it the block is empty and fails the XSD), so BT-72 is
    always there: the period's first day, else the issue day."""
    if values.period_start and values.period_end:
        start, end = sorted((values.period_start, values.period_end))
        return {"BT-72": start, "BT-73": start, "BT-74": end}
    return {"BT-72": values.issued_on}


def terms(values: EInvoice) -> dict[str, Any]:
    """The e-invoice as factur-x's dictionary of EN 16931 terms (a new one each call: the
    library changes the dictionary it is given)."""
    category = values.vat_category
    rate = Decimal(0) if category.code in ("AE", "O") else values.vat_rate
    breakdown: dict[str, Any] = {
        "BT-116": amount(values.net_minor),
        "BT-117": amount(values.vat_minor),
        "BT-118": category.code,
    }
    if category.code != "O":
        breakdown["BT-119"] = _percent(rate)
    if category.exemption_code:
        breakdown["BT-121"] = category.exemption_code
        breakdown["BT-120"] = category.exemption_text
    data: dict[str, Any] = {
        "BT-1": values.number,
        "BT-2": values.issued_on,
        "BT-3": values.type_code,
        "BT-5": values.currency,
        "BT-24": "urn:cen.eu:en16931:2017",
        "BG-4": _party_terms(values.seller, category, seller=True),
        "BG-7": _party_terms(values.buyer, category, seller=False),
        **_service_dates(values),
        "BG-23": [breakdown],
        "BT-106": amount(sum(line.amount_minor for line in values.lines)),
        "BT-109": amount(values.net_minor),
        "BT-110": amount(values.vat_minor),
        "BT-112": amount(values.total_minor),
        "BT-113": amount(values.paid_minor),
        "BT-115": amount(values.due_minor),
        "BG-25": [
            {
                "BT-126": str(line.position),
                "BT-153": line.name,
                "BT-154": line.description,
                # A credit line is a quantity of -1 at its positive price (BR-27: a price is
                # never negative), so quantity × price is the line's amount to the cent.
                "BT-129": "-1" if line.amount_minor < 0 else "1",
                "BT-130": UNIT_CODE,
                "BT-146": amount(abs(line.amount_minor)),
                "BT-131": amount(line.amount_minor),
                "BT-151": category.code,
                **({"BT-152": _percent(rate)} if category.code != "O" else {}),
                "BT-134": min(line.start, line.end),
                "BT-135": max(line.start, line.end),
            }
            for line in values.lines
        ],
    }
    if values.due_minor > 0:
        data["BT-9"] = values.issued_on  # due on receipt (BR-CO-25 wants a due date or terms)
    if values.purchase_order:
        data["BT-13"] = values.purchase_order
    if values.quote_number:
        # The seller's quote the buyer accepted: a note, as EN 16931 has no quote reference.
        data["BG-1"] = [{"BT-22": f"Quote {values.quote_number}"}]
    if values.corrects_number:
        preceding: dict[str, Any] = {"BT-25": values.corrects_number}
        if values.corrects_issued_on:
            preceding["BT-26"] = values.corrects_issued_on
        data["BG-3"] = [preceding]
    if values.note:
        data["BG-1"] = [*data.get("BG-1", []), {"BT-22": values.note}]
    return data


# The XSD each XML is checked against: the files factur-x packages (what its own check reads).
SCHEMA_FILES = {
    (Flavor.CII, INVOICE_TYPE): "facturx-en16931",
    (Flavor.CII, CREDIT_NOTE_TYPE): "facturx-en16931",
    (Flavor.UBL, INVOICE_TYPE): "ubl-2.1-invoice",
    (Flavor.UBL, CREDIT_NOTE_TYPE): "ubl-2.1-creditnote",
}
_schema_lock = threading.Lock()


@cache
def _schema(key: str) -> etree.XMLSchema:
    """A packaged XSD, compiled once per process (the UBL one takes most of a second)."""
    from facturx.facturx import FACTURX_LEVEL2xsd, UBL_21_xsd

    relative = FACTURX_LEVEL2xsd[PROFILE] if key == "facturx-en16931" else UBL_21_xsd[key]
    path = importlib.resources.files("facturx").joinpath(f"xsd_and_schematron/{relative}")
    return etree.XMLSchema(etree.parse(str(path)))


class SchemaError(ValueError):
    """The XML written for a document does not pass its XSD: it is not sent anywhere."""


def check_schema(xml: bytes, flavor: Flavor, type_code: str) -> None:
    """Raise SchemaError unless the XML passes the packaged XSD of its syntax and kind."""
    schema = _schema(SCHEMA_FILES[flavor, type_code])
    document = etree.fromstring(xml)
    with _schema_lock:  # one compiled schema, validated against by one thread at a time
        valid = schema.validate(document)
        errors = str(schema.error_log)
    if not valid:
        raise SchemaError(f"{flavor.value} XML not valid against its XSD: {errors}")


def _generate(values: EInvoice, flavor: Flavor) -> bytes:
    """The XML in one syntax, checked against its XSD.

    factur-x's own checks are left off: its XSD check compiles the schema on every call, and
    its schematron check posts to a Saxon server; `check_schema` keeps the compiled XSD, and
    `rules.py` runs the same packaged schematron in-process where it is wanted.
    """
    from facturx import generate_xml  # imported when first used

    xml: bytes = generate_xml(
        terms(values), flavor=flavor.value, level=PROFILE, check_xsd=False, check_schematron=False
    )
    check_schema(xml, flavor, values.type_code)
    return xml


def cii_xml(values: EInvoice) -> bytes:
    """The CII XML (Factur-X profile EN 16931), the file named factur-x.xml in the PDF."""
    return _generate(values, Flavor.CII)


def ubl_xml(values: EInvoice) -> bytes:
    """The UBL 2.1 Invoice, or CreditNote for a credit note."""
    return _generate(values, Flavor.UBL)


def canonical(xml: bytes) -> bytes:
    """XML in canonical form (C14N), to compare two files by content."""
    return etree.tostring(etree.fromstring(xml), method="c14n")
