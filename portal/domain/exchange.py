"""Euro exchange rates for e-invoices: the rates file, the ECB reference-rate import, and the
conversion of an amount into euro (pure Python).

Prices are set per currency (there is no conversion at checkout), but an Italian e-invoice states
its amounts in euro: a document in CZK, PLN or USD is written in euro at the reference rate of its
day, each line naming its original currency, amount and the rate. Rates are quoted as the ECB
publishes them, units of the currency for one euro ("25.120" CZK), and kept with their as-of date.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

EURO = "EUR"
# The currencies an account can pay in besides the euro (prices.toml lists the same four).
FOREIGN_CURRENCIES = ("CZK", "PLN", "USD")
CENT = Decimal("0.01")
_RATE_TEXT = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")


@dataclass(frozen=True)
class ExchangeRates:
    """Units of each currency for one euro, as published on `as_of`."""

    as_of: date
    rates: Mapping[str, Decimal]

    def rate(self, currency: str) -> Decimal:
        """Units of `currency` for one euro (1 for the euro); KeyError for a currency not kept."""
        if currency == EURO:
            return Decimal(1)
        return self.rates[currency]


class ExchangeRatesError(Exception):
    """The rates file or an import is unusable; the message names the file and the entry."""

    def __init__(self, file: str, entry: str | None, problem: str) -> None:
        """Build 'file: entry: problem'."""
        super().__init__(f"{file}: {entry}: {problem}" if entry else f"{file}: {problem}")
        self.file = file
        self.entry = entry
        self.problem = problem


def to_euro(amount_minor: int, rate: Decimal) -> Decimal:
    """An amount in a currency's minor units (2 decimals) in euro, rounded half-up to the cent."""
    return (Decimal(amount_minor) / 100 / rate).quantize(CENT, ROUND_HALF_UP)


def load_exchange_rates(path: str | os.PathLike[str]) -> ExchangeRates:
    """Read and check the TOML rates file; ExchangeRatesError names any bad entry."""
    file = os.fspath(path)
    try:
        with open(file, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ExchangeRatesError(file, None, f"cannot read it: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExchangeRatesError(file, None, f"not valid TOML: {exc}") from None
    for key in data:
        if key not in ("as_of", "source", "rates"):
            raise ExchangeRatesError(file, key, "unknown key (expected as_of, source, rates)")
    as_of = data.get("as_of")
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        raise ExchangeRatesError(file, "as_of", f"must be a date like 2026-12-04, not {as_of!r}")
    table = data.get("rates")
    if not isinstance(table, dict):
        raise ExchangeRatesError(file, "rates", "missing, or not a table")
    for key in table:
        if key not in FOREIGN_CURRENCIES:
            raise ExchangeRatesError(file, f"rates.{key}", f"not one of {FOREIGN_CURRENCIES}")
    rates = {currency: _read_rate(file, table, currency) for currency in FOREIGN_CURRENCIES}
    return ExchangeRates(as_of=as_of, rates=MappingProxyType(rates))


def _read_rate(file: str, table: Mapping[str, Any], currency: str) -> Decimal:
    entry = f"rates.{currency}"
    if currency not in table:
        raise ExchangeRatesError(file, entry, "missing")
    value = table[currency]
    if not isinstance(value, str) or not _RATE_TEXT.fullmatch(value.strip()):
        raise ExchangeRatesError(
            file, entry, f'must be a quoted decimal string like "25.120", not {value!r}'
        )
    rate = Decimal(value.strip())
    if rate <= 0:
        raise ExchangeRatesError(file, entry, f"must be above 0, not {value!r}")
    return rate


def parse_ecb_csv(text: str, *, file: str = "ECB rates") -> ExchangeRates:
    """The rates of the ECB's daily reference-rate CSV ("Date, USD, JPY, …" then one row).

    Every currency the portal needs must be in it; the others are ignored.
    """
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ExchangeRatesError(file, None, "expected a header row and a row of rates")
    header = [cell.strip() for cell in rows[0]]
    values = [cell.strip() for cell in rows[1]]
    if not header or header[0] != "Date":
        raise ExchangeRatesError(file, None, "the first column must be Date")
    try:
        as_of = datetime.strptime(values[0], "%d %B %Y").date()
    except ValueError:
        raise ExchangeRatesError(file, "Date", f"{values[0]!r} is not a date") from None
    found = dict(zip(header, values, strict=False))
    rates: dict[str, Decimal] = {}
    for currency in FOREIGN_CURRENCIES:
        text_rate = found.get(currency, "")
        try:
            rate = Decimal(text_rate)
        except InvalidOperation:
            raise ExchangeRatesError(file, currency, f"no rate ({text_rate!r})") from None
        if not rate.is_finite() or rate <= 0:
            raise ExchangeRatesError(file, currency, f"no rate ({text_rate!r})")
        rates[currency] = rate
    return ExchangeRates(as_of=as_of, rates=MappingProxyType(rates))


def rates_toml(rates: ExchangeRates, *, source: str) -> str:
    """The rates file's text for `rates` (what the import command writes)."""
    lines = [
        "# Euro reference rates for e-invoices: units of each currency for one euro.",
        "# Written by `flask rates import`; the portal refuses to start if an entry is wrong.",
        f"as_of = {rates.as_of.isoformat()}",
        f'source = "{source}"',
        "",
        "[rates]",
    ]
    lines += [f'{currency} = "{rates.rates[currency]}"' for currency in FOREIGN_CURRENCIES]
    return "\n".join(lines) + "\n"
