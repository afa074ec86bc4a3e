"""The EU VAT registry (VIES) online: asking it about a customer's VAT ID, keeping its answers,
and re-asking where it could not answer.

Reverse charge needs the customer's VAT ID confirmed by the registry (SPEC.md "VAT"): with
`VIES_ENABLED`, an EU customer of another member state gets it only while the latest definite
answer about the billing info's VAT ID is *valid*; *unknown* (the registry or a member state's
service down, busy, a timeout) keeps the country's rate, which pages say, until a re-check
(`flask vat recheck`, or the next checkout) answers. A *valid* answer applies to prices and
documents from then on; issued documents never change (a reissue is the customer's choice).

The network is asked outside any transaction and never under an account lock; what it
answered is recorded under the lock, with a billing activity entry when the standing moves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import requests
from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.accounts import load_account, lock_account
from portal.activity import record as activity
from portal.domain.tax import InvalidVatId, needs_registry, normalize_vat_id
from portal.domain.vat_registry import (
    RegistryAnswer,
    RegistryVerdict,
    Standing,
    recheck_due,
    standing_of,
    verdict_for_fault,
)
from portal.extensions import db
from portal.models import Account, ActivityKind, BillingInfo, VatCheck
from portal.reference_data import reference

log = logging.getLogger(__name__)

# Reasons kept with an unknown answer that no registry fault names.
NO_ANSWER = "NO_ANSWER"  # our own timeout: the registry did not answer in time
UNREACHABLE = "UNREACHABLE"  # no connection to the registry (or its description)
BAD_ANSWER = "BAD_ANSWER"  # an answer that is no SOAP reply
# What VIES writes where a member state gives no name or address.
_NOT_GIVEN = {"", "---"}


class Registry(Protocol):
    """Something that answers for a VAT ID; never raises: no answer is UNKNOWN."""

    def check(self, vat_id: str) -> RegistryAnswer:
        """Ask about one compact VAT ID with its prefix ("DE136695976")."""
        ...


def _text(value: Any, limit: int) -> str:
    """A name or address as the registry gave it, '---' meaning none."""
    text = " ".join(str(value or "").split())
    return "" if text in _NOT_GIVEN else text[:limit]


class SoapRegistry:
    """The registry's SOAP service (checkVatApprox with the seller as requester, which
    returns a consultation number; checkVat without one), through zeep."""

    _clients: dict[tuple[str, float], Any] = {}
    _clients_lock = threading.Lock()

    def __init__(self, wsdl_url: str, timeout: float, requester_vat_id: str = "") -> None:
        """`timeout` bounds loading the description and every call, in seconds."""
        self.wsdl_url = wsdl_url
        self.timeout = timeout
        requester = "".join(requester_vat_id.split()).upper()
        self.requester = requester if requester[:2].isalpha() and len(requester) > 2 else ""

    def _service(self) -> Any:
        """The zeep service, built once per process and description (the WSDL is fetched
        then); a description that cannot be loaded is tried again at the next check."""
        key = (self.wsdl_url, self.timeout)
        with self._clients_lock:
            client = self._clients.get(key)
        if client is None:
            # Imported here: zeep and its XML schema code load only where the check is on.
            from zeep import Client
            from zeep.transports import Transport

            transport = Transport(timeout=self.timeout, operation_timeout=self.timeout)
            client = Client(self.wsdl_url, transport=transport)
            with self._clients_lock:
                self._clients[key] = client
        return client.service

    def check(self, vat_id: str) -> RegistryAnswer:
        """Ask the registry; faults, timeouts and broken answers become UNKNOWN."""
        from zeep.exceptions import Error as ZeepError
        from zeep.exceptions import Fault

        country, number = vat_id[:2], vat_id[2:]

        def unknown(reason: str) -> RegistryAnswer:
            return RegistryAnswer(vat_id, RegistryVerdict.UNKNOWN, clock.now(), reason=reason)

        try:
            service = self._service()
            if self.requester:
                try:
                    reply = service.checkVatApprox(
                        countryCode=country,
                        vatNumber=number,
                        requesterCountryCode=self.requester[:2],
                        requesterVatNumber=self.requester[2:],
                    )
                except Fault as fault:
                    if (fault.message or "").strip().upper() != "INVALID_REQUESTER_INFO":
                        raise
                    # The seller's own VAT ID refused: ask without it (no consultation number).
                    log.error("VIES refused the seller's VAT ID %s as requester", self.requester)
                    reply = service.checkVat(countryCode=country, vatNumber=number)
            else:
                reply = service.checkVat(countryCode=country, vatNumber=number)
        except Fault as fault:
            code = (fault.message or "").strip().upper()[:40] or "FAULT"
            verdict = verdict_for_fault(code)
            return RegistryAnswer(vat_id, verdict, clock.now(), reason=code)
        except requests.Timeout:
            return unknown(NO_ANSWER)
        except requests.RequestException:
            return unknown(UNREACHABLE)
        except (ZeepError, ValueError) as error:  # lxml's XML errors are ValueErrors
            log.warning("VIES answered something unreadable: %s", error)
            return unknown(BAD_ANSWER)
        return self._answer(vat_id, reply)

    @staticmethod
    def _answer(vat_id: str, reply: Any) -> RegistryAnswer:
        """A checkVat or checkVatApprox reply."""
        valid = bool(getattr(reply, "valid", False))
        name = getattr(reply, "traderName", None) or getattr(reply, "name", None)
        address = getattr(reply, "traderAddress", None) or getattr(reply, "address", None)
        return RegistryAnswer(
            vat_id,
            RegistryVerdict.VALID if valid else RegistryVerdict.INVALID,
            clock.now(),
            reason="" if valid else "INVALID",
            consultation_number=_text(getattr(reply, "requestIdentifier", ""), 40),
            name=_text(name, 200),
            address=_text(address, 2000),
        )


def enabled() -> bool:
    """Whether the registry is consulted (VIES_ENABLED)."""
    return bool(current_app.config.get("VIES_ENABLED"))


def recheck_after() -> timedelta:
    """How old a definite answer may grow before it is asked again (VIES_RECHECK_DAYS)."""
    return timedelta(days=float(current_app.config.get("VIES_RECHECK_DAYS", 30)))


def registry() -> Registry:
    """The configured registry: the SOAP service, or one a test or an operator set in
    `app.extensions["vies_registry"]`."""
    configured = current_app.extensions.get("vies_registry")
    if configured is not None:
        return configured
    config = current_app.config
    return SoapRegistry(
        config["VIES_WSDL_URL"], float(config["VIES_TIMEOUT"]), config.get("SELLER_VAT_ID", "")
    )


def subject_vat_id(country: str, vat_id: str | None) -> str | None:
    """The compact VAT ID the registry must confirm for this country, or None: no ID, an
    ID that fails the offline check, or a customer whose VAT no VAT ID changes (the seller's
    country, outside the EU)."""
    data = reference()
    if not vat_id or not needs_registry(
        seller_country=data.seller_country, customer_country=country, rates=data.vat_rates
    ):
        return None
    try:
        return normalize_vat_id(country, vat_id)
    except InvalidVatId:
        return None


def standing(account_id: int, vat_id: str) -> Standing | None:
    """Where the account's VAT ID stands with the registry; None when never checked."""
    rows = db.session.scalars(
        select(VatCheck)
        .where(VatCheck.account_id == account_id, VatCheck.vat_id == vat_id)
        .order_by(VatCheck.id)
    )
    return standing_of((row.answer() for row in rows), vat_id)


def verdict_for_account(account: Account) -> RegistryVerdict | None:
    """The registry's word the account's price is decided with: None when the registry is
    off or has no say; UNKNOWN for an ID never answered."""
    info = account.billing_info
    if not enabled() or info is None:
        return None
    vat_id = subject_vat_id(info.country, info.vat_id)
    if vat_id is None:
        return None
    found = standing(account.id, vat_id)
    return found.verdict if found else RegistryVerdict.UNKNOWN


def account_standing(account: Account) -> Standing | None:
    """The standing of the account's billing-info VAT ID (for the billing page)."""
    info = account.billing_info
    if not enabled() or info is None:
        return None
    vat_id = subject_vat_id(info.country, info.vat_id)
    return standing(account.id, vat_id) if vat_id else None


def ask(vat_id: str) -> RegistryAnswer:
    """The registry's answer now (network; never under a lock); no answer is UNKNOWN."""
    try:
        return registry().check(vat_id)
    except Exception:  # a registry must not stop a save or a payment: unknown, logged
        log.exception("VIES check of %s failed", vat_id)
        return RegistryAnswer(vat_id, RegistryVerdict.UNKNOWN, clock.now(), reason=BAD_ANSWER)


def answer_before_saving(
    account_id: int, country: str, vat_id: str | None
) -> RegistryAnswer | None:
    """The registry's answer about a VAT ID about to be saved in billing info: None when the
    registry is off or has no say, or when it confirmed this ID for the account recently."""
    subject = subject_vat_id(country, vat_id) if enabled() else None
    if subject is None:
        return None
    found = standing(account_id, subject)
    if (
        found is not None
        and found.verdict is RegistryVerdict.VALID
        and not recheck_due(found, clock.now(), after=recheck_after())
    ):
        return None
    db.session.rollback()  # nothing stays open while the registry is asked
    return ask(subject)


def record_answer(account_id: int, user_id: int | None, answer: RegistryAnswer) -> Standing:
    """Keep an answer in the current transaction (the caller holds the account's lock and
    commits); a billing activity entry when the VAT ID's standing moves."""
    before = standing(account_id, answer.vat_id)
    db.session.add(
        VatCheck(
            account_id=account_id,
            vat_id=answer.vat_id,
            verdict=answer.verdict,
            reason=answer.reason,
            consultation_number=answer.consultation_number,
            name=answer.name,
            address=answer.address,
            checked_at=answer.checked_at,
        )
    )
    db.session.flush()
    after = standing(account_id, answer.vat_id)
    assert after is not None
    if before is None or before.verdict is not after.verdict:
        activity.record(
            account_id,
            user_id,
            ActivityKind.VAT_ID_CHECK,
            vat_id=answer.vat_id,
            verdict=str(after.verdict),
            previous=str(before.verdict) if before else None,
            reason=answer.reason,
            consultation_number=answer.consultation_number,
        )
    return after


def recheck(
    account_id: int, user_id: int | None, *, due: Callable[[Standing | None], bool]
) -> Standing | None:
    """Ask the registry again about the account's VAT ID when `due` says so; record what it
    answered (if the billing info still holds that ID) and commit. None when it has no say."""
    account = load_account(account_id)
    info = account.billing_info
    vat_id = subject_vat_id(info.country, info.vat_id) if info else None
    if vat_id is None:
        return None
    current = standing(account_id, vat_id)
    if not due(current):
        return current
    # No transaction stays open (on SQLite, no lock either) while the registry is asked.
    db.session.rollback()
    answer = ask(vat_id)
    account = lock_account(account_id)
    info = account.billing_info
    if info is None or subject_vat_id(info.country, info.vat_id) != vat_id:
        db.session.rollback()  # the VAT ID changed meanwhile: its own save checked it
        return None
    result = record_answer(account_id, user_id, answer)
    db.session.commit()
    return result


def recheck_before_payment(account_id: int, user_id: int | None) -> None:
    """A checkout asks again about a VAT ID the registry has not answered for; still no
    answer: the country's rate is charged, as the summary said."""
    if enabled():
        recheck(
            account_id,
            user_id,
            due=lambda found: found is None or found.verdict is RegistryVerdict.UNKNOWN,
        )


@dataclass
class RecheckReport:
    """What one `flask vat recheck` run did."""

    checked: int = 0
    changed: list[tuple[int, str, str]] = field(default_factory=list)  # account, vat id, verdict
    unknown: int = 0

    def summary(self) -> str:
        """One line for cron's mail."""
        return (
            f"{self.checked} VAT IDs checked, {len(self.changed)} changed, "
            f"{self.unknown} still without an answer"
        )


def accounts_with_registry_ids() -> list[int]:
    """Accounts whose billing info has a VAT ID the registry decides on, in id order."""
    data = reference()
    seller = data.seller_country
    countries = [code for code in data.vat_rates.rates if code != seller]
    return list(
        db.session.scalars(
            select(BillingInfo.account_id)
            .where(BillingInfo.vat_id.is_not(None), BillingInfo.country.in_(countries))
            .order_by(BillingInfo.account_id)
        )
    )


def run_recheck(*, recheck_after: timedelta) -> RecheckReport:
    """Ask again about every VAT ID without an answer, and every answer older than
    `recheck_after`; one account at a time, each committed on its own."""
    report = RecheckReport()
    now = clock.now()
    for account_id in accounts_with_registry_ids():

        def due(found: Standing | None) -> bool:
            return recheck_due(found, now, after=recheck_after)

        account = load_account(account_id)
        info = account.billing_info
        vat_id = subject_vat_id(info.country, info.vat_id) if info else None
        before = standing(account_id, vat_id) if vat_id else None
        if vat_id is None or not due(before):
            continue
        after = recheck(account_id, None, due=due)
        if after is None:
            continue
        report.checked += 1
        if after.verdict is RegistryVerdict.UNKNOWN:
            report.unknown += 1
        if before is None or before.verdict is not after.verdict:
            report.changed.append((account_id, vat_id, str(after.verdict)))
    db.session.rollback()
    return report
