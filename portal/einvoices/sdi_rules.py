"""The exchange system's (SdI) own checks that the schema does not make, as the portal's rules.

The schema checks structure only. SdI refuses a file that passes it for reasons of content:
each such reason is a named rule here, with the SdI error code it stands for, so a document
that would be refused is never sent and staff read why. Where SdI tolerates a rounding
difference, the portal is stricter: its documents are computed to the cent, so any difference
means a wrong document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from portal.domain.tax import EU_COUNTRIES


@dataclass(frozen=True)
class RuleFailure:
    """A rule a document breaks: the SdI code it would be refused with ('' for the portal's
    own rules), the rule's name, and why."""

    code: str
    rule: str
    message: str


# IT + the transmitter's tax code (11-digit VAT number or 16-character fiscal code) + _ + a
# progressive of 1 to 5 letters or digits.
FILE_NAME = re.compile(r"IT(?P<sender>[0-9A-Z]{11,16})_(?P<progressive>[0-9A-Za-z]{1,5})\.xml")
# Exemption codes SdI no longer takes without their sub-code (N2.1, N3.2, N6.9 …).
GENERIC_NATURE = frozenset({"N2", "N3", "N6"})
FOREIGN_RECIPIENT_CODE = "XXXXXXX"
FOREIGN_POSTCODE = "00000"
NON_EU_BUSINESS_ID = "OO99999999999"
CENT = Decimal("0.01")

Rule = Callable[[etree._Element], Iterator[str]]


def _text(element: etree._Element, path: str) -> str:
    """The text at a path below the element ('' when absent)."""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _amount(text: str) -> Decimal | None:
    """A decimal amount as the XML writes it, or None."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _lines(root: etree._Element) -> list[etree._Element]:
    return root.findall(".//DatiBeniServizi/DettaglioLinee")


def _summaries(root: etree._Element) -> list[etree._Element]:
    return root.findall(".//DatiBeniServizi/DatiRiepilogo")


def zero_rate_without_nature(root: etree._Element) -> Iterator[str]:
    """00400 / 00429: a line or a summary at 0 % must say why (Natura)."""
    for element in [*_lines(root), *_summaries(root)]:
        rate = _amount(_text(element, "AliquotaIVA"))
        if rate == 0 and not _text(element, "Natura"):
            yield f"{element.tag} at 0 % has no Natura (exemption code)"


def nature_with_a_rate(root: etree._Element) -> Iterator[str]:
    """00401: an exemption code only goes with a 0 % rate."""
    for element in [*_lines(root), *_summaries(root)]:
        rate = _amount(_text(element, "AliquotaIVA"))
        if _text(element, "Natura") and rate not in (None, 0):
            yield f"{element.tag} has Natura but a {rate} % rate"


def generic_nature(root: etree._Element) -> Iterator[str]:
    """00445: N2, N3 and N6 without their sub-code are refused since 2021."""
    for element in [*_lines(root), *_summaries(root)]:
        nature = _text(element, "Natura")
        if nature in GENERIC_NATURE:
            yield f"{element.tag} uses the generic exemption code {nature}"


def line_total(root: etree._Element) -> Iterator[str]:
    """00423: a line's total is its unit price times its quantity (1 when not given)."""
    for line in _lines(root):
        unit = _amount(_text(line, "PrezzoUnitario"))
        total = _amount(_text(line, "PrezzoTotale"))
        quantity = _amount(_text(line, "Quantita") or "1")
        if unit is None or total is None or quantity is None:
            continue
        expected = (unit * quantity).quantize(CENT, ROUND_HALF_UP)
        if total != expected:
            number = _text(line, "NumeroLinea")
            yield f"line {number}: total {total} is not {unit} × {quantity} = {expected}"


def taxable_per_rate(root: etree._Element) -> Iterator[str]:
    """00422: each rate's taxable amount is the sum of its lines' totals (and rounding)."""
    sums: dict[tuple[Decimal, str], Decimal] = {}
    for line in _lines(root):
        rate, total = _amount(_text(line, "AliquotaIVA")), _amount(_text(line, "PrezzoTotale"))
        if rate is None or total is None:
            continue
        key = (rate, _text(line, "Natura"))
        sums[key] = sums.get(key, Decimal(0)) + total
    for summary in _summaries(root):
        rate = _amount(_text(summary, "AliquotaIVA"))
        taxable = _amount(_text(summary, "ImponibileImporto"))
        rounding = _amount(_text(summary, "Arrotondamento") or "0") or Decimal(0)
        if rate is None or taxable is None:
            continue
        expected = sums.pop((rate, _text(summary, "Natura")), Decimal(0)) + rounding
        if taxable != expected:
            yield f"taxable amount at {rate} % is {taxable}, its lines sum to {expected}"
    for (rate, nature), total in sums.items():
        yield f"lines at {rate} % {nature} ({total}) have no summary"


def tax_per_rate(root: etree._Element) -> Iterator[str]:
    """00421: each rate's tax is its taxable amount times the rate, to the cent."""
    for summary in _summaries(root):
        rate = _amount(_text(summary, "AliquotaIVA"))
        taxable = _amount(_text(summary, "ImponibileImporto"))
        tax = _amount(_text(summary, "Imposta"))
        if rate is None or taxable is None or tax is None:
            continue
        expected = (taxable * rate / 100).quantize(CENT, ROUND_HALF_UP)
        if tax != expected:
            yield f"tax at {rate} % is {tax}, {taxable} × {rate} % is {expected}"


def foreign_recipient(root: etree._Element) -> Iterator[str]:
    """Foreign customers: recipient code XXXXXXX and postcode 00000; a business outside the EU
    is identified as OO99999999999."""
    buyer = root.find(".//CessionarioCommittente")
    if buyer is None:
        return
    country = _text(buyer, "Sede/Nazione")
    if not country or country == "IT":
        return
    if _text(root, ".//DatiTrasmissione/CodiceDestinatario") != FOREIGN_RECIPIENT_CODE:
        yield f"a customer in {country} needs the recipient code {FOREIGN_RECIPIENT_CODE}"
    if _text(buyer, "Sede/CAP") != FOREIGN_POSTCODE:
        yield f"a customer in {country} needs the postcode {FOREIGN_POSTCODE}"
    vat_id = buyer.find("DatiAnagrafici/IdFiscaleIVA")
    outside_eu = country not in EU_COUNTRIES
    if outside_eu and vat_id is not None and _text(vat_id, "IdCodice") != NON_EU_BUSINESS_ID:
        yield f"a business in {country} (outside the EU) is identified as {NON_EU_BUSINESS_ID}"


# (SdI code, rule): every check a document goes through before it is sent.
RULES: tuple[tuple[str, Rule], ...] = (
    ("00400", zero_rate_without_nature),
    ("00401", nature_with_a_rate),
    ("00445", generic_nature),
    ("00423", line_total),
    ("00422", taxable_per_rate),
    ("00421", tax_per_rate),
    ("", foreign_recipient),  # the portal's own: how SdI must be told of a foreign customer
)


def file_name_failures(file_name: str, root: etree._Element) -> Iterator[RuleFailure]:
    """00001: IT<transmitter>_<progressive>.xml, the transmitter being IdTrasmittente's."""
    match = FILE_NAME.fullmatch(file_name)
    if match is None:
        yield RuleFailure("00001", "file_name", f"{file_name!r} is no valid file name")
        return
    sender = _text(root, ".//DatiTrasmissione/IdTrasmittente/IdCodice")
    if match["sender"] != sender:
        yield RuleFailure(
            "00001", "file_name", f"{file_name!r} does not name the transmitter {sender}"
        )


def sdi_failures(
    root: etree._Element,
    file_name: str,
    *,
    used_file_names: Collection[str] = (),
    issued_numbers: Collection[tuple[int, str]] = (),
) -> list[RuleFailure]:
    """Every rule the document breaks; `used_file_names` are the names ever given to a file
    (never reused, even after a rejection: 00002), `issued_numbers` the (year, number) pairs
    already sent for this seller (00404)."""
    failures = list(file_name_failures(file_name, root))
    if file_name in used_file_names:
        failures.append(RuleFailure("00002", "file_name", f"{file_name!r} was used before"))
    year, number = (
        _text(root, ".//DatiGeneraliDocumento/Data")[:4],
        _text(root, ".//DatiGeneraliDocumento/Numero"),
    )
    if year.isdigit() and (int(year), number) in issued_numbers:
        failures.append(
            RuleFailure("00404", "duplicate", f"number {number} of {year} was already sent")
        )
    for code, rule in RULES:
        failures.extend(RuleFailure(code, rule.__name__, message) for message in rule(root))
    return failures
