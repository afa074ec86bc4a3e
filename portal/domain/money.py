"""Money as integer minor units: currencies, exponents, half-up rounding and parsing."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from babel.numbers import get_currency_precision

CURRENCIES: tuple[str, ...] = ("CZK", "EUR", "USD", "PLN")

# Plain digits with an optional decimal part: no sign, exponent, grouping or NaN/Infinity,
# so an operator's typo can never turn into a surprising amount.
_MAJOR_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")

# Enough digits that quantity x unit x days / length never loses a digit before rounding,
# whatever precision the caller's thread-local context happens to have.
_PRECISION = 50


class UnknownCurrency(ValueError):
    """A currency code the portal does not sell in."""

    def __init__(self, currency: object) -> None:
        """Name the refused code and the accepted ones."""
        super().__init__(f"unknown currency {currency!r} (expected one of {', '.join(CURRENCIES)})")
        self.currency = currency


def check_currency(currency: str) -> str:
    """Return the currency code unchanged, or raise UnknownCurrency."""
    if currency not in CURRENCIES:
        raise UnknownCurrency(currency)
    return currency


def minor_exponent(currency: str) -> int:
    """Number of decimal digits of the currency's minor unit (2 for cents)."""
    return get_currency_precision(check_currency(currency))


def round_half_up(amount: Decimal) -> int:
    """Round a Decimal to a whole number, ties away from zero (-0.5 -> -1)."""
    if isinstance(amount, float):
        raise TypeError("money must never be a float; pass a Decimal")
    with localcontext() as context:
        context.prec = _PRECISION
        # ROUND_HALF_UP in decimal rounds ties away from zero, so a credit mirrors its charge.
        return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_half_up_to_minor(amount_major: Decimal, currency: str) -> int:
    """Round an amount in major units to integer minor units, half up and symmetric."""
    if isinstance(amount_major, float):
        raise TypeError("money must never be a float; pass a Decimal")
    with localcontext() as context:
        context.prec = _PRECISION
        return round_half_up(Decimal(amount_major).scaleb(minor_exponent(currency)))


def minor_to_decimal(minor: int, currency: str) -> Decimal:
    """Exact major-unit Decimal for integer minor units (1234 EUR -> Decimal('12.34'))."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"minor units must be an int, not {type(minor).__name__}")
    exponent = minor_exponent(currency)
    with localcontext() as context:
        context.prec = _PRECISION
        return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def parse_major(text: str, currency: str) -> int:
    """Parse a plain decimal string in major units ('3750.00') into minor units (375000)."""
    exponent = minor_exponent(currency)
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not text: write the amount as a string like '15.00'")
    cleaned = text.strip()
    if cleaned.startswith("-"):
        raise ValueError(f"{text!r} is negative: an amount cannot be below zero")
    if not _MAJOR_AMOUNT.fullmatch(cleaned):
        raise ValueError(
            f"{text!r} is not an amount: use digits and an optional decimal point, like '15.00'"
        )
    decimals = cleaned.partition(".")[2]
    if len(decimals) > exponent:
        raise ValueError(
            f"{text!r} has {len(decimals)} decimal places; {currency} allows at most {exponent}"
        )
    with localcontext() as context:
        context.prec = _PRECISION
        return int(Decimal(cleaned).scaleb(exponent))
