"""Change who invoices are made out to: documents issued from now on carry the new details.

An issued invoice keeps the parties it was issued to; the most recent one can be reissued
with the new details on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from portal import vies
from portal.accounts import lock_account
from portal.activity import record as activity
from portal.billing_text import charged_rate
from portal.domain.vat_registry import RegistryAnswer, RegistryVerdict
from portal.extensions import db
from portal.i18n import format_day
from portal.models import Account, ActivityKind, BillingInfo
from portal.models.account import BILLING_INFO_FIELDS as FIELDS
from portal.reference_data import reference


def update_billing_info(
    account_id: int,
    user_id: int,
    values: dict[str, Any],
    *,
    vat_answer: RegistryAnswer | None = None,
) -> list[str]:
    """Save the new details for future documents, with the EU registry's answer about the
    VAT ID if it was asked; return what changed."""
    account = lock_account(account_id)
    info = account.billing_info
    if info is None:
        info = BillingInfo(account_id=account_id, cc_emails=[])
        account.billing_info = info
    # A field missing from `values` (one the page did not offer) keeps its saved value.
    changed = [
        name for name in FIELDS if name in values and getattr(info, name, None) != values[name]
    ]
    if not changed and vat_answer is None:
        db.session.rollback()
        return []
    for name in changed:
        setattr(info, name, values[name])
    if changed:
        activity.record(account_id, user_id, ActivityKind.BILLING_INFO, fields=changed)
    if vat_answer is not None:
        vies.record_answer(account_id, user_id, vat_answer)
    db.session.commit()
    return changed


@dataclass(frozen=True)
class VatIdNote:
    """What the billing page says about the EU registry's standing of the VAT ID."""

    state: str  # "valid", "invalid" or "unknown"
    text: str


def vat_id_note(account: Account) -> VatIdNote | None:
    """The registry's standing of the saved VAT ID in words; None when it has no say."""
    found = vies.account_standing(account)
    info = account.billing_info
    if info is None or (found is None and not vies.verdict_for_account(account)):
        return None
    vat_id = found.latest.vat_id if found else (info.vat_id or "")
    verdict = found.verdict if found else RegistryVerdict.UNKNOWN
    rate = charged_rate(info.country, reference().vat_rates.rate(info.country))
    if verdict is RegistryVerdict.VALID:
        assert found is not None
        number = found.latest.consultation_number
        checked = format_day(found.latest.checked_at.date())
        text = (
            _(
                "%(vat_id)s was confirmed by the EU VAT registry (VIES) on %(date)s, "
                "consultation number %(number)s: reverse charge applies.",
                vat_id=vat_id,
                date=checked,
                number=number,
            )
            if number
            else _(
                "%(vat_id)s was confirmed by the EU VAT registry (VIES) on %(date)s: "
                "reverse charge applies.",
                vat_id=vat_id,
                date=checked,
            )
        )
    elif verdict is RegistryVerdict.INVALID:
        text = _(
            "The EU VAT registry (VIES) reports %(vat_id)s as not valid: VAT is charged at the "
            "rate of your country (%(rate)s). Check the VAT ID.",
            vat_id=vat_id,
            rate=rate,
        )
    else:
        text = _(
            "Reverse charge could not be confirmed yet: the EU VAT registry (VIES) did not "
            "answer about %(vat_id)s. Until it does, VAT is charged at the rate of your country "
            "(%(rate)s). The VAT ID is checked again automatically and before your next "
            "payment; once confirmed, reverse charge applies to the invoices issued from then "
            "on.",
            vat_id=vat_id,
            rate=rate,
        )
    return VatIdNote(str(verdict), text)
