"""Translated wording of breakdown and invoice lines and of the tax treatment, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.domain.pricing import BreakdownLine, LineKind
from portal.domain.tax import LetterCitation, TaxKind, TaxTreatment
from portal.domain.vat_registry import RegistryVerdict
from portal.i18n import country_name, format_day, format_money, format_percent
from portal.labels import period_label, plan_label


def line_description(line: BreakdownLine, currency: str) -> str:
    """What a line charges or credits, e.g. "5 agents × €15.00 × 18/30 days"."""
    unit = format_money(line.unit_minor, currency)
    days = {"days": line.days or 0, "of_days": line.of_days or 0}
    kind = LineKind(line.kind)
    if kind is LineKind.AGENTS:
        return ngettext(
            "%(num)d agent × %(unit)s", "%(num)d agents × %(unit)s", line.quantity, unit=unit
        )
    if kind is LineKind.PACKS:
        return ngettext(
            "%(num)d conversation pack × %(unit)s",
            "%(num)d conversation packs × %(unit)s",
            line.quantity,
            unit=unit,
        )
    if kind is LineKind.AGENTS_PRORATED:
        return ngettext(
            "%(num)d agent × %(unit)s × %(days)d/%(of_days)d days",
            "%(num)d agents × %(unit)s × %(days)d/%(of_days)d days",
            line.quantity,
            unit=unit,
            **days,
        )
    if kind is LineKind.PACKS_PRORATED:
        return ngettext(
            "%(num)d conversation pack × %(unit)s × %(days)d/%(of_days)d days",
            "%(num)d conversation packs × %(unit)s × %(days)d/%(of_days)d days",
            line.quantity,
            unit=unit,
            **days,
        )
    if kind is LineKind.UNUSED_AGENTS:
        return ngettext(
            "Discount for unused subscription: %(num)d agent × %(unit)s"
            " × %(days)d/%(of_days)d days",
            "Discount for unused subscription: %(num)d agents × %(unit)s"
            " × %(days)d/%(of_days)d days",
            line.quantity,
            unit=unit,
            **days,
        )
    if kind is LineKind.UNUSED_PACKS:
        return ngettext(
            "Discount for unused subscription: %(num)d conversation pack × %(unit)s"
            " × %(days)d/%(of_days)d days",
            "Discount for unused subscription: %(num)d conversation packs × %(unit)s"
            " × %(days)d/%(of_days)d days",
            line.quantity,
            unit=unit,
            **days,
        )
    if kind is LineKind.REMOVED_AGENTS:
        return ngettext(
            "Unused value of %(num)d removed agent × %(unit)s × %(days)d/%(of_days)d days",
            "Unused value of %(num)d removed agents × %(unit)s × %(days)d/%(of_days)d days",
            line.quantity,
            unit=unit,
            **days,
        )
    return ngettext(
        "Unused value of %(num)d removed conversation pack × %(unit)s × %(days)d/%(of_days)d days",
        "Unused value of %(num)d removed conversation packs × %(unit)s × %(days)d/%(of_days)d days",
        line.quantity,
        unit=unit,
        **days,
    )


def line_heading(line: BreakdownLine) -> str:
    """The package a line belongs to, e.g. "Standard · Monthly"."""
    return f"{plan_label(line.plan)} · {period_label(line.period)}"


def tax_mention(kind: TaxKind | str) -> str | None:
    """The mention a document must carry for this treatment, if any."""
    kind = TaxKind(kind)
    if kind is TaxKind.REVERSE_CHARGE:
        return _("Reverse charge")
    if kind is TaxKind.OUT_OF_SCOPE:
        return _("VAT not applicable: customer outside the EU")
    # LETTER_OF_INTENT: its mention names the letter (letter_mention).
    return None


def charged_rate(country: str, rate: Decimal) -> str:
    """ "Germany, 19 %": the country whose VAT is charged and its rate, for the notes below."""
    return f"{country_name(country)}, {format_percent(rate / 100)}"


def tax_caveat(tax: TaxTreatment) -> str | None:
    """Why a customer with a VAT ID of another member state pays VAT: the EU registry has
    not confirmed it (yet), or reports it as not valid. None when nothing needs saying."""
    if tax.kind is not TaxKind.EU_CONSUMER or tax.registry is None:
        return None
    rate = charged_rate(tax.customer_country, tax.rate)
    if tax.registry is RegistryVerdict.INVALID:
        return _(
            "The EU VAT registry (VIES) reports your VAT ID as not valid: VAT is charged at "
            "the rate of your country (%(rate)s).",
            rate=rate,
        )
    return _(
        "Reverse charge could not be confirmed yet: the EU VAT registry (VIES) did not answer "
        "about your VAT ID, so VAT is charged at the rate of your country (%(rate)s). It is "
        "checked again before you pay and automatically; once confirmed, reverse charge "
        "applies to the invoices issued from then on.",
        rate=rate,
    )


def letter_mention(letter: LetterCitation | Mapping[str, Any] | None) -> str | None:
    """The citation a VAT-free invoice under a letter of intent must carry: the legal basis
    (art. 8, comma 1, lett. c) DPR 633/72) and the letter's protocol and date; None without
    a letter. Takes the treatment's citation or a document's snapshot of it."""
    if letter is None:
        return None
    if isinstance(letter, LetterCitation):
        protocol, issued_on = letter.protocol, letter.issued_on
    else:
        protocol, issued_on = str(letter["protocol"]), date.fromisoformat(letter["issued_on"])
    return _(
        "Not subject to VAT under art. 8, paragraph 1, letter c) of DPR 633/72: letter of "
        "intent, protocol %(protocol)s of %(date)s",
        protocol=protocol,
        date=format_day(issued_on, "medium"),
    )


def init_app(app: Flask) -> None:
    """Make the wording available to templates."""
    app.jinja_env.globals.update(
        line_description=line_description,
        line_heading=line_heading,
        tax_mention=tax_mention,
        tax_caveat=tax_caveat,
        letter_mention=letter_mention,
    )
