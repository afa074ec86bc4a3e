"""Card numbers as typed: Luhn, brand detection, refused brands, expiry, CVC, holder."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.payments.cards import (
    ACCEPTED_BRANDS,
    CardBrand,
    CardDetails,
    CardError,
    detect_brand,
    luhn_valid,
    parse_card,
)

TODAY = date(2026, 11, 22)

# Digits of other scripts pass str.isdigit() but are not card digits.
FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + digit) for digit in range(10)))


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial` + digit pass Luhn."""
    for digit in "0123456789":
        if luhn_valid(partial + digit):
            return digit
    raise AssertionError("unreachable")


def card_number(prefix: str, length: int = 16) -> str:
    """A Luhn-valid number with this prefix and length."""
    partial = prefix + "0" * (length - len(prefix) - 1)
    return partial + luhn_check_digit(partial)


def parse(**overrides: str) -> CardDetails:
    """parse_card with a valid Visa unless told otherwise."""
    fields = {
        "number": "4242 4242 4242 4242",
        "expiry": "12/30",
        "cvc": "987",
        "holder": "Ada Lovelace",
    }
    fields.update(overrides)
    return parse_card(**fields, today=TODAY)


def refusal(**overrides: str) -> CardError:
    """The CardError parse_card raises for these inputs."""
    with pytest.raises(CardError) as caught:
        parse(**overrides)
    return caught.value


# Luhn ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digits",
    ["4242424242424242", "5555555555554444", "378282246310005", "4000002760003184", "0"],
)
def test_luhn_accepts_valid_numbers(digits: str) -> None:
    assert luhn_valid(digits)


@pytest.mark.parametrize(
    "digits",
    [
        "4242424242424241",
        "5555555555554445",
        "1",
        "",
        "4242 4242",
        "42a2",
        "42".translate(FULL_WIDTH),
    ],
)
def test_luhn_refuses_invalid_numbers_and_non_digits(digits: str) -> None:
    assert not luhn_valid(digits)


@given(st.text(alphabet="0123456789", min_size=11, max_size=18), st.data())
def test_luhn_catches_every_single_digit_mistake(partial: str, data: st.DataObject) -> None:
    number = partial + luhn_check_digit(partial)
    assert luhn_valid(number)
    position = data.draw(st.integers(0, len(number) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    assert not luhn_valid(number[:position] + wrong + number[position + 1 :])


# Brands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "brand"),
    [
        ("4", CardBrand.VISA),
        ("51", CardBrand.MASTERCARD),
        ("55", CardBrand.MASTERCARD),
        ("2221", CardBrand.MASTERCARD),
        ("2500", CardBrand.MASTERCARD),
        ("2720", CardBrand.MASTERCARD),
        ("34", CardBrand.AMEX),
        ("37", CardBrand.AMEX),
        ("6011", CardBrand.DISCOVER),
        ("644", CardBrand.DISCOVER),
        ("649", CardBrand.DISCOVER),
        ("65", CardBrand.DISCOVER),
        ("3528", CardBrand.JCB),
        ("3589", CardBrand.JCB),
        ("300", CardBrand.DINERS),
        ("305", CardBrand.DINERS),
        ("36", CardBrand.DINERS),
        ("38", CardBrand.DINERS),
        ("50", CardBrand.MAESTRO),
        ("56", CardBrand.MAESTRO),
        ("58", CardBrand.MAESTRO),
        ("6304", CardBrand.MAESTRO),
        ("6759", CardBrand.MAESTRO),
        ("676770", CardBrand.MAESTRO),
        ("676774", CardBrand.MAESTRO),
        ("62", CardBrand.UNIONPAY),
    ],
)
def test_brand_is_detected_from_the_prefix(prefix: str, brand: CardBrand) -> None:
    assert detect_brand(card_number(prefix)) is brand


@pytest.mark.parametrize(
    "prefix", ["1", "2220", "2721", "306", "3527", "3590", "59", "6010", "643", "676771", "9"]
)
def test_numbers_outside_every_range_are_unknown(prefix: str) -> None:
    assert detect_brand(card_number(prefix)) is CardBrand.UNKNOWN


@pytest.mark.parametrize("digits", ["", "4242 4242 4242 4242", "4242".translate(FULL_WIDTH)])
def test_brand_of_something_that_is_not_digits_is_unknown(digits: str) -> None:
    assert detect_brand(digits) is CardBrand.UNKNOWN


def test_only_visa_and_mastercard_are_accepted() -> None:
    assert ACCEPTED_BRANDS == (CardBrand.VISA, CardBrand.MASTERCARD)


@pytest.mark.parametrize(
    ("number", "brand", "label"),
    [
        ("3782 822463 10005", CardBrand.AMEX, "American Express"),
        ("6011 1111 1111 1117", CardBrand.DISCOVER, "Discover"),
        ("3566 0020 2036 0505", CardBrand.JCB, "JCB"),
        ("3056 9300 0902 0004", CardBrand.DINERS, "Diners Club"),
        (card_number("6200"), CardBrand.UNIONPAY, "UnionPay"),
        (card_number("6759"), CardBrand.MAESTRO, "Maestro"),
    ],
)
def test_other_brands_are_refused_by_name(number: str, brand: CardBrand, label: str) -> None:
    error = refusal(number=number, cvc="1234")
    assert (error.field, error.code, error.brand) == ("number", "brand_refused", brand)
    assert brand.label == label


def test_a_valid_number_of_no_known_brand_is_refused_as_unknown() -> None:
    error = refusal(number=card_number("9"))
    assert (error.code, error.brand) == ("brand_refused", CardBrand.UNKNOWN)


# Number ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", " 4242 4242-4242 4242 "],
)
def test_spaces_and_dashes_are_allowed_in_the_number(typed: str) -> None:
    card = parse(number=typed)
    assert card.number == "4242424242424242"
    assert card.brand is CardBrand.VISA
    assert card.last4 == "4242"


def test_mastercard_two_series_is_accepted() -> None:
    assert parse(number="2223 0031 2200 3222").brand is CardBrand.MASTERCARD


@pytest.mark.parametrize(
    "typed",
    [
        "4242 4242 4242 4241",  # Luhn
        "4242 4242 4242 424x",
        "4242.4242.4242.4242",
        card_number("4", 11),  # too short
        card_number("4", 20),  # too long
        "4242424242424242".translate(FULL_WIDTH),  # full-width digits
    ],
)
def test_invalid_numbers_are_refused(typed: str) -> None:
    error = refusal(number=typed)
    assert (error.field, error.code, error.brand) == ("number", "number_invalid", None)


@pytest.mark.parametrize("length", [12, 13, 19])
def test_lengths_twelve_to_nineteen_are_accepted(length: int) -> None:
    assert parse(number=card_number("4", length)).number == card_number("4", length)


def test_a_bad_checksum_on_a_refused_brand_is_an_invalid_number() -> None:
    assert refusal(number="3782 822463 10006").code == "number_invalid"


# Expiry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "month", "year"),
    [
        ("12/30", 12, 2030),
        ("12 / 30", 12, 2030),
        ("12/2030", 12, 2030),
        ("03/27", 3, 2027),
        ("3/27", 3, 2027),
        (" 01 /2031 ", 1, 2031),
    ],
)
def test_expiry_formats(typed: str, month: int, year: int) -> None:
    card = parse(expiry=typed)
    assert (card.exp_month, card.exp_year) == (month, year)


@pytest.mark.parametrize(
    "typed", ["13/30", "00/30", "1230", "12-30", "12/030", "12/20300", "ab/cd", "12/", "/30"]
)
def test_malformed_expiry_is_refused(typed: str) -> None:
    error = refusal(expiry=typed)
    assert (error.field, error.code) == ("expiry", "expiry_invalid")


@pytest.mark.parametrize(
    ("today", "expiry", "valid"),
    [
        (date(2026, 11, 1), "11/26", True),
        (date(2026, 11, 30), "11/26", True),  # valid through the last day of its month
        (date(2026, 12, 1), "11/26", False),
        (date(2026, 11, 22), "10/26", False),
        (date(2026, 11, 22), "12/26", True),
        (date(2027, 1, 1), "12/2026", False),
        (date(2024, 2, 29), "02/24", True),
    ],
)
def test_a_card_expires_after_the_last_day_of_its_month(
    today: date, expiry: str, valid: bool
) -> None:
    fields = {"number": "4242424242424242", "cvc": "987", "holder": "Ada"}
    if valid:
        assert parse_card(**fields, expiry=expiry, today=today)
    else:
        with pytest.raises(CardError) as caught:
            parse_card(**fields, expiry=expiry, today=today)
        assert (caught.value.field, caught.value.code) == ("expiry", "expired")


# CVC and holder --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["987", " 987 ", "000"])
def test_three_digit_cvc_is_accepted(typed: str) -> None:
    assert parse(cvc=typed).cvc == typed.strip()


@pytest.mark.parametrize("typed", ["98", "9876", "98a", "9 87", "987".translate(FULL_WIDTH)])
def test_other_cvcs_are_refused(typed: str) -> None:
    error = refusal(cvc=typed)
    assert (error.field, error.code) == ("cvc", "cvc_invalid")


@pytest.mark.parametrize("typed", ["", "   ", "\t"])
def test_the_holder_is_required(typed: str) -> None:
    error = refusal(holder=typed)
    assert (error.field, error.code) == ("holder", "holder_missing")


def test_the_holders_spaces_are_tidied() -> None:
    assert parse(holder="  Ada   Lovelace ").holder == "Ada Lovelace"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": "4242", "expiry": "x", "cvc": "", "holder": ""}, "number"),
        ({"number": "3782 822463 10005", "expiry": "x", "cvc": "", "holder": ""}, "number"),
        ({"expiry": "01/20", "cvc": "", "holder": ""}, "expiry"),
        ({"cvc": "1", "holder": ""}, "cvc"),
        ({"holder": ""}, "holder"),
    ],
)
def test_checks_run_in_form_order(overrides: dict[str, str], field: str) -> None:
    assert refusal(**overrides).field == field


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("number", "number_missing"),
        ("expiry", "expiry_missing"),
        ("cvc", "cvc_missing"),
        ("holder", "holder_missing"),
    ],
)
@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_field_is_missing_not_invalid(field: str, code: str, blank: str) -> None:
    error = refusal(**{field: blank})
    assert (error.field, error.code) == (field, code)
    assert error.problems == (error,)


def test_an_empty_form_names_every_missing_field_at_once() -> None:
    error = refusal(number="", expiry="", cvc="", holder="")
    assert [(p.field, p.code) for p in error.problems] == [
        ("number", "number_missing"),
        ("expiry", "expiry_missing"),
        ("cvc", "cvc_missing"),
        ("holder", "holder_missing"),
    ]
    assert error.problems[0] is error


def test_every_problem_is_kept_with_its_own_reason() -> None:
    error = refusal(number="4242 4242 4242 4241", expiry="01/20", cvc="1")
    assert [(p.field, p.code) for p in error.problems] == [
        ("number", "number_invalid"),
        ("expiry", "expired"),
        ("cvc", "cvc_invalid"),
    ]


# Never show the number or the CVC --------------------------------------------------------


def test_card_details_never_show_the_number_or_cvc() -> None:
    card = parse(number="4242 4242 4242 4242", cvc="987")
    for text in (repr(card), str(card), f"{card}", f"{card!r}"):
        assert "4242424242424242" not in text
        assert "987" not in text
        assert "Ada Lovelace" in text


def test_card_errors_never_show_what_was_typed() -> None:
    for overrides in (
        {"number": "3782 822463 10005"},
        {"number": "4242 4242 4242 4241"},
        {"cvc": "98x"},
    ):
        error = refusal(**overrides)
        text = f"{error} {error!r} {error.args}"
        assert "822463" not in text
        assert "4242" not in text
        assert "98x" not in text


def test_card_details_are_frozen() -> None:
    card = parse()
    with pytest.raises(AttributeError):
        card.number = "5555555555554444"  # type: ignore[misc]
