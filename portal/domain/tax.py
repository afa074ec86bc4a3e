"""VAT: the EU rates file, VAT ID checks and which treatment an invoice gets."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat

from portal.domain.vat_registry import RegistryVerdict

# Greece is GR in ISO 3166 but EL in VAT numbers (VIES); everything else uses its ISO code.
_VAT_PREFIX_BY_COUNTRY = {"GR": "EL"}
_COUNTRY_BY_VAT_PREFIX = {"EL": "GR"}

# The EU-27 according to python-stdnum (lower case, "gr" for Greece); "xi" is Northern
# Ireland, which has VAT numbers for goods only and is no member state.
EU_COUNTRIES: frozenset[str] = frozenset(
    code.upper() for code in eu_vat.MEMBER_STATES if code != "xi"
)

_VAT_SEPARATORS = re.compile(r"[\s.\-/]")
_OTHER_TAX_ID = re.compile(r"[A-Z0-9]{2,20}")
_RATE_TEXT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")


def country_code(country: str) -> str:
    """Upper-case ISO country code; the VAT prefix EL is read as Greece (GR)."""
    code = country.strip().upper()
    return _COUNTRY_BY_VAT_PREFIX.get(code, code)


def vat_prefix(country: str) -> str:
    """The prefix a country's VAT numbers carry (EL for Greece)."""
    code = country_code(country)
    return _VAT_PREFIX_BY_COUNTRY.get(code, code)


@dataclass(frozen=True)
class VatRates:
    """Standard VAT rates in percent per EU country, as checked on `as_of`."""

    as_of: date
    rates: Mapping[str, Decimal]

    def is_eu(self, country: str) -> bool:
        """Whether the country is an EU member state."""
        return country_code(country) in self.rates

    def rate(self, country: str) -> Decimal:
        """The standard rate in percent; KeyError for a country outside the EU."""
        code = country_code(country)
        if code not in self.rates:
            raise KeyError(f"{country!r} is not an EU member state: it has no EU VAT rate")
        return self.rates[code]


class VatRatesError(Exception):
    """The VAT rates file is unusable; the message names the file and the bad entry."""

    def __init__(self, file: str, entry: str | None, problem: str) -> None:
        """Build 'file: entry: problem' so the operator can go straight to the line."""
        location = f"{file}: {entry}" if entry else file
        super().__init__(f"{location}: {problem}")
        self.file = file
        self.entry = entry
        self.problem = problem


def load_vat_rates(path: str | os.PathLike[str]) -> VatRates:
    """Read and validate the TOML VAT rates; raise VatRatesError naming any bad entry."""
    file = os.fspath(path)
    try:
        with open(file, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise VatRatesError(
            file, None, f"cannot read the VAT rates: {exc.strerror or exc}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise VatRatesError(file, None, f"not valid TOML: {exc}") from None

    for key in data:
        if key not in ("as_of", "rates"):
            raise VatRatesError(file, key, "unknown key (expected as_of, rates)")
    if "as_of" not in data:
        raise VatRatesError(file, "as_of", "missing")
    as_of = data["as_of"]
    # tomllib gives datetime for 2025-08-01T00:00; a rate list is valid from a day.
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        raise VatRatesError(file, "as_of", f"must be a date like 2025-08-01, not {as_of!r}")
    if "rates" not in data:
        raise VatRatesError(file, "rates", "missing")
    table = data["rates"]
    if not isinstance(table, dict):
        raise VatRatesError(file, "rates", "must be a table")

    for key in table:
        if key not in EU_COUNTRIES:
            hint = " (use GR for Greece)" if key.upper() == "EL" else ""
            raise VatRatesError(
                file, f"rates.{key}", f"not an EU member state code in upper case{hint}"
            )
    rates = {country: _read_rate(file, table, country) for country in sorted(EU_COUNTRIES)}
    return VatRates(as_of=as_of, rates=MappingProxyType(rates))


def _read_rate(file: str, table: Mapping[str, Any], country: str) -> Decimal:
    """One validated rate in percent."""
    entry = f"rates.{country}"
    if country not in table:
        raise VatRatesError(file, entry, "missing")
    value = table[country]
    if isinstance(value, float):
        raise VatRatesError(file, entry, 'must be a quoted decimal string like "21", not a float')
    if not isinstance(value, str):
        raise VatRatesError(
            file, entry, f'must be a quoted decimal string like "21", not {value!r}'
        )
    if not _RATE_TEXT.fullmatch(value.strip()):
        raise VatRatesError(
            file, entry, f'{value!r} is not a rate: digits with at most 2 decimals, like "25.5"'
        )
    try:
        rate = Decimal(value.strip())
    except InvalidOperation:  # pragma: no cover - the pattern above already excludes this
        raise VatRatesError(file, entry, f"{value!r} is not a rate") from None
    if not Decimal(0) < rate < Decimal(100):
        raise VatRatesError(file, entry, f"must be above 0 and below 100, not {value!r}")
    return rate


class TaxKind(StrEnum):
    """How VAT applies to an invoice."""

    DOMESTIC = "domestic"
    REVERSE_CHARGE = "reverse_charge"
    EU_CONSUMER = "eu_consumer"
    OUT_OF_SCOPE = "out_of_scope"
    # Italian habitual exporter under an approved letter of intent: art. 8, c. 1, lett. c)
    LETTER_OF_INTENT = "letter_of_intent"


@dataclass(frozen=True)
class LetterCitation:
    """The letter of intent a VAT-free invoice cites: its receipt's protocol and date."""

    id: int
    protocol: str
    issued_on: date

    def as_data(self) -> dict[str, object]:
        """As a document's customer snapshot keeps it (the e-invoice reads these keys)."""
        return {"protocol": self.protocol, "issued_on": self.issued_on.isoformat(), "id": self.id}


@dataclass(frozen=True)
class TaxTreatment:
    """The VAT treatment of one customer: its kind and the rate in percent."""

    kind: TaxKind
    rate: Decimal  # percent, e.g. Decimal("22")
    customer_country: str
    seller_country: str
    # The EU registry's word on the customer's VAT ID when it decided the treatment: UNKNOWN
    # or INVALID with EU_CONSUMER says why VAT is charged to a customer with a VAT ID. None
    # when the registry was not consulted.
    registry: RegistryVerdict | None = None
    # The letter of intent a LETTER_OF_INTENT treatment cites.
    letter: LetterCitation | None = None
    # An approved letter was there, but the invoice's net did not fit in its ceiling.
    ceiling_exhausted: bool = False

    @property
    def reverse_charge(self) -> bool:
        """Whether the invoice needs the reverse-charge mention and both VAT IDs."""
        return self.kind is TaxKind.REVERSE_CHARGE


class InvalidVatId(ValueError):
    """A VAT ID that fails the offline check; `reason` says why for the error message."""

    REASONS = ("empty", "format", "checksum", "country")

    def __init__(self, reason: str, vat_id: str, country: str) -> None:
        """Keep the reason code for the form's translated message."""
        messages = {
            "empty": "the VAT ID is empty",
            "format": f"{vat_id!r} does not have the format of a {country} VAT ID",
            "checksum": f"{vat_id!r} has an invalid check digit",
            "country": f"{vat_id!r} is not a VAT ID of {country}",
        }
        super().__init__(messages[reason])
        self.reason = reason
        self.vat_id = vat_id
        self.country = country


def normalize_vat_id(country: str, vat_id: str) -> str:
    """A checked VAT ID in compact form; EU IDs carry their prefix ('CZ25123891')."""
    code = country_code(country)
    compact = _VAT_SEPARATORS.sub("", vat_id or "").upper()
    if not compact:
        raise InvalidVatId("empty", vat_id, code)
    if code not in EU_COUNTRIES:
        # No offline check exists for the rest of the world; keep what the customer typed.
        if not _OTHER_TAX_ID.fullmatch(compact):
            raise InvalidVatId("format", vat_id, code)
        return compact

    prefix = vat_prefix(code)
    if compact.startswith("GR") and prefix == "EL":
        compact = "EL" + compact[2:]  # customers often type the ISO code instead of EL
    if compact.startswith(prefix):
        try:
            return _stdnum_validate(compact, vat_id, code)
        except InvalidVatId as error:
            # Some national numbers start with the letters of the prefix; try them too.
            try:
                return _stdnum_validate(prefix + compact, vat_id, code)
            except InvalidVatId:
                raise error from None
    if compact[:2].isalpha() and (
        country_code(compact[:2]) in EU_COUNTRIES or compact[:2] in ("XI", "EU")
    ):
        # Another member state's prefix, unless it is really this country's national number.
        try:
            return _stdnum_validate(prefix + compact, vat_id, code)
        except InvalidVatId:
            raise InvalidVatId("country", vat_id, code) from None
    return _stdnum_validate(prefix + compact, vat_id, code)


def _stdnum_validate(candidate: str, vat_id: str, country: str) -> str:
    """python-stdnum's check, with its exceptions mapped to InvalidVatId reasons."""
    compact, reason = _stdnum_verdict(candidate)
    if reason is not None:
        raise InvalidVatId(reason, vat_id, country)
    assert compact is not None
    return compact


@lru_cache(maxsize=4096)
def _stdnum_verdict(candidate: str) -> tuple[str | None, str | None]:
    """python-stdnum's answer for one candidate, kept: every price of an account with a VAT ID
    checks the same ID again. (compact ID, None), or (None, the reason it is refused)."""
    try:
        return eu_vat.validate(candidate), None
    except stdnum_errors.InvalidChecksum:
        return None, "checksum"
    except stdnum_errors.ValidationError:
        return None, "format"


def needs_registry(*, seller_country: str, customer_country: str, rates: VatRates) -> bool:
    """Whether a VAT ID of this customer decides reverse charge (another member state's)."""
    customer = country_code(customer_country)
    return customer != country_code(seller_country) and rates.is_eu(customer)


def determine_tax(
    *,
    seller_country: str,
    customer_country: str,
    customer_vat_id: str | None,
    rates: VatRates,
    registry: RegistryVerdict | None = None,
) -> TaxTreatment:
    """The VAT treatment of a sale from the seller to the customer.

    `registry` is the EU registry's standing of the customer's VAT ID where the online check
    is used (UNKNOWN when it was never answered); None where it is not (offline installs):
    then the offline format and checksum check alone decides.
    """
    seller = country_code(seller_country)
    customer = country_code(customer_country)
    if not rates.is_eu(seller):
        raise ValueError(f"the seller country {seller_country!r} must be an EU member state")
    if customer == seller:
        return TaxTreatment(TaxKind.DOMESTIC, rates.rate(seller), customer, seller)
    if not rates.is_eu(customer):
        return TaxTreatment(TaxKind.OUT_OF_SCOPE, Decimal(0), customer, seller)
    if customer_vat_id:
        try:
            normalize_vat_id(customer, customer_vat_id)
        except InvalidVatId:
            # An invalid ID must never remove VAT: treat the customer as a consumer.
            pass
        else:
            if registry is None or registry is RegistryVerdict.VALID:
                return TaxTreatment(TaxKind.REVERSE_CHARGE, Decimal(0), customer, seller, registry)
            # Not confirmed (yet): the country's rate, and the reason travels with it.
            return TaxTreatment(
                TaxKind.EU_CONSUMER, rates.rate(customer), customer, seller, registry
            )
    return TaxTreatment(TaxKind.EU_CONSUMER, rates.rate(customer), customer, seller)
