"""The euro rates file and the conversion e-invoices state foreign currencies with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.exchange import (
    ExchangeRatesError,
    load_exchange_rates,
    parse_ecb_csv,
    rates_toml,
    to_euro,
)

PACKAGED = Path(__file__).resolve().parents[2] / "portal" / "data" / "exchange_rates.toml"
GOOD = """as_of = 2026-12-04
source = "ECB"

[rates]
CZK = "24.265"
PLN = "4.2250"
USD = "1.1580"
"""


def test_the_packaged_rates_load():
    rates = load_exchange_rates(PACKAGED)
    assert set(rates.rates) == {"CZK", "PLN", "USD"}
    assert rates.rate("EUR") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('CZK = "24.265"\n', ""), "rates.CZK: missing"),
        (GOOD.replace('"24.265"', "24.265"), "rates.CZK: must be a quoted decimal"),
        (GOOD.replace('"24.265"', '"0"'), "rates.CZK: must be above 0"),
        (GOOD.replace('"24.265"', '"-1"'), "rates.CZK: must be a quoted decimal"),
        (GOOD.replace("as_of = 2026-12-04", "as_of = 2026-12-04T00:00:00"), "as_of: must be"),
        (GOOD.replace("[rates]", '[rates]\nGBP = "0.87"'), "rates.GBP: not one of"),
        (GOOD + "extra = 1\n", "rates.extra"),
        ("as_of = ", "not valid TOML"),
        ("rate = 1\n", "unknown key"),
    ],
)
def test_a_broken_rates_file_names_the_entry(tmp_path, text, message):
    path = tmp_path / "rates.toml"
    path.write_text(text)
    with pytest.raises(ExchangeRatesError, match=message):
        load_exchange_rates(path)


def test_a_missing_rates_file_is_named(tmp_path):
    with pytest.raises(ExchangeRatesError, match="cannot read it"):
        load_exchange_rates(tmp_path / "absent.toml")


def test_conversion_rounds_half_up_to_the_cent():
    assert to_euro(100_000, Decimal("24.265")) == Decimal("41.21")  # 41.2116…
    assert to_euro(125, Decimal("2.5")) == Decimal("0.50")
    assert to_euro(-100_000, Decimal("24.265")) == Decimal("-41.21")


@given(st.integers(min_value=-(10**9), max_value=10**9), st.decimals("0.5", "500", places=4))
def test_conversion_is_within_half_a_cent(amount_minor, rate):
    exact = Decimal(amount_minor) / 100 / rate
    assert abs(to_euro(amount_minor, rate) - exact) <= Decimal("0.005")


def test_the_written_file_reads_back():
    csv = "Date, USD, CZK, PLN, \n04 December 2026, 1.1612, 24.301, 4.2311, \n"
    rates = parse_ecb_csv(csv)
    assert rates.as_of == date(2026, 12, 4)
    text = rates_toml(rates, source="ECB")
    assert 'CZK = "24.301"' in text and "as_of = 2026-12-04" in text
