"""SQLAlchemy models, one module per aggregate; imported here so migrations see them all."""

from portal.models.account import Account, BillingInfo
from portal.models.subscription import Subscription, SubscriptionStatus
from portal.models.user import BILLING_ROLES, CUSTOMER_ROLES, VENDOR_ROLES, Role, User

__all__ = [
    "BILLING_ROLES",
    "CUSTOMER_ROLES",
    "VENDOR_ROLES",
    "Account",
    "BillingInfo",
    "Role",
    "Subscription",
    "SubscriptionStatus",
    "User",
]
