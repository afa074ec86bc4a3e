"""The billing activity log: every billing change with who, when and what."""

from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.models import ActivityKind, BillingActivity


def record(
    account_id: int, user_id: int | None, kind: ActivityKind, **details: Any
) -> BillingActivity:
    """Add an entry to the current transaction; the caller's commit keeps it with the change."""
    entry = BillingActivity(account_id=account_id, user_id=user_id, kind=kind, details=details)
    db.session.add(entry)
    return entry
