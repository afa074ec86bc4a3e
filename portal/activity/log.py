"""Reading the billing activity log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BillingActivity, User

PAGE_SIZE = 25


@dataclass(frozen=True)
class ActivityPage:
    """One page of entries with the name of who made each change."""

    rows: list[tuple[BillingActivity, str | None]]
    page: int
    pages: int


def activity_page(account_id: int, page: int) -> ActivityPage:
    """Entries of the account, newest first."""
    total = db.session.scalar(
        select(func.count(BillingActivity.id)).where(BillingActivity.account_id == account_id)
    )
    pages = max(1, -(-(total or 0) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(BillingActivity, User.name)
        .outerjoin(User, User.id == BillingActivity.user_id)
        .where(BillingActivity.account_id == account_id)
        .order_by(BillingActivity.at.desc(), BillingActivity.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return ActivityPage([(row[0], row[1]) for row in rows], page, pages)
