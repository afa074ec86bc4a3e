"""Card numbers as a customer types them: brand, Luhn checksum, expiry and CVC rules.

Pure Python (no Flask, no database). A `CardDetails` lives only for the request that
tokenizes it: its number and CVC never appear in its repr, in an error or in a log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")


class CardBrand(StrEnum):
    """Card networks we can recognise from the number's leading digits."""

    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    JCB = "jcb"
    DINERS = "diners"
    MAESTRO = "maestro"
    UNIONPAY = "unionpay"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """The network's own name (a proper noun, never translated); empty when unknown."""
        return _BRAND_LABELS[self]


_BRAND_LABELS = {
    CardBrand.VISA: "Visa",
    CardBrand.MASTERCARD: "Mastercard",
    CardBrand.AMEX: "American Express",
    CardBrand.DISCOVER: "Discover",
    CardBrand.JCB: "JCB",
    CardBrand.DINERS: "Diners Club",
    CardBrand.MAESTRO: "Maestro",
    CardBrand.UNIONPAY: "UnionPay",
    CardBrand.UNKNOWN: "",
}

ACCEPTED_BRANDS = (CardBrand.VISA, CardBrand.MASTERCARD)

# (first prefix, last prefix, brand), compared on as many leading digits as the prefix has.
# Longer prefixes come first so that, e.g., Maestro's 6759 wins over a shorter rule.
_PREFIX_RANGES: tuple[tuple[str, str, CardBrand], ...] = (
    ("676770", "676770", CardBrand.MAESTRO),
    ("676774", "676774", CardBrand.MAESTRO),
    ("2221", "2720", CardBrand.MASTERCARD),
    ("3528", "3589", CardBrand.JCB),
    ("6011", "6011", CardBrand.DISCOVER),
    ("6304", "6304", CardBrand.MAESTRO),
    ("6759", "6759", CardBrand.MAESTRO),
    ("300", "305", CardBrand.DINERS),
    ("644", "649", CardBrand.DISCOVER),
    ("34", "34", CardBrand.AMEX),
    ("37", "37", CardBrand.AMEX),
    ("36", "36", CardBrand.DINERS),
    ("38", "38", CardBrand.DINERS),
    ("50", "50", CardBrand.MAESTRO),
    ("51", "55", CardBrand.MASTERCARD),
    ("56", "58", CardBrand.MAESTRO),
    ("62", "62", CardBrand.UNIONPAY),
    ("65", "65", CardBrand.DISCOVER),
    ("4", "4", CardBrand.VISA),
)

MIN_NUMBER_LENGTH = 12
MAX_NUMBER_LENGTH = 19
CVC_LENGTH = 3  # Visa and Mastercard; the 4-digit codes belong to brands we refuse

_SEPARATORS = re.compile(r"[\s-]+")
# ASCII digits only: `\d` would also match other scripts' digits.
_EXPIRY = re.compile(r"(?P<month>[0-9]{1,2})\s*/\s*(?P<year>[0-9]{2}|[0-9]{4})")
_CVC = re.compile(f"[0-9]{{{CVC_LENGTH}}}")


def detect_brand(digits: str) -> CardBrand:
    """The network a card number belongs to, from its leading digits."""
    if not digits.isdigit() or not digits.isascii():
        return CardBrand.UNKNOWN
    for first, last, brand in _PREFIX_RANGES:
        prefix = digits[: len(first)]
        if len(prefix) == len(first) and first <= prefix <= last:
            return brand
    return CardBrand.UNKNOWN


def luhn_valid(digits: str) -> bool:
    """True when the number passes the Luhn (mod 10) checksum."""
    if not digits or not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class CardDetails:
    """A validated card as typed: kept in memory only until the gateway tokenizes it."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    holder: str

    @property
    def brand(self) -> CardBrand:
        """The card's network."""
        return detect_brand(self.number)

    @property
    def last4(self) -> str:
        """The last four digits: all of the number we may keep."""
        return self.number[-4:]


class CardError(ValueError):
    """A card the customer must correct; `field` says which input, `code` says why.

    `problems` is every field's problem found with it (this one first), so a form can say
    them all at once.
    """

    def __init__(self, field: str, code: str, brand: CardBrand | None = None) -> None:
        """Name the field and the reason, never the value."""
        super().__init__(f"{field}: {code}" + (f" ({brand.value})" if brand else ""))
        self.field = field
        self.code = code
        self.brand = brand
        self.problems: tuple[CardError, ...] = (self,)


def _parse_number(number: str) -> tuple[str, CardBrand]:
    """Digits of a number typed with spaces or dashes, and its accepted brand."""
    digits = _SEPARATORS.sub("", number)
    if not digits:
        raise CardError("number", "number_missing")
    if (
        not digits.isdigit()
        or not digits.isascii()
        or not MIN_NUMBER_LENGTH <= len(digits) <= MAX_NUMBER_LENGTH
        or not luhn_valid(digits)
    ):
        raise CardError("number", "number_invalid")
    brand = detect_brand(digits)
    if brand not in ACCEPTED_BRANDS:
        raise CardError("number", "brand_refused", brand=brand)
    return digits, brand


def _parse_expiry(expiry: str, today: date) -> tuple[int, int]:
    """Month and four-digit year of "MM/YY", "MM / YY" or "MM/YYYY"; valid to month end."""
    if not expiry.strip():
        raise CardError("expiry", "expiry_missing")
    match = _EXPIRY.fullmatch(expiry.strip())
    if match is None:
        raise CardError("expiry", "expiry_invalid")
    month = int(match["month"])
    year = int(match["year"])
    if not 1 <= month <= 12:
        raise CardError("expiry", "expiry_invalid")
    if len(match["year"]) == 2:
        year += 2000
    # A card works through the last day of its expiry month, so only earlier months are past.
    if (year, month) < (today.year, today.month):
        raise CardError("expiry", "expired")
    return month, year


def _parse_cvc(cvc: str) -> str:
    """The 3-digit security code."""
    code = cvc.strip()
    if not code:
        raise CardError("cvc", "cvc_missing")
    if not _CVC.fullmatch(code):
        raise CardError("cvc", "cvc_invalid")
    return code


def _parse_holder(holder: str) -> str:
    """The name on the card, its spaces tidied."""
    name = " ".join(holder.split())
    if not name:
        raise CardError("holder", "holder_missing")
    return name


def parse_card(*, number: str, expiry: str, cvc: str, holder: str, today: date) -> CardDetails:
    """Validate what the customer typed; raise CardError naming the first problem in form
    order (number, expiry, CVC, name), with every field's problem in its `problems`."""
    problems: list[CardError] = []

    def checked(parse: Callable[[], T]) -> T | None:
        """The parsed field, or None with its problem kept."""
        try:
            return parse()
        except CardError as problem:
            problems.append(problem)
            return None

    parsed_number = checked(lambda: _parse_number(number))
    parsed_expiry = checked(lambda: _parse_expiry(expiry, today))
    code = checked(lambda: _parse_cvc(cvc))
    name = checked(lambda: _parse_holder(holder))
    if parsed_number is None or parsed_expiry is None or code is None or name is None:
        first = problems[0]
        first.problems = tuple(problems)
        raise first
    (digits, _brand), (exp_month, exp_year) = parsed_number, parsed_expiry
    return CardDetails(number=digits, exp_month=exp_month, exp_year=exp_year, cvc=code, holder=name)


FIELD_ORDER = ("number", "expiry", "cvc", "holder")
