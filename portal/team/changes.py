"""The owner's team: invitations, roles, removal and the hand-over of ownership.

Every change is made under the account's lock (portal.accounts.lock_account: a row
lock on PostgreSQL, the write lock on SQLite), and what it decides on (the acting owner's
role, the other user's role and membership) is read again once the lock is held: two tabs
posting at once run one after the other. The database refuses a second owner besides
(uq_users_one_owner). The people a change affects are e-mailed in their language.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.account_links import (
    LinkPurpose,
    LinkRefused,
    make_token,
    minutes_valid,
    user_for_token,
)
from portal.accounts import lock_account
from portal.activity import record as activity
from portal.extensions import db, matched_rows
from portal.i18n import format_moment
from portal.labels import as_role
from portal.mail.account_messages import (
    invitation_texts,
    made_billing_admin_texts,
    ownership_handed_over_texts,
    ownership_received_texts,
    removed_from_team_texts,
)
from portal.mail.outbox import queue_user_email, queue_user_notice, support_contact
from portal.models import Account, ActivityKind, EmailKind, Role, User
from portal.models.columns import max_length
from portal.models.user import hash_password, new_session_token
from portal.public_url import public_url_for

INVITABLE_ROLES = (Role.MEMBER, Role.BILLING_ADMIN)


class TeamChangeRefused(Exception):
    """A change the team rules do not allow; `reason` says which."""

    def __init__(self, reason: str) -> None:
        """Reasons: "in_team", "owner", "owner_role", "yourself", "not_billing_admin",
        "not_owner" (the acting user stopped being the owner meanwhile)."""
        super().__init__(reason)
        self.reason = reason


class AddressInUse(Exception):
    """An invitation's address already signs in as a user (of another company, or staff)."""


@dataclass
class TeamChange:
    """A change made: the user it was made to, and the e-mails to send once committed."""

    user: User
    email_ids: list[int] = field(default_factory=list)


def _member(account_id: int, user_id: int) -> User | None:
    """A current (not removed) user of the account, read afresh; or None."""
    return db.session.scalar(
        select(User)
        .where(User.id == user_id, User.account_id == account_id, User.removed_at.is_(None))
        .execution_options(populate_existing=True)
    )


def team_user(account_id: int, user_id: int) -> User | None:
    """A current user of the account (joined or invited), for a confirmation; or None."""
    return _member(account_id, user_id)


def _lock_as_owner(account_id: int, owner_id: int) -> Account:
    """Take the account's lock, then check the acting user is still its owner.

    Another tab may have handed the account over while this request waited for the lock.
    """
    account = lock_account(account_id)
    owner = _member(account_id, owner_id)
    if owner is None or owner.role is not Role.OWNER:
        db.session.rollback()
        raise TeamChangeRefused("not_owner")
    return account


def _refuse(reason: str) -> TeamChangeRefused:
    """Undo what the transaction holds (the lock) and say why."""
    db.session.rollback()
    return TeamChangeRefused(reason)


def _moment() -> str:
    """Now, for an e-mail in the active language."""
    return format_moment(clock.now())


_OWNER_NOTICES = {
    EmailKind.MADE_BILLING_ADMIN: made_billing_admin_texts,
    EmailKind.REMOVED_FROM_TEAM: removed_from_team_texts,
}


def _owner_notice(user: User, account: Account, owner: User, kind: EmailKind) -> int:
    """Queue the e-mail telling a joined user what the owner changed; returns its id."""
    texts = _OWNER_NOTICES[kind]
    return queue_user_notice(
        user,
        kind=kind,
        texts=lambda: texts(
            name=user.name,
            company=account.name,
            owner=owner.name,
            moment=_moment(),
            seller=current_app.config["SELLER_NAME"],
        ),
    )


def _new_password_link() -> str:
    """Where to choose a new password, for "it was not you" (not a secret)."""
    return public_url_for("auth.forgot_password")


def _queue_invitation(user: User, inviter: User, account: Account) -> int:
    """Queue the invitation e-mail in the inviter's language; returns the e-mail's id."""
    language = str(get_locale())
    link = public_url_for("auth.accept_invitation", token=make_token(user, LinkPurpose.INVITATION))
    with force_locale(language):
        subject, body = invitation_texts(
            inviter=inviter.name,
            company=account.name,
            as_role=as_role(user.role),
            link=link,
            days=minutes_valid(LinkPurpose.INVITATION) // (24 * 60),
            seller=current_app.config["SELLER_NAME"],
        )
    email = queue_user_email(
        user,
        kind=EmailKind.INVITATION,
        language=language,
        subject=subject,
        body=body,
        dedupe_key=None,
    )
    db.session.flush()
    return email.id


def invite(account_id: int, inviter: User, email: str, name: str, role: Role) -> int:
    """Invite someone by e-mail as member or billing admin; returns the queued e-mail's id.

    An address used elsewhere (another company, the vendor's staff) is invited like any other:
    nothing tells the owner. Nobody moves: that user stays where they are, and accepting the
    invitation is refused to them while their address signs in there.
    """
    if role not in INVITABLE_ROLES:
        raise ValueError(role)
    account = _lock_as_owner(account_id, inviter.id)
    email = email.strip().lower()
    existing = db.session.scalar(
        select(User)
        .where(User.account_id == account_id, func.lower(User.email) == email)
        .execution_options(populate_existing=True)
    )
    if existing is not None and existing.removed_at is None and not existing.invitation_pending:
        raise _refuse("in_team")
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
    email_id = _queue_invitation(user, inviter, account)
    activity.record(account_id, inviter.id, ActivityKind.USER_INVITED, email=email, role=str(role))
    db.session.commit()
    return email_id


def invited_user(token: str) -> User:
    """The invited user a link is for (LinkRefused when expired, used or withdrawn)."""
    return user_for_token(token, LinkPurpose.INVITATION)


def address_signs_in_elsewhere(user: User) -> bool:
    """Whether another user signs in with this invited user's address."""
    return (
        db.session.scalar(
            select(User.id).where(
                func.lower(User.email) == user.email.lower(),
                User.id != user.id,
                User.removed_at.is_(None),
                User.invitation_pending.is_(False),
            )
        )
        is not None
    )


def accept_invitation(token: str, name: str, password: str) -> User:
    """Join the team with a name and a password; the link then stops working.

    AddressInUse when the address signs in as another user (nothing changes then).
    """
    account_id = invited_user(token).account_id
    assert account_id is not None
    lock_account(account_id)
    db.session.expire_all()
    # The link again, under the lock: withdrawn, re-sent or used meanwhile, it is refused.
    try:
        user = invited_user(token)
    except LinkRefused:
        db.session.rollback()
        raise
    if address_signs_in_elsewhere(user):
        db.session.rollback()
        raise AddressInUse
    password_hash = hash_password(password)
    try:
        joined = db.session.execute(
            update(User)
            .where(User.id == user.id, User.invitation_pending.is_(True), User.removed_at.is_(None))
            .values(
                name=name.strip()[: max_length(User.name)],
                password_hash=password_hash,
                invitation_pending=False,
                session_token=new_session_token(),
            )
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        # The address joined another company at this instant (uq_users_email_signs_in): the
        # other account's lock is not this one's, the database decides.
        db.session.rollback()
        raise AddressInUse from None
    if matched_rows(joined) != 1:
        db.session.rollback()
        raise LinkRefused("invalid")
    activity.record(
        account_id, user.id, ActivityKind.USER_JOINED, name=name.strip()[: max_length(User.name)]
    )
    db.session.commit()
    db.session.refresh(user)
    return user


def set_billing_admin(
    account_id: int, owner: User, user_id: int, make_admin: bool
) -> TeamChange | None:
    """Name a user billing admin, or take it back; None when the user is not in the account.

    A joined user made billing admin is e-mailed.
    """
    account = _lock_as_owner(account_id, owner.id)
    user = _member(account_id, user_id)
    if user is None:
        db.session.rollback()
        return None
    if user.role is Role.OWNER:
        raise _refuse("owner_role")
    new_role = Role.BILLING_ADMIN if make_admin else Role.MEMBER
    change = TeamChange(user)
    if user.role is not new_role:
        user.role = new_role
        activity.record(
            account_id, owner.id, ActivityKind.ROLE_CHANGED, name=user.name, role=str(new_role)
        )
        if new_role is Role.BILLING_ADMIN and not user.invitation_pending:
            change.email_ids.append(
                _owner_notice(user, account, owner, EmailKind.MADE_BILLING_ADMIN)
            )
    db.session.commit()
    return change


def remove_user(account_id: int, owner: User, user_id: int) -> TeamChange | None:
    """Remove a user (or withdraw an invitation); None when not in the account.

    A removed user who had joined is e-mailed; a withdrawn invitation is not.
    """
    account = _lock_as_owner(account_id, owner.id)
    user = _member(account_id, user_id)
    if user is None:
        db.session.rollback()
        return None
    if user.id == owner.id:
        raise _refuse("yourself")
    if user.role is Role.OWNER:
        raise _refuse("owner")
    change = TeamChange(user)
    if not user.invitation_pending:
        change.email_ids.append(_owner_notice(user, account, owner, EmailKind.REMOVED_FROM_TEAM))
    user.removed_at = clock.now()
    user.end_sessions()
    activity.record(
        account_id, owner.id, ActivityKind.USER_REMOVED, name=user.name, email=user.email
    )
    db.session.commit()
    return change


def transfer_ownership(account_id: int, owner: User, user_id: int) -> TeamChange | None:
    """Hand the account to a billing admin, who becomes owner; the owner a billing admin.

    Both are e-mailed: the new owner, and the previous one in case it was not them.
    """
    account = _lock_as_owner(account_id, owner.id)
    user = _member(account_id, user_id)
    if user is None:
        db.session.rollback()
        return None
    if user.id == owner.id:
        raise _refuse("yourself")
    if user.role is not Role.BILLING_ADMIN or user.invitation_pending:
        raise _refuse("not_billing_admin")
    # The previous owner steps down first: the database holds one owner per account.
    owner.role = Role.BILLING_ADMIN
    db.session.flush()
    user.role = Role.OWNER
    activity.record(
        account_id,
        owner.id,
        ActivityKind.OWNERSHIP_TRANSFERRED,
        previous=owner.name,
        owner=user.name,
    )
    seller = current_app.config["SELLER_NAME"]
    received = queue_user_notice(
        user,
        kind=EmailKind.OWNERSHIP_RECEIVED,
        texts=lambda: ownership_received_texts(
            name=user.name,
            company=account.name,
            previous=owner.name,
            moment=_moment(),
            seller=seller,
        ),
    )
    handed_over = queue_user_notice(
        owner,
        kind=EmailKind.OWNERSHIP_HANDED_OVER,
        texts=lambda: ownership_handed_over_texts(
            name=owner.name,
            company=account.name,
            owner=user.name,
            moment=_moment(),
            link=_new_password_link(),
            support=support_contact(),
            seller=seller,
        ),
        fallback=str(get_locale()),
    )
    db.session.commit()
    return TeamChange(user, [received, handed_over])
