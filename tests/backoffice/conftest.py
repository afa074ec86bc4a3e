"""A signed-in staff user, and a fast way to create many accounts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from portal.extensions import db
from portal.models import Account, BillingInfo, Role, Subscription
from tests.invoices.conftest import issue  # noqa: F401


@pytest.fixture
def staff(factory, auth) -> None:
    """Vendor staff, signed in."""
    factory.user("staff@vendor.example.com", Role.STAFF)
    auth.login("staff@vendor.example.com")


def add_accounts(app, count: int, *, prefix: str = "Company", status: str | None = None) -> None:
    """`count` accounts with billing info (and a subscription in `status`), in bulk."""
    with app.app_context():
        start = db.session.scalar(select(db.func.count(Account.id))) or 0
        names = [f"{prefix} {start + n:05d}" for n in range(count)]
        db.session.execute(insert(Account), [{"name": name, "credit_minor": 0} for name in names])
        found = db.session.execute(select(Account.name, Account.id).where(Account.name.in_(names)))
        ids = {row[0]: row[1] for row in found}
        db.session.execute(
            insert(BillingInfo),
            [
                {
                    "account_id": ids[name],
                    "company": name,
                    "billing_email": f"billing{ids[name]}@example.com",
                    "cc_emails": [],
                    "country": "IT",
                    "invoice_language": "en",
                }
                for name in names
            ],
        )
        if status is not None:
            anchor = date(2026, 11, 1)
            db.session.execute(
                insert(Subscription),
                [
                    {
                        "account_id": ids[name],
                        "plan": "standard",
                        "billing_period": "monthly",
                        "agents": 3,
                        "packs": 0,
                        "anchor_date": anchor,
                        "period_start": anchor,
                        "period_end": anchor + timedelta(days=30),
                        "agent_unit_minor": 1500,
                        "pack_unit_minor": 1000,
                        "auto_renew": True,
                        "status": status,
                        "version": 1,
                    }
                    for name in names
                ],
            )
        db.session.commit()
