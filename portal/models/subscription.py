"""The paid package of an account: plan, period, quantities and the current period."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.subscription_lifecycle import SubscriptionEvent, SubscriptionStatus, transition
from portal.extensions import Model
from portal.models.columns import enum_column

if TYPE_CHECKING:
    from portal.models.account import Account

__all__ = ["SubscriptionStatus"]


class Subscription(Model):
    """One per account at most; an account without one is on Free."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("agents >= 1", name="agents_positive"),
        CheckConstraint("packs >= 0", name="packs_not_negative"),
        CheckConstraint("period_start < period_end", name="period_ordered"),
        CheckConstraint("plan IN ('standard', 'pro')", name="known_plan"),
        CheckConstraint("billing_period IN ('monthly', 'annual')", name="known_period"),
        CheckConstraint("status IN ('active', 'past_due', 'blocked')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    plan: Mapped[Plan] = mapped_column(enum_column(Plan, 20))
    billing_period: Mapped[BillingPeriod] = mapped_column(enum_column(BillingPeriod, 10))
    agents: Mapped[int] = mapped_column(Integer)
    packs: Mapped[int] = mapped_column(Integer, default=0)
    # Periods are computed from the anchor (the day the current term started), never from
    # the previous end, so a term started on the 31st comes back to the 31st.
    anchor_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # What was actually charged per unit for this period: credits reverse these, not
    # whatever the price list says today.
    agent_unit_minor: Mapped[int] = mapped_column(Integer)
    pack_unit_minor: Mapped[int] = mapped_column(Integer)
    # Set by an accepted sales quote: renewals starting before this day keep the negotiated
    # unit prices above; from this day on the list price applies.
    contract_ends_on: Mapped[date | None] = mapped_column(Date)
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, 10), default=SubscriptionStatus.ACTIVE, index=True
    )
    # Optimistic locking: two concurrent changes cannot both write the old quantities.
    version: Mapped[int] = mapped_column(Integer, default=1)

    account: Mapped[Account] = relationship(back_populates="subscription")

    __mapper_args__ = {"version_id_col": version}

    def apply(self, event: SubscriptionEvent) -> None:
        """Move to the state the lifecycle table gives for this event (or raise)."""
        self.status = transition(self.status, event)
