"""People who sign in: customer users belong to one account, vendor users to none."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import Model
from portal.models.columns import enum_column, utc_now

if TYPE_CHECKING:
    from portal.models.account import Account


class Role(StrEnum):
    """What a user may do; see SPEC.md "Who uses it"."""

    OWNER = "owner"
    BILLING_ADMIN = "billing_admin"
    MEMBER = "member"
    STAFF = "staff"
    TRANSLATOR = "translator"

    @property
    def is_customer(self) -> bool:
        """Customer roles belong to an account."""
        return self in CUSTOMER_ROLES

    @property
    def manages_billing(self) -> bool:
        """Owners and billing admins see and change billing."""
        return self in BILLING_ROLES


def new_session_token() -> str:
    """A fresh random session token."""
    return secrets.token_urlsafe(32)


CUSTOMER_ROLES = frozenset({Role.OWNER, Role.BILLING_ADMIN, Role.MEMBER})
BILLING_ROLES = frozenset({Role.OWNER, Role.BILLING_ADMIN})
VENDOR_ROLES = frozenset({Role.STAFF, Role.TRANSLATOR})


class User(UserMixin, Model):
    """A person who signs in to the portal."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role IN ('owner', 'billing_admin', 'member') AND account_id IS NOT NULL)"
            " OR (role IN ('staff', 'translator') AND account_id IS NULL)",
            name="role_matches_account",
        ),
        # The owner has joined and was not removed: removal and invitations never touch them.
        CheckConstraint(
            "role <> 'owner' OR (NOT invitation_pending AND removed_at IS NULL)",
            name="owner_signs_in",
        ),
        # One user per address in an account: a removed user or an invitation is invited again.
        Index("uq_users_account_email", "account_id", "email", unique=True),
        # Two partial unique indexes live in the migrations alone (63d762632e0f; see
        # portal.extensions.DATABASE_ONLY_INDEXES): uq_users_one_owner, one owner per account
        # whatever two requests do at once; uq_users_email_signs_in, an address signs in as
        # one user only (an invitation waiting or a removed user may share it).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Part of every session and remember cookie: a new value ends all of them at once
    # (sign-out, password change, removal from the team).
    session_token: Mapped[str] = mapped_column(String(43), default=lambda: new_session_token())
    # Invited by the owner and not yet joined: no password of their own, cannot sign in.
    invitation_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # Removed from the team: kept for the billing activity it is named in, cannot sign in.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account | None] = relationship(back_populates="users")

    @property
    def can_sign_in(self) -> bool:
        """Removed users and invitations not yet accepted cannot sign in."""
        return self.removed_at is None and not self.invitation_pending

    def get_id(self) -> str:
        """What the session and remember cookies keep: the id and the current session token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every cookie issued so far stops working (the caller commits)."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """Store a salted hash, never the password."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """Compare a candidate password with the stored hash."""
        return check_password_hash(self.password_hash, password)


# Werkzeug's memory-hard default. The test suite sets a cheap method (PASSWORD_HASH_METHOD):
# its thousands of made-up users would otherwise spend half the run in scrypt.
DEFAULT_HASH_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """A salted hash of `password` with the configured method (scrypt unless set otherwise)."""
    method = DEFAULT_HASH_METHOD
    if has_app_context():
        method = current_app.config.get("PASSWORD_HASH_METHOD", method)
    return generate_password_hash(password, method=method)
