"""Who manages an account's billing, for the team members who do not."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import BILLING_ROLES, Role, User


@dataclass(frozen=True)
class BillingContact:
    """Someone a member can ask about billing: their name, address and role."""

    name: str
    email: str
    role: Role


def billing_contacts(account_id: int) -> list[BillingContact]:
    """The owner, then the billing admins by name, who are in the team (joined, not removed)."""
    owner_first = case((User.role == Role.OWNER, 0), else_=1)
    rows = db.session.execute(
        select(User.name, User.email, User.role)
        .where(
            User.account_id == account_id,
            User.role.in_(BILLING_ROLES),
            User.removed_at.is_(None),
            User.invitation_pending.is_(False),
        )
        .order_by(owner_first, func.lower(User.name), User.id)
    )
    return [BillingContact(row.name, row.email, row.role) for row in rows]


def contacts_for_member() -> list[BillingContact]:
    """For a signed-in member (who sees no billing): whom to ask. Nobody else is shown them."""
    if not current_user.is_authenticated or current_user.role is not Role.MEMBER:
        return []
    return billing_contacts(current_user.account_id)
