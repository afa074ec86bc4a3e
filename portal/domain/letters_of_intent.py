"""Letters of intent (dichiarazione d'intento): an Italian habitual exporter buys without VAT.

Pure rules: the receipt's protocol number, the letter's states and their transitions as a
table, and whether one invoice is VAT-free under a letter (art. 8, comma 1, lett. c) DPR
633/72) given what is left of its ceiling. No Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from portal.domain.tax import LetterCitation, TaxKind, TaxTreatment

# The Agenzia delle Entrate's receipt protocol: 17 digits (the first 6 the day it was
# received, YYMMDD), a dash, and the 6-digit progressive of the letter in that sending.
PROTOCOL_PATTERN = re.compile(r"([0-9]{17})-([0-9]{6})")
# Letters are declared for one calendar year; this many years either side of today is typed.
YEARS_AROUND = 1
# The ceiling is in euro; the Agenzia's form takes whole euro with cents at most.
CEILING_CURRENCY = "EUR"
REASON_LENGTH = 500


class LetterState(StrEnum):
    """Where a letter stands."""

    SUBMITTED = "submitted"  # uploaded by the customer, waiting for staff
    APPROVED = "approved"  # checked by staff: invoices within its dates and ceiling are VAT-free
    REJECTED = "rejected"  # refused by staff, with a reason the customer sees
    WITHDRAWN = "withdrawn"  # taken back by the customer (or revoked)


class LetterEvent(StrEnum):
    """What can happen to a letter."""

    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


TRANSITIONS: Mapping[tuple[LetterState, LetterEvent], LetterState] = {
    (LetterState.SUBMITTED, LetterEvent.APPROVE): LetterState.APPROVED,
    (LetterState.SUBMITTED, LetterEvent.REJECT): LetterState.REJECTED,
    (LetterState.SUBMITTED, LetterEvent.WITHDRAW): LetterState.WITHDRAWN,
    (LetterState.APPROVED, LetterEvent.WITHDRAW): LetterState.WITHDRAWN,
}


class LetterTransitionError(ValueError):
    """A letter event its state does not allow (approving a rejected letter, say)."""


def transition(state: LetterState, event: LetterEvent) -> LetterState:
    """The state after `event`; LetterTransitionError when the table has no such move."""
    try:
        return TRANSITIONS[(LetterState(state), LetterEvent(event))]
    except KeyError:
        raise LetterTransitionError(f"a {state} letter cannot {event}") from None


class InvalidProtocol(ValueError):
    """A protocol number that is not the receipt's 17 digits, a dash and 6 digits."""


def normalize_protocol(text: str) -> str:
    """The protocol as the receipt prints it ('21012345678901234-000001'), spaces removed.

    The first six digits are the day the Agenzia received the letter (YYMMDD): a day that
    does not exist is a typing error.
    """
    compact = re.sub(r"\s+", "", text or "")
    found = PROTOCOL_PATTERN.fullmatch(compact)
    if found is None:
        raise InvalidProtocol(f"{text!r} is not 17 digits, a dash and 6 digits")
    if protocol_day(compact) is None:
        raise InvalidProtocol(f"{text!r} does not start with a day (YYMMDD)")
    return compact


def protocol_day(protocol: str) -> date | None:
    """The day the receipt's protocol starts with (YYMMDD, 20YY), or None if none is."""
    digits = protocol[:6]
    if len(digits) != 6 or not digits.isdigit():
        return None
    try:
        return date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None


@dataclass(frozen=True)
class LetterCover:
    """An approved letter as pricing needs it: its citation, dates and what is left."""

    citation: LetterCitation
    valid_from: date
    valid_to: date
    remaining_minor: int  # of the ceiling, in euro cents

    def covers_day(self, day: date) -> bool:
        """Whether `day` is within the letter's validity dates (both included)."""
        return self.valid_from <= day <= self.valid_to


def remaining_minor(ceiling_minor: int, used_minor: int) -> int:
    """What is left of a ceiling (never below zero)."""
    return max(ceiling_minor - used_minor, 0)


def letter_tax(
    base: TaxTreatment,
    cover: LetterCover | None,
    *,
    net_minor: int,
    currency: str,
    today: date,
) -> TaxTreatment:
    """The treatment of an invoice for a customer who may hold a letter of intent.

    VAT-free (LETTER_OF_INTENT, 0 %) when the sale would carry Italian VAT, the letter is
    valid today and the invoice's net (in euro) fits in what is left of its ceiling. A net
    that does not fit carries VAT on the whole invoice: the treatment then says the ceiling
    is exhausted, so the summary can tell why. Credit notes (a net below zero) keep the
    treatment of the invoice they correct and are not decided here.
    """
    if cover is None or base.kind is not TaxKind.DOMESTIC or base.customer_country != "IT":
        return base
    if not cover.covers_day(today) or net_minor <= 0 or currency != CEILING_CURRENCY:
        return base
    if net_minor > cover.remaining_minor:
        return replace(base, ceiling_exhausted=True)
    return TaxTreatment(
        TaxKind.LETTER_OF_INTENT,
        Decimal(0),
        base.customer_country,
        base.seller_country,
        letter=cover.citation,
    )
