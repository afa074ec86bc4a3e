"""The catalog: plans, billing periods and the operator-edited price list file."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from portal.domain.money import CURRENCIES, UnknownCurrency, parse_major


class Plan(StrEnum):
    """A paid plan."""

    STANDARD = "standard"
    PRO = "pro"


class BillingPeriod(StrEnum):
    """How often a subscription is billed."""

    MONTHLY = "monthly"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        """Calendar months in one period."""
        return 1 if self is BillingPeriod.MONTHLY else 12


@dataclass(frozen=True)
class PlanRules:
    """Chatbot conversations included in a plan and how far packs can raise them."""

    included_conversations: int
    max_conversations: int
    pack_size: int

    @property
    def max_packs(self) -> int:
        """Most conversation packs one subscription can hold."""
        return (self.max_conversations - self.included_conversations) // self.pack_size

    def conversations(self, packs: int) -> int:
        """Monthly conversations with the given number of packs."""
        return self.included_conversations + packs * self.pack_size


@dataclass(frozen=True)
class PriceList:
    """List prices in integer minor units, per plan, period and currency."""

    agent_prices: Mapping[tuple[Plan, BillingPeriod, str], int]
    pack_monthly_prices: Mapping[tuple[Plan, str], int]
    plan_rules: Mapping[Plan, PlanRules]
    annual_pack_months: int = 10
    min_agents: int = 1
    max_self_serve_agents: int = 50
    currencies: tuple[str, ...] = CURRENCIES

    def agent_price(self, plan: Plan, period: BillingPeriod, currency: str) -> int:
        """Minor units per agent per period."""
        self._check_currency(currency)
        return self.agent_prices[Plan(plan), BillingPeriod(period), currency]

    def pack_price(self, plan: Plan, period: BillingPeriod, currency: str) -> int:
        """Minor units per conversation pack per period (annual = annual_pack_months months)."""
        self._check_currency(currency)
        monthly = self.pack_monthly_prices[Plan(plan), currency]
        if BillingPeriod(period) is BillingPeriod.ANNUAL:
            return monthly * self.annual_pack_months
        return monthly

    def rules(self, plan: Plan) -> PlanRules:
        """Conversation rules of a plan."""
        return self.plan_rules[Plan(plan)]

    def _check_currency(self, currency: str) -> None:
        """Refuse a currency this price list has no prices for."""
        if currency not in self.currencies:
            raise UnknownCurrency(currency)


class PriceListError(Exception):
    """The price list file is unusable; the message names the file and the bad entry."""

    def __init__(self, file: str, entry: str | None, problem: str) -> None:
        """Build 'file: entry: problem' so the operator can go straight to the line."""
        location = f"{file}: {entry}" if entry else file
        super().__init__(f"{location}: {problem}")
        self.file = file
        self.entry = entry
        self.problem = problem


_PLAN_KEYS = frozenset(
    {"included_conversations", "max_conversations", "pack_size", "agent", "pack"}
)
_TOP_KEYS = frozenset({"min_agents", "max_self_serve_agents", "annual_pack_months", "plans"})
_FLOAT_HINT = 'must be a quoted decimal string like "15.00", not a float'
_NUMBER_HINT = 'must be a quoted decimal string like "15.00", not a bare number'


class _Reader:
    """Walks the parsed TOML, raising PriceListError with the dotted path of any bad entry."""

    def __init__(self, file: str) -> None:
        """Remember the file name for error messages."""
        self.file = file

    def fail(self, entry: str | None, problem: str) -> PriceListError:
        """The error to raise for one bad entry."""
        return PriceListError(self.file, entry, problem)

    def table(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        """A required sub-table."""
        if key not in data:
            raise self.fail(path, "missing")
        value = data[key]
        if not isinstance(value, dict):
            raise self.fail(path, "must be a table")
        return value

    def refuse_unknown(self, data: Mapping[str, Any], known: frozenset[str], path: str) -> None:
        """Refuse keys the code would silently ignore (usually a typo)."""
        for key in data:
            if key not in known:
                where = f"{path}.{key}" if path else key
                raise self.fail(where, f"unknown key (expected one of {', '.join(sorted(known))})")

    def positive_int(self, data: Mapping[str, Any], key: str, path: str) -> int:
        """A required whole number above zero."""
        if key not in data:
            raise self.fail(path, "missing")
        value = data[key]
        # bool is an int subclass; `true` must not pass for 1.
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(path, f"must be a whole number above zero, not {value!r}")
        return value

    def amount(self, data: Mapping[str, Any], currency: str, path: str) -> int:
        """A required price: a quoted decimal string above zero, in minor units."""
        if currency not in data:
            raise self.fail(path, "missing")
        value = data[currency]
        if isinstance(value, float):
            raise self.fail(path, _FLOAT_HINT)
        if isinstance(value, bool) or not isinstance(value, str):
            raise self.fail(path, _NUMBER_HINT if isinstance(value, int) else _FLOAT_HINT)
        try:
            minor = parse_major(value, currency)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None
        if minor <= 0:
            raise self.fail(path, f"must be greater than zero, not {value!r}")
        return minor

    def prices_by_currency(self, data: Mapping[str, Any], path: str) -> dict[str, int]:
        """One price per currency, all currencies required, no others."""
        for key in data:
            if key not in CURRENCIES:
                raise self.fail(
                    f"{path}.{key}", f"unknown currency (expected one of {', '.join(CURRENCIES)})"
                )
        return {
            currency: self.amount(data, currency, f"{path}.{currency}") for currency in CURRENCIES
        }


def load_price_list(path: str | os.PathLike[str]) -> PriceList:
    """Read and validate the TOML price list; raise PriceListError naming any bad entry."""
    file = os.fspath(path)
    reader = _Reader(file)
    try:
        with open(file, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise reader.fail(None, f"cannot read the price list: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise reader.fail(None, f"not valid TOML: {exc}") from None

    reader.refuse_unknown(data, _TOP_KEYS, "")
    min_agents = reader.positive_int(data, "min_agents", "min_agents")
    max_agents = reader.positive_int(data, "max_self_serve_agents", "max_self_serve_agents")
    if max_agents < min_agents:
        raise reader.fail("max_self_serve_agents", f"must be at least min_agents ({min_agents})")
    annual_pack_months = reader.positive_int(data, "annual_pack_months", "annual_pack_months")

    plans = reader.table(data, "plans", "plans")
    known_plans = frozenset(plan.value for plan in Plan)
    for key in plans:
        if key not in known_plans:
            raise reader.fail(
                f"plans.{key}", f"unknown plan (expected one of {', '.join(sorted(known_plans))})"
            )

    agent_prices: dict[tuple[Plan, BillingPeriod, str], int] = {}
    pack_prices: dict[tuple[Plan, str], int] = {}
    rules: dict[Plan, PlanRules] = {}
    for plan in Plan:
        plan_path = f"plans.{plan.value}"
        plan_data = reader.table(plans, plan.value, plan_path)
        reader.refuse_unknown(plan_data, _PLAN_KEYS, plan_path)
        rules[plan] = _read_rules(reader, plan_data, plan_path)

        agent = reader.table(plan_data, "agent", f"{plan_path}.agent")
        reader.refuse_unknown(
            agent, frozenset(period.value for period in BillingPeriod), f"{plan_path}.agent"
        )
        for period in BillingPeriod:
            period_path = f"{plan_path}.agent.{period.value}"
            by_currency = reader.prices_by_currency(
                reader.table(agent, period.value, period_path), period_path
            )
            for currency, minor in by_currency.items():
                agent_prices[plan, period, currency] = minor

        pack = reader.table(plan_data, "pack", f"{plan_path}.pack")
        # Only the monthly pack price is edited: the annual one follows annual_pack_months.
        reader.refuse_unknown(pack, frozenset({"monthly"}), f"{plan_path}.pack")
        monthly_path = f"{plan_path}.pack.monthly"
        by_currency = reader.prices_by_currency(
            reader.table(pack, "monthly", monthly_path), monthly_path
        )
        for currency, minor in by_currency.items():
            pack_prices[plan, currency] = minor

    return PriceList(
        agent_prices=MappingProxyType(agent_prices),
        pack_monthly_prices=MappingProxyType(pack_prices),
        plan_rules=MappingProxyType(rules),
        annual_pack_months=annual_pack_months,
        min_agents=min_agents,
        max_self_serve_agents=max_agents,
        currencies=CURRENCIES,
    )


def _read_rules(reader: _Reader, plan_data: Mapping[str, Any], plan_path: str) -> PlanRules:
    """Validate a plan's conversation rules."""
    included = reader.positive_int(
        plan_data, "included_conversations", f"{plan_path}.included_conversations"
    )
    maximum = reader.positive_int(plan_data, "max_conversations", f"{plan_path}.max_conversations")
    pack_size = reader.positive_int(plan_data, "pack_size", f"{plan_path}.pack_size")
    if maximum < included:
        raise reader.fail(
            f"{plan_path}.max_conversations",
            f"must be at least included_conversations ({included}), not {maximum}",
        )
    if (maximum - included) % pack_size:
        raise reader.fail(
            f"{plan_path}.pack_size",
            f"max_conversations - included_conversations ({maximum - included}) "
            f"must be a multiple of pack_size ({pack_size})",
        )
    return PlanRules(included, maximum, pack_size)
