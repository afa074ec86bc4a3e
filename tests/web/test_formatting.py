"""The formatting helpers in the three languages: money, rates, dates and times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial

import pytest
from flask_babel import force_locale

from portal.config import ConfigurationError, load_settings
from portal.domain.money import CURRENCIES
from portal.i18n import (
    _money_writer,
    babel_money,
    format_day,
    format_moment,
    format_money,
    format_percent,
)
from portal.mail.messages import expiry_warning_texts

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space


def formatted(app, locale: str, function, *args):
    """What a helper writes for a viewer of this language."""
    with app.test_request_context(), force_locale(locale):
        return function(*args)


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("en", "CZK", f"CZK{NBSP}58,000.00"),
        ("en", "PLN", f"PLN{NBSP}1,234.50"),
        ("en", "EUR", "€1,234.50"),
        ("en", "USD", "$1,234.50"),
        ("it", "CZK", f"58.000,00{NBSP}CZK"),
        ("it", "EUR", f"1.234,50{NBSP}€"),
        ("fr", "CZK", f"58{NNBSP}000,00{NBSP}CZK"),
        ("fr", "EUR", f"1{NNBSP}234,50{NBSP}€"),
    ],
)
def test_money_spaces_a_currency_code_from_the_digits(app, locale, currency, expected):
    minor = 5800000 if currency == "CZK" else 123450
    assert formatted(app, locale, format_money, minor, currency) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", f"-CZK{NBSP}5.00"), ("it", f"-5,00{NBSP}CZK"), ("fr", f"-5,00{NBSP}CZK")],
)
def test_negative_money_keeps_the_space(app, locale, expected):
    assert formatted(app, locale, format_money, -500, "CZK") == expected


def _amounts() -> list[int]:
    """Every sign, zero, each grouping boundary, and a spread of sizes up to 10^12 major."""
    around_groups = [10**k + d for k in range(1, 16) for d in (-1, 0, 1)]
    spread = [(7**k) % 10**14 for k in range(1, 400)]
    amounts = [0, 1, 5, 99, 100, 101, 999, *around_groups, *spread]
    return amounts + [-amount for amount in amounts]


# The product's languages, and locales that group (hi_IN), place the sign (de_CH) or mark
# direction (ar) otherwise, so the writer is shown to follow CLDR rather than our three.
@pytest.mark.parametrize("locale", ["en", "it", "fr", "de_CH", "hi_IN", "ar"])
@pytest.mark.parametrize("currency", CURRENCIES)
def test_money_is_written_exactly_as_babel_writes_it(locale, currency):
    write = _money_writer(currency, locale)
    assert not isinstance(write, partial), "the fast writer was refused for this locale"
    for minor in _amounts():
        assert write(minor) == babel_money(minor, currency, locale), minor


@pytest.mark.parametrize(
    ("locale", "rate", "expected"),
    [
        ("en", "0.22", "22%"),
        ("it", "0.22", "22%"),
        ("fr", "0.22", f"22{NNBSP}%"),
        ("en", "0.215", "21.5%"),
        ("fr", "0.215", f"21,5{NNBSP}%"),
        ("fr", "0", f"0{NNBSP}%"),
    ],
)
def test_percent_in_french_has_a_narrow_no_break_space(app, locale, rate, expected):
    assert formatted(app, locale, format_percent, Decimal(rate)) == expected


@pytest.mark.parametrize(
    ("locale", "medium", "long"),
    [
        ("en", "Nov 16, 2026", "November 16, 2026"),
        ("it", "16 nov 2026", "16 novembre 2026"),
        ("fr", "16 nov. 2026", "16 novembre 2026"),
    ],
)
def test_dates_for_people_are_medium_or_long(app, locale, medium, long):
    day = date(2026, 11, 16)
    assert formatted(app, locale, format_day, day, "medium") == medium
    assert formatted(app, locale, format_day, day) == long


def test_short_numeric_dates_are_not_offered(app):
    with pytest.raises(ValueError, match="medium or long"):
        formatted(app, "en", format_day, date(2026, 11, 16), "short")


@pytest.mark.parametrize(
    ("locale", "winter", "summer"),
    [
        ("en", f"Nov 16, 2026, 1:31{NNBSP}AM CET", f"Jul 16, 2026, 2:31{NNBSP}AM CEST"),
        ("it", "16 nov 2026, 01:31 CET", "16 lug 2026, 02:31 CEST"),
        ("fr", "16 nov. 2026, 01:31 CET", "16 juil. 2026, 02:31 CEST"),
    ],
)
def test_times_have_minutes_and_the_zone_never_seconds(app, locale, winter, summer):
    # Stored naive in UTC: 00:31:24 UTC is 01:31 in Rome in winter, 02:31 in summer.
    assert formatted(app, locale, format_moment, datetime(2026, 11, 16, 0, 31, 24)) == winter
    assert formatted(app, locale, format_moment, datetime(2026, 7, 16, 0, 31, 24, tzinfo=UTC)) == (
        summer
    )


@pytest.mark.parametrize("app_config", [{"BABEL_DEFAULT_TIMEZONE": "America/New_York"}])
def test_times_follow_the_configured_display_time_zone(app):
    moment = datetime(2026, 11, 16, 0, 31, 24)
    assert formatted(app, "it", format_moment, moment) == "15 nov 2026, 19:31 EST"


def test_display_time_zone_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "testing")
    monkeypatch.setenv("DISPLAY_TIMEZONE", "Europe/Prague")
    assert load_settings(tmp_path)["BABEL_DEFAULT_TIMEZONE"] == "Europe/Prague"
    monkeypatch.delenv("DISPLAY_TIMEZONE")
    assert load_settings(tmp_path)["BABEL_DEFAULT_TIMEZONE"] == "Europe/Rome"
    monkeypatch.setenv("DISPLAY_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigurationError, match="DISPLAY_TIMEZONE"):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    ("locale", "free", "day"),
    [("it", "pacchetto Gratuito", "1 dicembre 2026"), ("fr", "forfait Gratuit", "1 décembre 2026")],
)
def test_expiry_email_names_the_free_package_in_its_language(app, locale, free, day):
    with app.test_request_context(), force_locale(locale):
        subject, body = expiry_warning_texts(
            name="Giulia", company="Bottega", ends_on=date(2026, 12, 1), seller="Chatdesk"
        )
    assert free in body and "Free" not in body
    assert day in subject


def test_money_dates_and_rates_are_formatted_only_by_the_helpers(project_root):
    # One function per kind of value: a second path would drift (e.g. "CZK58,000.00").
    python = re.compile(
        r"(flask_babel|babel\.numbers|babel\.dates) import [^\n]*"
        r"format_(currency|percent|decimal|date|datetime|time)\b"
    )
    jinja = re.compile(r"\|\s*(currencyformat|percentformat|dateformat|datetimeformat|timeformat)")
    found = [
        str(path.relative_to(project_root))
        for path in [
            *(project_root / "portal").rglob("*.py"),
            *(project_root / "templates").rglob("*.html"),
        ]
        if path.name != "i18n.py"
        and (python if path.suffix == ".py" else jinja).search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
