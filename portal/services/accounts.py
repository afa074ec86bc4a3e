"""Users and accounts: authentication, preferences, team roles."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User
from portal.services import activity

# Verifying against a real hash even for unknown e-mails keeps response times alike,
# so the sign-in form does not reveal which addresses have accounts.
_TIMING_HASH: str | None = None


def _timing_hash() -> str:
    """A hash to check failed look-ups against."""
    global _TIMING_HASH
    if _TIMING_HASH is None:
        dummy = User(email="", name="", role=Role.MEMBER)
        dummy.set_password("not a real password")
        _TIMING_HASH = dummy.password_hash
    return _TIMING_HASH


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        User(email="", name="", role=Role.MEMBER, password_hash=_timing_hash()).check_password(
            password
        )
        return None
    return user if user.check_password(password) and user.can_sign_in else None


def save_locale(user: User, locale: str) -> None:
    """Remember the user's language."""
    user.locale = locale
    db.session.commit()


def account_users(account_id: int) -> list[User]:
    """The users of one account, owners first."""
    users = db.session.scalars(
        select(User).where(User.account_id == account_id, User.removed_at.is_(None))
    ).all()
    order = {Role.OWNER: 0, Role.BILLING_ADMIN: 1, Role.MEMBER: 2}
    return sorted(users, key=lambda user: (order[user.user_role], user.name.lower()))


class RoleChangeRefused(Exception):
    """The owner's own role, or a role that is not for customers."""


def set_billing_admin(
    account_id: int, user_id: int, make_admin: bool, acting_user_id: int | None = None
) -> User | None:
    """Name a member billing admin, or take it back; None when the user is not in the account."""
    user = db.session.scalar(
        select(User).where(
            User.id == user_id, User.account_id == account_id, User.removed_at.is_(None)
        )
    )
    if user is None:
        return None
    if user.user_role is Role.OWNER:
        raise RoleChangeRefused
    new_role = Role.BILLING_ADMIN if make_admin else Role.MEMBER
    if user.user_role is not new_role:
        user.role = new_role
        activity.record(
            account_id, acting_user_id, "role_changed", name=user.name, role=str(new_role)
        )
    db.session.commit()
    return user
