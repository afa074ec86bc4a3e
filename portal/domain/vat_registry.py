"""The EU VAT registry (VIES): what its answers mean for reverse charge. Pure: the network
client (portal.vies) turns what the registry said into these values.

The registry answers *valid*, *invalid*, or nothing usable: a member state's service or the
registry itself is down, busy or slow. Only *valid* removes VAT (reverse charge); *unknown*
keeps the customer country's rate until a later check answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class RegistryVerdict(StrEnum):
    """What the registry's answer means for a VAT ID."""

    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN = "unknown"  # no usable answer: a service down, busy, a timeout


# SOAP faults (faultstring) and REST `userError` values that mean the number itself is wrong:
# the customer's mistake, not an outage.
CUSTOMER_ERRORS: frozenset[str] = frozenset({"INVALID_INPUT", "INVALID"})
# Faults that mean nobody could answer now; any fault not listed anywhere is read the same way.
OUTAGES: frozenset[str] = frozenset(
    {
        "MS_UNAVAILABLE",
        "TIMEOUT",
        "MS_MAX_CONCURRENT_REQ",
        "GLOBAL_MAX_CONCURRENT_REQ",
        "SERVICE_UNAVAILABLE",
        "SERVER_BUSY",
        "INVALID_REQUESTER_INFO",  # our own (the seller's) VAT ID refused: no answer about theirs
        "IP_BLOCKED",
    }
)
# How long a definite answer stands before `flask vat recheck` asks again.
RECHECK_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class RegistryAnswer:
    """One consultation of the registry about one VAT ID."""

    vat_id: str  # compact, with its prefix ("DE136695976")
    verdict: RegistryVerdict
    checked_at: datetime
    reason: str = ""  # the fault or error code behind an unknown or invalid answer
    consultation_number: str = ""  # the registry's requestIdentifier: proof of the check
    name: str = ""  # the trader's name and address where the member state gives them
    address: str = ""


def verdict_for_fault(code: str) -> RegistryVerdict:
    """A SOAP fault's meaning: the customer's input error is invalid, anything else unknown."""
    return (
        RegistryVerdict.INVALID
        if code.strip().upper() in CUSTOMER_ERRORS
        else RegistryVerdict.UNKNOWN
    )


def verdict_for_rest(*, valid: bool, user_error: str | None) -> tuple[RegistryVerdict, str]:
    """The REST API answers `valid: false` during an outage too, with the reason in
    `userError`: only VALID or INVALID there (or nothing) is an answer about the number.
    Returns the verdict and the reason code kept with it."""
    error = (user_error or "").strip().upper()
    if error in ("", "VALID", "INVALID"):
        if valid and error != "INVALID":
            return RegistryVerdict.VALID, ""
        return RegistryVerdict.INVALID, "INVALID"
    return verdict_for_fault(error), error


@dataclass(frozen=True)
class Standing:
    """Where a VAT ID stands with the registry: its latest definite answer, else unknown."""

    verdict: RegistryVerdict
    latest: RegistryAnswer  # the answer the verdict comes from (the newest one when unknown)


def standing_of(answers: Iterable[RegistryAnswer], vat_id: str) -> Standing | None:
    """The standing of `vat_id` from its answers (any order); None when never checked.

    An outage during a later check does not take back a definite answer: a confirmed
    customer stays confirmed while the registry is down, and a refused one stays refused.
    """
    mine = sorted((a for a in answers if a.vat_id == vat_id), key=lambda a: a.checked_at)
    if not mine:
        return None
    definite = [a for a in mine if a.verdict is not RegistryVerdict.UNKNOWN]
    if definite:
        return Standing(definite[-1].verdict, definite[-1])
    return Standing(RegistryVerdict.UNKNOWN, mine[-1])


def recheck_due(
    standing: Standing | None, now: datetime, *, after: timedelta = RECHECK_AFTER
) -> bool:
    """Whether the recheck run asks again: never checked or unknown, or a definite answer
    older than `after`."""
    if standing is None or standing.verdict is RegistryVerdict.UNKNOWN:
        return True
    return now - standing.latest.checked_at >= after
