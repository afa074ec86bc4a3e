"""The FatturaPA XML (FPR12, schema 1.2.3) of an issued invoice or credit note.

`build` writes the XML from `FatturaValues`, which `portal.einvoices.produce` reads off an
issued document: every amount in euro (a document in another currency is converted line by line
at its day's reference rate, each line naming its currency, amount and the rate), a credit note
as TD04 with positive amounts naming the invoice it corrects, foreign customers with the codes
the exchange system expects, and text folded to the Latin-1 letters the schema allows. The
elements follow the schema's sequence; `portal.einvoices.schema` and `.sdi_rules` check the
result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from portal.domain.latin1 import latin1_text
from portal.einvoices.natures import STAMP_DUTY, Exemption
from portal.einvoices.schema import NAMESPACE
from portal.einvoices.sdi_rules import (
    FOREIGN_POSTCODE,
    FOREIGN_RECIPIENT_CODE,
    NON_EU_BUSINESS_ID,
)

FORMAT = "FPR12"
INVOICE = "TD01"
CREDIT_NOTE = "TD04"
# A recipient code for a customer that gave none (the file goes to its PEC, or waits in the
# customer's tax drawer) and the tax ID of a foreign customer that has none.
NO_RECIPIENT_CODE = "0000000"
NO_FOREIGN_ID = "99999999999"
NON_EU_ID = NON_EU_BUSINESS_ID
CENT = Decimal("0.01")

# The schema's lengths (String…Type) for the text fields the portal fills.
NAME_LENGTH = 80
ADDRESS_LENGTH = 60
CITY_LENGTH = 60
DESCRIPTION_LENGTH = 1000
CAUSALE_LENGTH = 200
REFERENCE_LENGTH = 20


@dataclass(frozen=True)
class Party:
    """A seller or customer as the e-invoice names it."""

    name: str
    country: str  # ISO code of the address
    street: str
    postal_code: str
    city: str
    province: str = ""
    vat_country: str = ""  # IdFiscaleIVA: country prefix and number, when there is one
    vat_number: str = ""
    tax_code: str = ""  # CodiceFiscale (Italian parties)
    email: str = ""


@dataclass(frozen=True)
class Line:
    """One document line, in euro; `currency` lines carry the original amount and rate."""

    description: str
    quantity: int
    amount: Decimal  # euro, this document's sign (positive on a TD04's credited lines)
    start: date | None = None
    end: date | None = None
    original_amount: Decimal | None = None  # in the document's currency, when not euro


@dataclass(frozen=True)
class FatturaValues:
    """Everything one FatturaPA file states."""

    transmitter_country: str
    transmitter_id: str
    progressive: str
    recipient_code: str
    recipient_pec: str
    seller: Party
    tax_regime: str
    customer: Party
    document_type: str
    number: str
    issued_on: date
    rate: Decimal  # the VAT rate in percent (0 with an exemption)
    exemption: Exemption | None
    lines: Sequence[Line]
    total: Decimal  # what the document totals in euro (with VAT paid elsewhere for OSS)
    stamp_duty: bool = False
    causale: Sequence[str] = ()
    purchase_order: str = ""
    contract: str = ""  # an accepted sales quote's number
    related: Sequence[tuple[str, date]] = ()  # (number, date) of the invoices it refers to
    currency: str = "EUR"  # the document's own currency
    exchange_rate: Decimal | None = None  # units of `currency` for one euro
    exchange_rate_on: date | None = None
    # A letter of intent the sale is made under: its receipt's protocol and date.
    letter: tuple[str, date] | None = None


def amount_text(value: Decimal) -> str:
    """An amount as the schema's Amount2 type writes it: '45.00', '-3.10'."""
    return f"{value.quantize(CENT, ROUND_HALF_UP):.2f}"


def unit_price_text(value: Decimal) -> str:
    """A unit price: 2 to 8 decimals ('15.00', '33.33333333')."""
    text = f"{value.quantize(Decimal('0.00000001'), ROUND_HALF_UP):.8f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def unit_price(line: Line) -> Decimal:
    """The line's amount per unit, to 8 decimals, so that unit × quantity rounds to the amount."""
    quantity = line.quantity or 1
    return (line.amount / quantity).quantize(Decimal("0.00000001"), ROUND_HALF_UP)


def taxable(values: FatturaValues) -> Decimal:
    """The sum of the lines (the document has one rate)."""
    return sum((line.amount for line in values.lines), Decimal(0))


def tax(values: FatturaValues) -> Decimal:
    """VAT on the taxable amount at the document's rate, half-up to the cent."""
    return (taxable(values) * values.rate / 100).quantize(CENT, ROUND_HALF_UP)


def _text(value: str, length: int) -> str:
    return latin1_text(value)[:length].strip()


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _tax_id(parent: etree._Element, tag: str, country: str, number: str) -> None:
    id_element = _add(parent, tag)
    _add(id_element, "IdPaese", country)
    _add(id_element, "IdCodice", number)


def _address(parent: etree._Element, party: Party, *, foreign: bool) -> None:
    sede = _add(parent, "Sede")
    _add(sede, "Indirizzo", _text(party.street, ADDRESS_LENGTH) or "-")
    _add(sede, "CAP", FOREIGN_POSTCODE if foreign else party.postal_code.strip())
    _add(sede, "Comune", _text(party.city, CITY_LENGTH) or "-")
    if party.province and not foreign:
        _add(sede, "Provincia", party.province.strip().upper())
    _add(sede, "Nazione", party.country)


def _header(root: etree._Element, values: FatturaValues) -> None:
    header = _add(root, "FatturaElettronicaHeader")
    transmission = _add(header, "DatiTrasmissione")
    _tax_id(transmission, "IdTrasmittente", values.transmitter_country, values.transmitter_id)
    _add(transmission, "ProgressivoInvio", values.progressive)
    _add(transmission, "FormatoTrasmissione", FORMAT)
    _add(transmission, "CodiceDestinatario", values.recipient_code)
    if values.recipient_pec:
        _add(transmission, "PECDestinatario", values.recipient_pec)

    seller = values.seller
    cedente = _add(header, "CedentePrestatore")
    personal = _add(cedente, "DatiAnagrafici")
    _tax_id(personal, "IdFiscaleIVA", seller.vat_country, seller.vat_number)
    if seller.tax_code:
        _add(personal, "CodiceFiscale", seller.tax_code)
    _add(_add(personal, "Anagrafica"), "Denominazione", _text(seller.name, NAME_LENGTH))
    _add(personal, "RegimeFiscale", values.tax_regime)
    _address(cedente, seller, foreign=False)
    if seller.email:
        _add(_add(cedente, "Contatti"), "Email", seller.email)

    customer = values.customer
    cessionario = _add(header, "CessionarioCommittente")
    personal = _add(cessionario, "DatiAnagrafici")
    if customer.vat_number:
        _tax_id(personal, "IdFiscaleIVA", customer.vat_country, customer.vat_number)
    if customer.tax_code:
        _add(personal, "CodiceFiscale", customer.tax_code)
    _add(_add(personal, "Anagrafica"), "Denominazione", _text(customer.name, NAME_LENGTH))
    _address(cessionario, customer, foreign=customer.country != "IT")


def _general(body: etree._Element, values: FatturaValues) -> None:
    general = _add(body, "DatiGenerali")
    document = _add(general, "DatiGeneraliDocumento")
    _add(document, "TipoDocumento", values.document_type)
    _add(document, "Divisa", "EUR")
    _add(document, "Data", values.issued_on.isoformat())
    _add(document, "Numero", values.number)
    if values.stamp_duty:
        stamp = _add(document, "DatiBollo")
        _add(stamp, "BolloVirtuale", "SI")
        _add(stamp, "ImportoBollo", amount_text(STAMP_DUTY))
    _add(document, "ImportoTotaleDocumento", amount_text(values.total))
    for text in values.causale:
        _add(document, "Causale", _text(text, CAUSALE_LENGTH))
    if values.purchase_order and len(values.purchase_order) <= REFERENCE_LENGTH:
        order = _add(general, "DatiOrdineAcquisto")
        _add(order, "IdDocumento", _text(values.purchase_order, REFERENCE_LENGTH))
    if values.contract:
        contract = _add(general, "DatiContratto")
        _add(contract, "IdDocumento", _text(values.contract, REFERENCE_LENGTH))
    for number, issued_on in values.related:
        related = _add(general, "DatiFattureCollegate")
        _add(related, "IdDocumento", _text(number, REFERENCE_LENGTH))
        _add(related, "Data", issued_on.isoformat())


def _lines(body: etree._Element, values: FatturaValues) -> None:
    goods = _add(body, "DatiBeniServizi")
    rate_text = amount_text(values.rate)
    for number, line in enumerate(values.lines, start=1):
        element = _add(goods, "DettaglioLinee")
        _add(element, "NumeroLinea", str(number))
        _add(element, "Descrizione", _text(line.description, DESCRIPTION_LENGTH))
        _add(element, "Quantita", f"{line.quantity or 1}.00")
        if line.start is not None and line.end is not None:
            _add(element, "DataInizioPeriodo", line.start.isoformat())
            _add(element, "DataFinePeriodo", line.end.isoformat())
        _add(element, "PrezzoUnitario", unit_price_text(unit_price(line)))
        _add(element, "PrezzoTotale", amount_text(line.amount))
        _add(element, "AliquotaIVA", rate_text)
        if values.exemption is not None:
            _add(element, "Natura", values.exemption.nature)
        if values.letter is not None and number == 1:
            # The letter is named in the document's lines as the exchange system asks
            # (TipoDato INTENTO: the receipt's protocol and date).
            letter = _add(element, "AltriDatiGestionali")
            _add(letter, "TipoDato", "INTENTO")
            _add(letter, "RiferimentoTesto", values.letter[0])
            _add(letter, "RiferimentoData", values.letter[1].isoformat())
        if line.original_amount is not None and values.exchange_rate is not None:
            currency = _add(element, "AltriDatiGestionali")
            _add(currency, "TipoDato", "DIVISA")
            _add(currency, "RiferimentoTesto", values.currency)
            _add(currency, "RiferimentoNumero", amount_text(line.original_amount))
            exchange = _add(element, "AltriDatiGestionali")
            _add(exchange, "TipoDato", "CAMBIO")
            _add(exchange, "RiferimentoTesto", f"{values.currency} per EUR")
            _add(exchange, "RiferimentoNumero", unit_price_text(values.exchange_rate))
            if values.exchange_rate_on is not None:
                _add(exchange, "RiferimentoData", values.exchange_rate_on.isoformat())
    summary = _add(goods, "DatiRiepilogo")
    _add(summary, "AliquotaIVA", rate_text)
    if values.exemption is not None:
        _add(summary, "Natura", values.exemption.nature)
    _add(summary, "ImponibileImporto", amount_text(taxable(values)))
    _add(summary, "Imposta", amount_text(tax(values)))
    if values.exemption is None:
        _add(summary, "EsigibilitaIVA", "I")  # VAT due at once
    else:
        _add(summary, "RiferimentoNormativo", _text(values.exemption.law, 100))


def build(values: FatturaValues) -> bytes:
    """The FatturaPA XML, UTF-8 with its declaration."""
    root = etree.Element(
        f"{{{NAMESPACE}}}FatturaElettronica", nsmap={"p": NAMESPACE}, versione=FORMAT
    )
    _header(root, values)
    body = _add(root, "FatturaElettronicaBody")
    _general(body, values)
    _lines(body, values)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def file_name(values: FatturaValues) -> str:
    """IT<transmitter id>_<progressive>.xml."""
    return f"{values.transmitter_country}{values.transmitter_id}_{values.progressive}.xml"


__all__ = [
    "CREDIT_NOTE",
    "FOREIGN_RECIPIENT_CODE",
    "INVOICE",
    "NON_EU_ID",
    "NO_FOREIGN_ID",
    "NO_RECIPIENT_CODE",
    "FatturaValues",
    "Line",
    "Party",
    "build",
    "file_name",
]
