"""Produce the FatturaPA file of an issued document: read its values, write the XML, check it
against the official schema and the exchange system's rules, and store it.

Every document issued while the seller is Italian gets its file in the transaction that issued
it: `portal.documents.issuing` marks each document it numbers, and the files are produced just
before that transaction commits, after every number of the transaction was taken (the file
names' sequence is locked last, so issuing never waits in a circle). A file that breaks a rule
is stored as INVALID with its problems and is never sent; staff see why. Producing never makes
issuing fail: the payment is taken, so the document stands, and an error becomes a problem.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from portal.billing_text import letter_mention, line_description, line_heading, tax_mention
from portal.domain.exchange import EURO, to_euro
from portal.domain.tax import EU_COUNTRIES, country_code
from portal.einvoices import fatturapa
from portal.einvoices.fatturapa import FatturaValues, Line, Party
from portal.einvoices.natures import exemption_for, stamp_duty_due
from portal.einvoices.schema import schema_errors
from portal.einvoices.sdi_rules import RuleFailure, sdi_failures
from portal.extensions import db
from portal.issued import forget_issued, take_issued
from portal.models import (
    DocumentKind,
    EInvoiceFile,
    EInvoiceState,
    Invoice,
    SequenceKind,
)
from portal.reference_data import reference
from portal.sequences import take_numbers

log = logging.getLogger(__name__)

# Files that reached the exchange system: the document's number is taken there (00404).
TRANSMITTED = frozenset(
    {EInvoiceState.SENT, EInvoiceState.DELIVERED, EInvoiceState.NOT_DELIVERABLE}
)
# Files not sent yet: a newer file of the same document replaces them.
UNSENT = frozenset({EInvoiceState.GENERATED, EInvoiceState.INVALID})
PROGRESSIVE_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PROGRESSIVE_LENGTH = 5
_ADDRESS = re.compile(r"^(?P<street>.+?),\s*(?P<postal_code>[0-9]{5})\s+(?P<city>.+)$")
_ITALIAN_POSTCODE = re.compile(r"[0-9]{5}")


class EInvoiceProblem(Exception):
    """A document lacks what its e-invoice needs; the message says what."""

    def __init__(self, rule: str, message: str) -> None:
        """Keep the rule's name for the stored problem."""
        super().__init__(message)
        self.rule = rule


def fatturapa_enabled(app: Flask | None = None) -> bool:
    """Whether documents get a FatturaPA file: the seller is Italian."""
    config = (app or current_app).config
    return str(config["SELLER_COUNTRY"]).upper() == "IT"


def progressive_text(number: int) -> str:
    """The file name's progressive: the number in base 36, five characters ('0000A')."""
    if number <= 0 or number >= len(PROGRESSIVE_DIGITS) ** PROGRESSIVE_LENGTH:
        raise ValueError(f"no e-invoice progressive for {number}")
    digits = ""
    while number:
        number, digit = divmod(number, len(PROGRESSIVE_DIGITS))
        digits = PROGRESSIVE_DIGITS[digit] + digits
    return digits.rjust(PROGRESSIVE_LENGTH, "0")


def _split_vat_id(vat_id: str) -> tuple[str, str]:
    """'IT12345670017' -> ('IT', '12345670017'); IdPaese is the ISO code, so a Greek VAT ID's
    prefix EL is written GR."""
    compact = re.sub(r"[\s.\-/]", "", vat_id or "").upper()
    return country_code(compact[:2]), compact[2:]


def transmitter(seller: dict[str, Any]) -> tuple[str, str]:
    """The transmitter's country and id: the setting, else the seller's VAT number."""
    configured = str(current_app.config.get("EINVOICE_TRANSMITTER_ID") or "").strip().upper()
    if configured:
        if configured[:2].isalpha():
            return configured[:2], configured[2:]
        return "IT", configured
    return _split_vat_id(str(seller.get("vat_id") or ""))


def _seller(snapshot: dict[str, Any]) -> tuple[Party, str]:
    """The seller of a document and its tax regime; older snapshots name the address in one
    line ('Via Example 1, 20100 Milano'), read in parts, else taken from the settings."""
    config = current_app.config
    parts = {
        "street": snapshot.get("street"),
        "postal_code": snapshot.get("postal_code"),
        "city": snapshot.get("city"),
    }
    if not all(parts.values()):
        match = _ADDRESS.match(str(snapshot.get("address") or ""))
        parts = (
            match.groupdict()
            if match
            else {
                "street": config["SELLER_STREET"],
                "postal_code": config["SELLER_POSTAL_CODE"],
                "city": config["SELLER_CITY"],
            }
        )
    vat_country, vat_number = _split_vat_id(str(snapshot.get("vat_id") or ""))
    party = Party(
        name=str(snapshot.get("name") or ""),
        country=country_code(str(snapshot.get("country") or "IT")),
        street=str(parts["street"]),
        postal_code=str(parts["postal_code"]),
        city=str(parts["city"]),
        province=str(snapshot.get("province") or config["SELLER_PROVINCE"] or ""),
        vat_country=vat_country,
        vat_number=vat_number,
        email=str(snapshot.get("email") or ""),
    )
    return party, str(snapshot.get("tax_regime") or config["SELLER_TAX_REGIME"])


def _customer(snapshot: dict[str, Any]) -> tuple[Party, str, str]:
    """The customer as the e-invoice names it, its recipient code and PEC address."""
    country = country_code(str(snapshot.get("country") or ""))
    if not country:
        raise EInvoiceProblem("customer_country", "the customer has no country")
    vat_id = str(snapshot.get("vat_id") or "")
    tax_code = str(snapshot.get("tax_code") or "").strip().upper()
    postal_code = str(snapshot.get("postal_code") or "").strip()
    if country == "IT":
        vat_country, vat_number = _split_vat_id(vat_id) if vat_id else ("", "")
        if not vat_number and not tax_code:
            raise EInvoiceProblem(
                "italian_customer_id",
                "an Italian customer needs a VAT number or a tax code (codice fiscale)",
            )
        if not _ITALIAN_POSTCODE.fullmatch(postal_code):
            raise EInvoiceProblem(
                "italian_postcode", f"the Italian postcode {postal_code!r} is not 5 digits"
            )
        code = str(snapshot.get("recipient_code") or "").strip().upper()
        pec = str(snapshot.get("pec") or "").strip()
        recipient = code or fatturapa.NO_RECIPIENT_CODE
        pec = pec if recipient == fatturapa.NO_RECIPIENT_CODE else ""
    else:
        recipient, pec, tax_code = fatturapa.FOREIGN_RECIPIENT_CODE, "", ""
        if country not in EU_COUNTRIES:
            # Outside the EU the exchange system takes no foreign tax number: the country
            # and the code it gives such customers.
            vat_country, vat_number = country, fatturapa.NON_EU_ID
        elif vat_id:
            vat_country, vat_number = _split_vat_id(vat_id)
        else:
            vat_country, vat_number = country, fatturapa.NO_FOREIGN_ID
    party = Party(
        name=str(snapshot.get("company") or ""),
        country=country,
        street=str(snapshot.get("address") or ""),
        postal_code=postal_code,
        city=str(snapshot.get("city") or ""),
        vat_country=vat_country,
        vat_number=vat_number,
        tax_code=tax_code,
    )
    return party, recipient, pec


def _rate_of(invoice: Invoice) -> tuple[Decimal | None, date | None]:
    """The euro rate a document is stated at: its first file's, else today's reference."""
    if invoice.currency == EURO:
        return None, None
    earlier = db.session.execute(
        select(EInvoiceFile.exchange_rate, EInvoiceFile.exchange_rate_on)
        .where(EInvoiceFile.invoice_id == invoice.id, EInvoiceFile.exchange_rate.is_not(None))
        .order_by(EInvoiceFile.id)
        .limit(1)
    ).first()
    if earlier is not None:
        return Decimal(str(earlier[0])), earlier[1]
    rates = reference().exchange_rates
    try:
        return rates.rate(invoice.currency), rates.as_of
    except KeyError:
        raise EInvoiceProblem(
            "exchange_rate", f"no euro rate for {invoice.currency} in the rates file"
        ) from None


def _related(invoice: Invoice) -> list[tuple[str, date]]:
    """The invoice a credit note corrects, or a reissued invoice replaces."""
    related_id = invoice.corrects_id or invoice.replaces_id
    if related_id is None:
        return []
    row = db.session.execute(
        select(Invoice.number, Invoice.issued_on).where(Invoice.id == related_id)
    ).first()
    return [(row[0], row[1])] if row is not None else []


def fattura_values(
    invoice: Invoice, *, progressive: str, rate: tuple[Decimal | None, date | None]
) -> FatturaValues:
    """The values of a document's FatturaPA file."""
    sign = -1 if invoice.kind == DocumentKind.CREDIT_NOTE else 1
    exchange_rate, rate_on = rate
    seller, regime = _seller(invoice.seller or {})
    customer, recipient, pec = _customer(invoice.customer or {})
    exemption = exemption_for(invoice.tax_kind)

    def euro(amount_minor: int) -> Decimal:
        if exchange_rate is None:
            return Decimal(amount_minor) / 100
        return to_euro(amount_minor, exchange_rate)

    language = invoice.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    lines = []
    causale: list[str] = []
    with force_locale(language):
        for stored in sorted(invoice.lines, key=lambda line: line.position):
            line = stored.as_breakdown_line()
            lines.append(
                Line(
                    description=(
                        f"{line_heading(line)} - {line_description(line, invoice.currency)}"
                    ),
                    quantity=stored.quantity,
                    amount=euro(sign * stored.amount_minor),
                    start=stored.start,
                    end=stored.end,
                    original_amount=(
                        None if exchange_rate is None else Decimal(sign * stored.amount_minor) / 100
                    ),
                )
            )
        mention = tax_mention(invoice.tax_kind)
        if mention:
            causale.append(mention)
        letter = (invoice.customer or {}).get("letter_of_intent")
        if exemption is not None and exemption.nature == "N3.5" and isinstance(letter, dict):
            citation = letter_mention(letter)
            if citation:
                causale.append(citation)
        if invoice.purchase_order and len(invoice.purchase_order) > fatturapa.REFERENCE_LENGTH:
            causale.append(_("Purchase order %(number)s", number=invoice.purchase_order))
    xml_rate = Decimal(0) if exemption is not None else Decimal(str(invoice.vat_rate))
    sender_country, sender_id = transmitter(invoice.seller or {})
    cited = (invoice.customer or {}).get("letter_of_intent")
    letter = (
        (str(cited["protocol"]), date.fromisoformat(str(cited["issued_on"])))
        if exemption is not None and exemption.nature == "N3.5" and isinstance(cited, dict)
        else None
    )
    values = FatturaValues(
        transmitter_country=sender_country,
        transmitter_id=sender_id,
        progressive=progressive,
        recipient_code=recipient,
        recipient_pec=pec,
        seller=seller,
        tax_regime=regime,
        customer=customer,
        document_type=(
            fatturapa.CREDIT_NOTE if invoice.kind == DocumentKind.CREDIT_NOTE else fatturapa.INVOICE
        ),
        number=invoice.number,
        issued_on=invoice.issued_on,
        rate=xml_rate,
        exemption=exemption,
        lines=lines,
        total=Decimal(0),
        causale=causale,
        purchase_order=invoice.purchase_order,
        contract=invoice.quote_number,
        related=_related(invoice),
        currency=invoice.currency,
        exchange_rate=exchange_rate,
        exchange_rate_on=rate_on,
        letter=letter,
    )
    # VAT paid in another member state (OSS) is part of what the customer pays.
    elsewhere = euro(sign * invoice.vat_minor) if exemption is not None else Decimal(0)
    total = fatturapa.taxable(values) + fatturapa.tax(values) + elsewhere
    stamp = stamp_duty_due(exemption, fatturapa.taxable(values))
    return replace(values, total=total, stamp_duty=stamp)


def document_failures(invoice: Invoice, values: FatturaValues) -> list[RuleFailure]:
    """The portal's own check: a document in euro is stated with exactly its own amounts."""
    if invoice.currency != EURO:
        return []
    sign = -1 if invoice.kind == DocumentKind.CREDIT_NOTE else 1
    failures = []
    net = Decimal(sign * invoice.net_minor) / 100
    if fatturapa.taxable(values) != net:
        failures.append(
            RuleFailure(
                "", "document_amounts", f"lines total {fatturapa.taxable(values)}, the net is {net}"
            )
        )
    if values.exemption is None:
        vat = Decimal(sign * invoice.vat_minor) / 100
        if fatturapa.tax(values) != vat:
            failures.append(
                RuleFailure("", "document_amounts", f"VAT is {fatturapa.tax(values)}, not {vat}")
            )
    return failures


def _problem(code: str, rule: str, message: str) -> dict[str, str]:
    return {"code": code, "rule": rule, "message": message}


def check(xml: bytes, file_name: str, invoice: Invoice) -> list[dict[str, str]]:
    """Every problem of a produced file: schema, the exchange system's rules, the portal's."""
    problems = [_problem("", "schema", message) for message in schema_errors(xml)]
    if problems:
        return problems
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    used = db.session.scalar(select(EInvoiceFile.id).where(EInvoiceFile.file_name == file_name))
    transmitted = db.session.scalar(
        select(EInvoiceFile.id).where(
            EInvoiceFile.invoice_id == invoice.id, EInvoiceFile.state.in_(TRANSMITTED)
        )
    )
    failures = sdi_failures(
        root,
        file_name,
        used_file_names={file_name} if used is not None else set(),
        issued_numbers={(invoice.issued_on.year, invoice.number)} if transmitted else set(),
    )
    return [_problem(failure.code, failure.rule, failure.message) for failure in failures]


def produce_einvoice(invoice: Invoice) -> EInvoiceFile:
    """A new FatturaPA file of the document under a new file name, checked and stored.

    Earlier files of the document that were not sent are superseded by it.
    """
    progressive = progressive_text(take_numbers(SequenceKind.EINVOICE_FILE, 0, 1))
    rate: tuple[Decimal | None, date | None] = (None, None)
    seller_country, seller_id = transmitter(invoice.seller or {})
    name = f"{seller_country}{seller_id}_{progressive}.xml"
    try:
        rate = _rate_of(invoice)
        values = fattura_values(invoice, progressive=progressive, rate=rate)
        name = fatturapa.file_name(values)
        content = fatturapa.build(values)
        problems = check(content, name, invoice) + [
            _problem(f.code, f.rule, f.message) for f in document_failures(invoice, values)
        ]
    except EInvoiceProblem as problem:
        content, problems = b"", [_problem("", problem.rule, str(problem))]
    except Exception as error:  # issuing must not fail on the e-invoice
        log.exception("e-invoice of %s could not be produced", invoice.number)
        content, problems = b"", [_problem("", "internal", f"{type(error).__name__}: {error}")]
    db.session.execute(
        update(EInvoiceFile)
        .where(EInvoiceFile.invoice_id == invoice.id, EInvoiceFile.state.in_(UNSENT))
        .values(state=EInvoiceState.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )
    file = EInvoiceFile(
        invoice_id=invoice.id,
        file_name=name,
        progressive=progressive,
        content=content,
        state=EInvoiceState.INVALID if problems else EInvoiceState.GENERATED,
        problems=problems,
        exchange_rate=rate[0],
        exchange_rate_on=rate[1],
    )
    db.session.add(file)
    db.session.flush()
    if problems:
        log.warning("e-invoice %s of %s is invalid: %s", name, invoice.number, problems)
    return file


def current_file(invoice_id: int) -> EInvoiceFile | None:
    """The document's latest file."""
    return db.session.scalar(
        select(EInvoiceFile)
        .where(EInvoiceFile.invoice_id == invoice_id)
        .order_by(EInvoiceFile.id.desc())
        .limit(1)
    )


def _produce_pending(session: Session) -> None:
    pending: list[Invoice] = take_issued(session)
    if not pending or not fatturapa_enabled():
        return
    produced: set[int] = set()
    for invoice in pending:
        # A document rolled back to a savepoint has no row any more.
        if invoice.id is None or invoice.id in produced or not inspect(invoice).persistent:
            continue
        produced.add(invoice.id)
        produce_einvoice(invoice)


def _forget_pending(session: Session, *_args: Any) -> None:
    forget_issued(session)


def init_app(app: Flask) -> None:
    """Produce the files of the documents a transaction issued just before it commits."""
    if not event.contains(Session, "before_commit", _produce_pending):
        event.listen(Session, "before_commit", _produce_pending)
        event.listen(Session, "after_rollback", _forget_pending)
