"""Change who invoices are made out to: documents issued from now on carry the new details.

An issued invoice keeps the parties it was issued to; the most recent one can be reissued
with the new details on request.
"""

from __future__ import annotations

from typing import Any

from portal.accounts import lock_account
from portal.activity import record as activity
from portal.extensions import db
from portal.models import ActivityKind, BillingInfo
from portal.models.account import BILLING_INFO_FIELDS as FIELDS


def update_billing_info(account_id: int, user_id: int, values: dict[str, Any]) -> list[str]:
    """Save the new details for future documents; return what changed."""
    account = lock_account(account_id)
    info = account.billing_info
    if info is None:
        info = BillingInfo(account_id=account_id, cc_emails=[])
        account.billing_info = info
    # A field missing from `values` (one the page did not offer) keeps its saved value.
    changed = [
        name for name in FIELDS if name in values and getattr(info, name, None) != values[name]
    ]
    if not changed:
        db.session.rollback()
        return []
    for name in changed:
        setattr(info, name, values[name])
    activity.record(account_id, user_id, ActivityKind.BILLING_INFO, fields=changed)
    db.session.commit()
    return changed
