"""Every member of every shown enumeration has its own label, translated in the catalogs."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, StrEnum
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.backoffice.einvoices import FILE_FILTER_LABELS
from portal.backoffice.queries import FILTER_LABELS
from portal.catalogs.messages import ENTRY_FILTER_LABELS, ENTRY_STATUS_LABELS
from portal.domain.catalog import BillingPeriod, Plan
from portal.labels import (
    EINVOICE_STATE_LABELS,
    INVOICE_STATUS_LABELS,
    PAYMENT_STATUS_LABELS,
    PERIOD_LABELS,
    PLAN_LABELS,
    ROLE_LABELS,
    SUBSCRIPTION_STATUS_LABELS,
    Label,
    every_member,
    payment_status_label,
    plan_label,
)
from portal.models import MethodKind, PaymentStatus
from portal.quotes.forms import DISCOUNT_KIND_LABELS
from portal.quotes.text import QUOTE_STATUS_LABELS

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
TRANSLATED = ("it", "fr")

# Every label map of an enumeration a page, e-mail or PDF shows.
SHOWN: dict[str, Mapping[Enum, Label]] = {
    "plan": PLAN_LABELS,
    "billing period": PERIOD_LABELS,
    "subscription status": SUBSCRIPTION_STATUS_LABELS,
    "invoice status": INVOICE_STATUS_LABELS,
    "role": ROLE_LABELS,
    "payment status": PAYMENT_STATUS_LABELS,
    "quote status": QUOTE_STATUS_LABELS,
    "account filter": FILTER_LABELS,
    "discount kind": DISCOUNT_KIND_LABELS,
    "catalog entry status": ENTRY_STATUS_LABELS,
    "catalog entry filter": ENTRY_FILTER_LABELS,
    "e-invoice state": EINVOICE_STATE_LABELS,
    "e-invoice filter": FILE_FILTER_LABELS,
}
ENUMS = {name: type(next(iter(labels))) for name, labels in SHOWN.items()}
MEMBERS = [(name, member) for name, enum in ENUMS.items() for member in enum]


@pytest.fixture
def backend() -> str:
    """Translations only: one database is enough."""
    return "sqlite"


@cache
def catalog_pairs(language: str) -> frozenset[tuple[str, str]]:
    """(English source, translation) of every translated, not fuzzy, singular entry."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    return frozenset(
        (message.id, message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    )


def label_in(app, label: Label, language: str) -> str:
    """The label as a page in that language shows it."""
    with app.test_request_context(), force_locale(language):
        return label()


@pytest.mark.parametrize(("name", "member"), MEMBERS, ids=lambda v: str(getattr(v, "value", v)))
def test_every_member_has_a_label_in_english_italian_and_french(app, name, member):
    label = SHOWN[name][member]
    english = label_in(app, label, "en")
    assert english.strip()
    assert english != member.value  # never the raw value
    for language in TRANSLATED:
        translated = label_in(app, label, language)
        assert (english, translated) in catalog_pairs(language), (
            f"{name} {member.value}: {english!r} has no {language} translation in the catalog"
        )


@pytest.mark.parametrize("name", SHOWN)
def test_each_member_has_its_own_label(app, name):
    # A third plan must not read "Pro": each member names itself, not another one.
    labels = [label_in(app, label, "en") for label in SHOWN[name].values()]
    assert len(set(labels)) == len(labels) == len(ENUMS[name])


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class Size(StrEnum):
    SMALL = "small"


def test_a_map_missing_a_member_is_refused_when_it_is_made():
    with pytest.raises(LookupError, match=r"Colour: nothing for \['green'\]"):
        every_member(Colour, {Colour.RED: lambda: "Red"})


def test_a_map_naming_another_enumeration_is_refused():
    with pytest.raises(LookupError, match="not members"):
        every_member(
            Colour, {Colour.RED: lambda: "Red", Colour.GREEN: lambda: "G", Size.SMALL: lambda: "S"}
        )


def test_a_value_that_is_no_member_is_an_error_not_another_label(app):
    with app.test_request_context():
        assert [plan_label(plan) for plan in Plan] == ["Standard", "Pro"]
        assert plan_label(None) == "Free"
        with pytest.raises(ValueError, match="enterprise"):
            plan_label("enterprise")
    assert set(PERIOD_LABELS) == set(BillingPeriod)


def test_a_paypal_payment_waits_for_paypal_a_card_for_3d_secure(app):
    waiting = PaymentStatus.REQUIRES_ACTION
    with app.test_request_context(), force_locale("it"):
        assert payment_status_label(waiting, MethodKind.PAYPAL) == "In attesa di PayPal"
        assert payment_status_label(waiting, MethodKind.CARD) == "In attesa di 3-D Secure"
        assert payment_status_label(waiting) == "In attesa di 3-D Secure"
