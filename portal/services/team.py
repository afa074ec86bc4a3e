"""The owner's team: invitations, removal and the hand-over of ownership."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import func, select, update

from portal import clock
from portal.extensions import db
from portal.labels import role_label
from portal.mail.account_messages import invitation_texts
from portal.models import Account, Role, User
from portal.models.user import new_session_token
from portal.public_url import public_url_for
from portal.services import activity
from portal.services.account_links import (
    LinkPurpose,
    LinkRefused,
    make_token,
    minutes_valid,
    user_for_token,
)
from portal.services.mailer import queue_user_email

INVITABLE_ROLES = (Role.MEMBER, Role.BILLING_ADMIN)


class TeamChangeRefused(Exception):
    """A change the team rules do not allow; `reason` says which."""

    def __init__(self, reason: str) -> None:
        """Reasons: "in_team", "email_taken", "owner", "yourself", "not_billing_admin"."""
        super().__init__(reason)
        self.reason = reason


def _member(account_id: int, user_id: int) -> User | None:
    """A current (not removed) user of the account, or None."""
    return db.session.scalar(
        select(User).where(
            User.id == user_id, User.account_id == account_id, User.removed_at.is_(None)
        )
    )


def _queue_invitation(user: User, inviter: User, account: Account) -> int:
    """Queue the invitation e-mail in the inviter's language; returns the e-mail's id."""
    language = str(get_locale())
    link = public_url_for("auth.accept_invitation", token=make_token(user, LinkPurpose.INVITATION))
    with force_locale(language):
        subject, body = invitation_texts(
            inviter=inviter.name,
            company=account.name,
            role=role_label(user.role),
            link=link,
            days=minutes_valid(LinkPurpose.INVITATION) // (24 * 60),
            seller=current_app.config["SELLER_NAME"],
        )
    email = queue_user_email(
        user, kind="invitation", language=language, subject=subject, body=body, dedupe_key=None
    )
    db.session.flush()
    return email.id


def invite(account_id: int, inviter: User, email: str, name: str, role: Role) -> int:
    """Invite someone by e-mail as member or billing admin; returns the queued e-mail's id."""
    if role not in INVITABLE_ROLES:
        raise ValueError(role)
    email = email.strip().lower()
    existing = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if existing is not None:
        if existing.account_id != account_id:
            raise TeamChangeRefused("email_taken")
        if existing.removed_at is None and not existing.invitation_pending:
            raise TeamChangeRefused("in_team")
    user = existing or User(email=email, account_id=account_id)
    user.name = name.strip() or email.partition("@")[0]
    user.role = role
    user.removed_at = None
    user.invitation_pending = True
    # Nobody knows this password: the invited person chooses theirs through the link.
    user.set_password(secrets.token_urlsafe(32))
    user.end_sessions()
    db.session.add(user)
    db.session.flush()
    account = db.session.get(Account, account_id)
    assert account is not None
    email_id = _queue_invitation(user, inviter, account)
    activity.record(account_id, inviter.id, "user_invited", email=email, role=str(role))
    db.session.commit()
    return email_id


def invited_user(token: str) -> User:
    """The invited user a link is for (LinkRefused when expired, used or withdrawn)."""
    return user_for_token(token, LinkPurpose.INVITATION)


def accept_invitation(token: str, name: str, password: str) -> User:
    """Join the team with a name and a password; the link then stops working."""
    user = invited_user(token)
    probe = User(email="", name="", role=Role.MEMBER)
    probe.set_password(password)
    joined = db.session.execute(
        update(User)
        .where(User.id == user.id, User.invitation_pending.is_(True), User.removed_at.is_(None))
        .values(
            name=name.strip()[:120],
            password_hash=probe.password_hash,
            invitation_pending=False,
            session_token=new_session_token(),
        )
        .execution_options(synchronize_session=False)
    )
    if joined.rowcount != 1:
        db.session.rollback()
        raise LinkRefused("invalid")
    assert user.account_id is not None
    activity.record(user.account_id, user.id, "user_joined", name=name.strip()[:120])
    db.session.commit()
    db.session.refresh(user)
    return user


def remove_user(account_id: int, owner: User, user_id: int) -> User | None:
    """Remove a user (or withdraw an invitation); None when not in the account."""
    user = _member(account_id, user_id)
    if user is None:
        return None
    if user.id == owner.id:
        raise TeamChangeRefused("yourself")
    if user.user_role is Role.OWNER:
        raise TeamChangeRefused("owner")
    user.removed_at = clock.now()
    user.end_sessions()
    activity.record(account_id, owner.id, "user_removed", name=user.name, email=user.email)
    db.session.commit()
    return user


def transfer_ownership(account_id: int, owner: User, user_id: int) -> User | None:
    """Hand the account to a billing admin, who becomes owner; the owner a billing admin."""
    user = _member(account_id, user_id)
    if user is None:
        return None
    if user.id == owner.id:
        raise TeamChangeRefused("yourself")
    if user.user_role is not Role.BILLING_ADMIN or user.invitation_pending:
        raise TeamChangeRefused("not_billing_admin")
    # Both rows locked in one order, so two hand-overs at once cannot leave two owners.
    db.session.scalars(
        select(User).where(User.id.in_([owner.id, user.id])).order_by(User.id).with_for_update()
    ).all()
    db.session.refresh(owner)
    if owner.user_role is not Role.OWNER:
        db.session.rollback()
        raise TeamChangeRefused("owner")
    user.role = Role.OWNER
    owner.role = Role.BILLING_ADMIN
    activity.record(
        account_id, owner.id, "ownership_transferred", previous=owner.name, owner=user.name
    )
    db.session.commit()
    return user
