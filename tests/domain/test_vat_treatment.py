"""VAT: the rates file, offline VAT ID checks and the treatment of each kind of customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cz import dic
from stdnum.de import vat as de_vat
from stdnum.eu import vat as eu_vat
from stdnum.fr import tva
from stdnum.gr import vat as gr_vat
from stdnum.it import iva
from stdnum.pl import nip

from portal.domain.tax import (
    InvalidVatId,
    TaxKind,
    VatRates,
    VatRatesError,
    determine_tax,
    load_vat_rates,
    normalize_vat_id,
)

DEFAULT_RATES = Path(__file__).resolve().parents[2] / "portal" / "data" / "vat_rates.toml"
DEFAULT_TEXT = DEFAULT_RATES.read_text(encoding="utf-8")
RATES = load_vat_rates(DEFAULT_RATES)

# Found by trying candidates against python-stdnum's country checks (not real look-ups);
# test_sample_vat_ids_pass_the_national_checks keeps them honest.
VALID_VAT_IDS = {
    "CZ": "CZ25123891",
    "PL": "PL5261000007",
    "DE": "DE136500006",
    "FR": "FR42404500001",
    "IT": "IT02110000011",
    "GR": "EL094770006",
}


def test_sample_vat_ids_pass_the_national_checks() -> None:
    """Each sample passes its own country's checksum, not only the EU wrapper."""
    assert dic.is_valid("25123891")
    assert nip.is_valid("5261000007")
    assert de_vat.is_valid("136500006")
    assert tva.is_valid("42404500001")
    assert iva.is_valid("02110000011")
    assert gr_vat.is_valid("094770006")
    assert all(eu_vat.is_valid(vat_id) for vat_id in VALID_VAT_IDS.values())


def test_default_rates_load() -> None:
    """The shipped file has the 27 member states and its as-of date."""
    assert RATES.as_of == date(2025, 8, 1)
    assert len(RATES.rates) == 27
    assert RATES.rate("IT") == Decimal("22")
    assert RATES.rate("FI") == Decimal("25.5")
    assert RATES.rate("HU") == Decimal("27")
    assert RATES.rate("LU") == Decimal("17")
    assert RATES.rate("GR") == Decimal("24")
    assert RATES.rate("EL") == Decimal("24")  # the VAT prefix is understood too
    assert all(isinstance(rate, Decimal) for rate in RATES.rates.values())


@pytest.mark.parametrize(("country", "eu"), [("IT", True), ("gr", True), ("EL", True)])
def test_is_eu_for_member_states(country: str, eu: bool) -> None:
    """Member states are EU, whatever the case or the Greek prefix."""
    assert RATES.is_eu(country) is eu


@pytest.mark.parametrize("country", ["US", "CH", "GB", "NO", "XI", ""])
def test_non_members_have_no_rate(country: str) -> None:
    """Countries outside the EU have no EU rate."""
    assert not RATES.is_eu(country)
    with pytest.raises(KeyError):
        RATES.rate(country)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('FI = "25.5"\n', "", "rates.FI: missing"),
        ('FI = "25.5"', "FI = 25.5", "rates.FI: must be a quoted decimal string"),
        ('FI = "25.5"', "FI = 25", "rates.FI: must be a quoted decimal string"),
        ('FI = "25.5"', 'FI = "25,5"', "rates.FI: '25,5' is not a rate"),
        ('FI = "25.5"', 'FI = "25.555"', "rates.FI: '25.555' is not a rate"),
        ('FI = "25.5"', 'FI = "100"', "rates.FI: must be above 0 and below 100"),
        ('FI = "25.5"', 'FI = "0"', "rates.FI: must be above 0"),
        ('GR = "24"', 'EL = "24"', "rates.EL: not an EU member state code in upper case (use GR"),
        ('GB = "20"' if False else 'SK = "23"', 'SK = "23"\nGB = "20"', "rates.GB: not an EU"),
        ("as_of = 2025-08-01", "as_of = 2025-08-01T00:00:00", "as_of: must be a date"),
        ("as_of = 2025-08-01", 'as_of = "2025-08-01"', "as_of: must be a date"),
        ("as_of = 2025-08-01\n", "", "as_of: missing"),
        ("as_of = 2025-08-01", "as_of = 2025-08-01\nsource = 1", "source: unknown key"),
        ('IT = "22"', 'IT = "22', "not valid TOML"),
    ],
)
def test_broken_rates_file_names_the_entry(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    """Each broken entry is refused with the file name and the entry."""
    assert DEFAULT_TEXT.count(old) == 1, old
    path = tmp_path / "vat_rates.toml"
    path.write_text(DEFAULT_TEXT.replace(old, new), encoding="utf-8")
    with pytest.raises(VatRatesError) as caught:
        load_vat_rates(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("country", "typed", "normalized"),
    [
        ("CZ", "CZ25123891", "CZ25123891"),
        ("CZ", "25123891", "CZ25123891"),
        ("cz", " cz 251 238 91 ", "CZ25123891"),
        ("PL", "526-100-00-07", "PL5261000007"),
        ("DE", "DE 136.500.006", "DE136500006"),
        ("FR", "FR 42 404 500 001", "FR42404500001"),
        ("IT", "02110000011", "IT02110000011"),
        ("GR", "EL094770006", "EL094770006"),
        ("GR", "094770006", "EL094770006"),
        ("GR", "GR 094770006", "EL094770006"),  # the ISO code typed instead of EL
        ("EL", "el094770006", "EL094770006"),
    ],
)
def test_normalize_valid_eu_vat_ids(country: str, typed: str, normalized: str) -> None:
    """Valid IDs are accepted with or without prefix and separators, returned compact."""
    assert normalize_vat_id(country, typed) == normalized


@pytest.mark.parametrize(
    ("country", "typed", "reason"),
    [
        ("DE", "DE136500007", "checksum"),  # a German company with a wrong check digit
        ("DE", "136500005", "checksum"),
        ("CZ", "CZ25123892", "checksum"),
        ("DE", "DE12345", "format"),
        ("IT", "IT0211000001X", "format"),
        ("FR", "hello", "format"),
        ("CZ", "", "empty"),
        ("CZ", " - . ", "empty"),
        ("CZ", "DE136500006", "country"),  # valid, but German
        ("GR", "CZ25123891", "country"),
        ("IT", "EL094770006", "country"),
    ],
)
def test_normalize_refuses_invalid_eu_vat_ids(country: str, typed: str, reason: str) -> None:
    """Invalid IDs are refused with a reason the form turns into a message."""
    with pytest.raises(InvalidVatId) as caught:
        normalize_vat_id(country, typed)
    assert caught.value.reason == reason
    assert caught.value.reason in InvalidVatId.REASONS
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("country", "typed", "normalized"),
    [("US", " 12-3456789 ", "123456789"), ("CH", "CHE-123.456.789", "CHE123456789")],
)
def test_non_eu_tax_ids_are_only_tidied(country: str, typed: str, normalized: str) -> None:
    """Outside the EU there is no offline check: separators go, letters go upper case."""
    assert normalize_vat_id(country, typed) == normalized


@pytest.mark.parametrize(
    ("typed", "reason"), [("", "empty"), ("X", "format"), ("A" * 21, "format"), ("AB#12", "format")]
)
def test_non_eu_tax_ids_need_2_to_20_letters_or_digits(typed: str, reason: str) -> None:
    """A non-EU tax ID is 2 to 20 letters or digits."""
    with pytest.raises(InvalidVatId) as caught:
        normalize_vat_id("US", typed)
    assert caught.value.reason == reason


def treatment(country: str, vat_id: str | None, rates: VatRates = RATES) -> tuple[TaxKind, str]:
    """Kind and rate for a customer of the default Italian seller."""
    result = determine_tax(
        seller_country="IT", customer_country=country, customer_vat_id=vat_id, rates=rates
    )
    assert result.seller_country == "IT"
    return result.kind, str(result.rate)


def test_italian_customer_pays_italian_vat() -> None:
    """Same country as the seller: domestic at 22 %, with or without a VAT ID."""
    assert treatment("IT", None) == (TaxKind.DOMESTIC, "22")
    assert treatment("IT", VALID_VAT_IDS["IT"]) == (TaxKind.DOMESTIC, "22")


def test_czech_company_with_valid_vat_id_is_reverse_charge() -> None:
    """Another EU country with a valid VAT ID: reverse charge at 0 %."""
    result = determine_tax(
        seller_country="IT",
        customer_country="CZ",
        customer_vat_id=VALID_VAT_IDS["CZ"],
        rates=RATES,
    )
    assert result.kind is TaxKind.REVERSE_CHARGE
    assert result.rate == 0
    assert result.reverse_charge
    assert result.customer_country == "CZ"


def test_french_consumer_pays_french_vat() -> None:
    """Another EU country without a VAT ID: the customer country's rate."""
    assert treatment("FR", None) == (TaxKind.EU_CONSUMER, "20")
    assert treatment("FR", "") == (TaxKind.EU_CONSUMER, "20")


def test_finnish_consumer_pays_a_fractional_rate() -> None:
    """Rates with decimals stay Decimal."""
    assert treatment("FI", None) == (TaxKind.EU_CONSUMER, "25.5")


def test_german_company_with_invalid_vat_id_is_treated_as_a_consumer() -> None:
    """An invalid ID never removes VAT: German rate, and the form rejects the ID."""
    with pytest.raises(InvalidVatId) as caught:
        normalize_vat_id("DE", "DE136500007")
    assert caught.value.reason == "checksum"
    assert treatment("DE", "DE136500007") == (TaxKind.EU_CONSUMER, "19")


def test_us_customer_is_out_of_scope() -> None:
    """Outside the EU: 0 %, out of scope, whatever tax ID is given."""
    assert treatment("US", None) == (TaxKind.OUT_OF_SCOPE, "0")
    assert treatment("US", "12-3456789") == (TaxKind.OUT_OF_SCOPE, "0")
    assert not determine_tax(
        seller_country="IT", customer_country="US", customer_vat_id=None, rates=RATES
    ).reverse_charge


def test_greek_customers_use_the_el_prefix() -> None:
    """Greece is GR as a country and EL in VAT IDs; both work."""
    assert treatment("GR", "EL094770006") == (TaxKind.REVERSE_CHARGE, "0")
    assert treatment("GR", "094770006") == (TaxKind.REVERSE_CHARGE, "0")
    assert treatment("GR", None) == (TaxKind.EU_CONSUMER, "24")
    result = determine_tax(
        seller_country="IT", customer_country="el", customer_vat_id=None, rates=RATES
    )
    assert result.customer_country == "GR"


def test_vat_id_of_another_country_is_not_reverse_charge() -> None:
    """A Czech customer quoting a German VAT ID is a consumer at the Czech rate."""
    assert treatment("CZ", VALID_VAT_IDS["DE"]) == (TaxKind.EU_CONSUMER, "21")


def test_other_seller_country() -> None:
    """The seller's country is configuration: a Czech seller sells domestically in CZ."""
    result = determine_tax(
        seller_country="CZ", customer_country="CZ", customer_vat_id=None, rates=RATES
    )
    assert (result.kind, result.rate) == (TaxKind.DOMESTIC, Decimal("21"))
    italian = determine_tax(
        seller_country="CZ", customer_country="IT", customer_vat_id=None, rates=RATES
    )
    assert (italian.kind, italian.rate) == (TaxKind.EU_CONSUMER, Decimal("22"))


def test_seller_outside_the_eu_is_refused() -> None:
    """EU VAT rules need an EU seller."""
    with pytest.raises(ValueError, match="seller country"):
        determine_tax(seller_country="US", customer_country="US", customer_vat_id=None, rates=RATES)
