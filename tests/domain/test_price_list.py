"""The operator's price list file: the default prices and the validation of broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.domain.catalog import (
    BillingPeriod,
    Plan,
    PlanRules,
    PriceListError,
    load_price_list,
)
from portal.domain.money import UnknownCurrency

DEFAULT_PRICES = Path(__file__).resolve().parents[2] / "portal" / "data" / "prices.toml"
DEFAULT_TEXT = DEFAULT_PRICES.read_text(encoding="utf-8")

# The SPEC's table, typed in again on purpose: the file must match the specification.
AGENT_PRICES = {
    (Plan.STANDARD, BillingPeriod.MONTHLY): {"EUR": 1500, "USD": 1600, "CZK": 37500, "PLN": 6500},
    (Plan.STANDARD, BillingPeriod.ANNUAL): {
        "EUR": 15000,
        "USD": 16000,
        "CZK": 375000,
        "PLN": 65000,
    },
    (Plan.PRO, BillingPeriod.MONTHLY): {"EUR": 2400, "USD": 2600, "CZK": 60000, "PLN": 10400},
    (Plan.PRO, BillingPeriod.ANNUAL): {"EUR": 24000, "USD": 26000, "CZK": 600000, "PLN": 104000},
}
PACK_MONTHLY_PRICES = {
    Plan.STANDARD: {"EUR": 1000, "USD": 1100, "CZK": 25000, "PLN": 4300},
    Plan.PRO: {"EUR": 2000, "USD": 2200, "CZK": 50000, "PLN": 8600},
}


def write_prices(tmp_path: Path, text: str) -> Path:
    """A price list file with the given text."""
    path = tmp_path / "prices.toml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    """The default file with one unique snippet replaced."""
    assert DEFAULT_TEXT.count(old) == 1, old
    return DEFAULT_TEXT.replace(old, new)


@pytest.mark.parametrize(("plan", "period"), list(AGENT_PRICES))
@pytest.mark.parametrize("currency", ["EUR", "USD", "CZK", "PLN"])
def test_default_agent_prices_match_the_spec(
    plan: Plan, period: BillingPeriod, currency: str
) -> None:
    """Every agent price in the shipped file is the SPEC's."""
    prices = load_price_list(DEFAULT_PRICES)
    assert prices.agent_price(plan, period, currency) == AGENT_PRICES[plan, period][currency]


@pytest.mark.parametrize("plan", list(Plan))
@pytest.mark.parametrize("currency", ["EUR", "USD", "CZK", "PLN"])
def test_default_pack_prices_match_the_spec(plan: Plan, currency: str) -> None:
    """A pack costs its monthly price per month and ten months' worth per year."""
    prices = load_price_list(DEFAULT_PRICES)
    monthly = PACK_MONTHLY_PRICES[plan][currency]
    assert prices.pack_price(plan, BillingPeriod.MONTHLY, currency) == monthly
    assert prices.pack_price(plan, BillingPeriod.ANNUAL, currency) == monthly * 10


def test_default_rules_and_limits() -> None:
    """Conversation rules, agent limits and currencies of the default list."""
    prices = load_price_list(str(DEFAULT_PRICES))
    assert prices.rules(Plan.STANDARD) == PlanRules(100, 500, 100)
    assert prices.rules(Plan.PRO) == PlanRules(500, 10000, 500)
    assert prices.rules(Plan.STANDARD).max_packs == 4
    assert prices.rules(Plan.PRO).max_packs == 19
    assert prices.rules(Plan.PRO).conversations(19) == 10000
    assert prices.min_agents == 1
    assert prices.max_self_serve_agents == 50
    assert prices.annual_pack_months == 10
    assert set(prices.currencies) == {"CZK", "EUR", "USD", "PLN"}


def test_price_for_an_unknown_currency_is_refused() -> None:
    """Asking for a currency outside the list is an error, not a zero price."""
    prices = load_price_list(DEFAULT_PRICES)
    with pytest.raises(UnknownCurrency):
        prices.agent_price(Plan.PRO, BillingPeriod.MONTHLY, "GBP")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('CZK = "6000.00"\n', "", "plans.pro.agent.annual.CZK: missing"),
        (
            'EUR = "15.00"',
            "EUR = 15.00",
            'plans.standard.agent.monthly.EUR: must be a quoted decimal string like "15.00", '
            "not a float",
        ),
        ('EUR = "15.00"', "EUR = 15", "plans.standard.agent.monthly.EUR: must be a quoted"),
        (
            'EUR = "15.00"',
            'EUR = "-15.00"',
            "plans.standard.agent.monthly.EUR: '-15.00' is negative",
        ),
        ('EUR = "15.00"', 'EUR = "0.00"', "plans.standard.agent.monthly.EUR: must be greater than"),
        (
            'PLN = "86.00"',
            'PLN = "86.005"',
            "plans.pro.pack.monthly.PLN: '86.005' has 3 decimal places; PLN allows at most 2",
        ),
        ('EUR = "15.00"', 'EUR = "15,00"', "plans.standard.agent.monthly.EUR: '15,00' is not an"),
        (
            'EUR = "15.00"',
            'EUR = "15.00"\nGBP = "13.00"',
            "plans.standard.agent.monthly.GBP: unknown currency",
        ),
        ('EUR = "15.00"', 'eur = "15.00"', "plans.standard.agent.monthly.eur: unknown currency"),
        (
            "[plans.pro]\n",
            "[plans.enterprise]\nfoo = 1\n\n[plans.pro]\n",
            "plans.enterprise: unknown plan",
        ),
        ("pack_size = 100", "pack_sizes = 100", "plans.standard.pack_sizes: unknown key"),
        ("pack_size = 100", "pack_size = 300", "plans.standard.pack_size: max_conversations"),
        ("pack_size = 500", "pack_size = 0", "plans.pro.pack_size: must be a whole number above"),
        (
            "included_conversations = 500",
            "included_conversations = 500.0",
            "plans.pro.included_conversations: must be a whole number",
        ),
        ("max_conversations = 500", "max_conversations = 50", "plans.standard.max_conversations"),
        ("min_agents = 1", "min_agents = true", "min_agents: must be a whole number above zero"),
        ("max_self_serve_agents = 50\n", "", "max_self_serve_agents: missing"),
        ("annual_pack_months = 10", "annual_pack_months = 10\ncurrency = 1", "currency: unknown"),
        (
            "[plans.standard.pack.monthly]",
            '[plans.standard.pack.annual]\nEUR = "100.00"\n\n[plans.standard.pack.monthly]',
            "plans.standard.pack.annual: unknown key",
        ),
        (
            "[plans.pro.agent.annual]",
            "[plans.pro.agent.quarterly]",
            "plans.pro.agent.quarterly: unknown key",
        ),
    ],
)
def test_broken_price_list_names_the_entry(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    """Each broken entry is refused with the file name and the dotted path of the entry."""
    path = write_prices(tmp_path, edited(old, new))
    with pytest.raises(PriceListError) as caught:
        load_price_list(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_missing_plan_is_named(tmp_path: Path) -> None:
    """A plan left out of the file is reported by its path."""
    start = DEFAULT_TEXT.index("[plans.pro]")
    path = write_prices(tmp_path, DEFAULT_TEXT[:start])
    with pytest.raises(PriceListError, match=r"plans\.pro: missing"):
        load_price_list(path)


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    """A syntax error is reported with the file name and the position."""
    path = write_prices(tmp_path, edited('EUR = "15.00"', "EUR = "))
    with pytest.raises(PriceListError) as caught:
        load_price_list(path)
    assert str(caught.value).startswith(f"{path}: not valid TOML")
    assert "line" in str(caught.value)
    assert caught.value.entry is None


def test_missing_file_is_a_price_list_error(tmp_path: Path) -> None:
    """A missing file stops start-up with a clear message, not a bare OSError."""
    with pytest.raises(PriceListError, match="cannot read"):
        load_price_list(tmp_path / "nowhere.toml")


def test_error_exposes_its_parts(tmp_path: Path) -> None:
    """The app can show the file, the entry and the problem separately."""
    path = write_prices(tmp_path, edited('CZK = "6000.00"\n', ""))
    with pytest.raises(PriceListError) as caught:
        load_price_list(path)
    assert caught.value.file == str(path)
    assert caught.value.entry == "plans.pro.agent.annual.CZK"
    assert caught.value.problem == "missing"
