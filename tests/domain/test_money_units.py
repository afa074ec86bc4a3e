"""Money in integer minor units: exponents, half-up rounding, parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.money import (
    CURRENCIES,
    UnknownCurrency,
    minor_exponent,
    minor_to_decimal,
    parse_major,
    round_half_up,
    round_half_up_to_minor,
)


@pytest.mark.parametrize("currency", ["CZK", "EUR", "USD", "PLN"])
def test_every_currency_has_two_minor_digits(currency: str) -> None:
    """All four portal currencies count in hundredths."""
    assert currency in CURRENCIES
    assert minor_exponent(currency) == 2


@pytest.mark.parametrize("currency", ["GBP", "eur", "", "XXX"])
def test_unknown_currency_is_a_value_error(currency: str) -> None:
    """A currency the portal does not sell in is refused, even if Babel knows it."""
    with pytest.raises(UnknownCurrency) as caught:
        minor_exponent(currency)
    assert isinstance(caught.value, ValueError)
    assert "CZK, EUR, USD, PLN" in str(caught.value)


@pytest.mark.parametrize(
    ("major", "minor"),
    [
        ("0.005", 1),
        ("-0.005", -1),
        ("0.0049", 0),
        ("-0.0049", 0),
        ("12.345", 1235),
        ("2.675", 268),  # 2.675 is 2.67499... as a float: Decimal keeps it exact
        ("-21.955", -2196),
        ("3750", 375000),
        ("0", 0),
    ],
)
def test_round_half_up_to_minor_is_symmetric(major: str, minor: int) -> None:
    """Ties round away from zero, so a credit is the exact mirror of its charge."""
    assert round_half_up_to_minor(Decimal(major), "EUR") == minor


def test_round_half_up_refuses_floats() -> None:
    """A float must never reach money arithmetic."""
    with pytest.raises(TypeError):
        round_half_up_to_minor(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        round_half_up(0.5)  # type: ignore[arg-type]


def test_round_half_up_differs_from_bankers_rounding() -> None:
    """Python's round() is half-even; the portal is half-up."""
    assert round(Decimal("0.5")) == 0
    assert round_half_up(Decimal("0.5")) == 1
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("-2.5")) == -3


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(1234, "EUR", "12.34"), (375000, "CZK", "3750.00"), (-5, "USD", "-0.05"), (0, "PLN", "0.00")],
)
def test_minor_to_decimal_is_exact(minor: int, currency: str, text: str) -> None:
    """Minor units convert to a Decimal with exactly the currency's digits."""
    value = minor_to_decimal(minor, currency)
    assert value == Decimal(text)
    assert str(value) == text


@pytest.mark.parametrize(
    ("text", "minor"),
    [("3750.00", 375000), ("15", 1500), ("0.5", 50), (" 12.34 ", 1234), ("0.00", 0)],
)
def test_parse_major_reads_plain_decimals(text: str, minor: int) -> None:
    """Plain decimal strings become integer minor units."""
    assert parse_major(text, "CZK") == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "at most 2"),
        ("0.001", "at most 2"),
        ("-1.00", "negative"),
        ("abc", "not an amount"),
        ("1e3", "not an amount"),
        ("", "not an amount"),
        ("1,50", "not an amount"),
        ("1 000.00", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("12.", "not an amount"),
        (".5", "not an amount"),
        ("+5", "not an amount"),
        ("١٢", "not an amount"),  # Arabic-Indic digits: not ASCII
    ],
)
def test_parse_major_refuses_bad_text(text: str, message: str) -> None:
    """Extra decimals, negatives and garbage are refused with a clear message."""
    with pytest.raises(ValueError, match=message):
        parse_major(text, "EUR")


def test_parse_major_refuses_a_float() -> None:
    """Only text is parsed: a float has already lost its cents."""
    with pytest.raises(ValueError, match="not text"):
        parse_major(15.0, "EUR")  # type: ignore[arg-type]


@settings(database=None, deadline=None)
@given(minor=st.integers(min_value=0, max_value=10**12), currency=st.sampled_from(CURRENCIES))
def test_minor_units_round_trip_through_text(minor: int, currency: str) -> None:
    """Formatting minor units as a decimal and parsing it back gives the same amount."""
    assert parse_major(str(minor_to_decimal(minor, currency)), currency) == minor
