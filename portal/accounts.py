"""Users and accounts: loading and locking an account, authentication, preferences, roles."""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.util import identity_key

from portal.extensions import db
from portal.models import BILLING_ROLES, Account, Role, User


@cache
def _loaded_by_statement() -> frozenset[str]:
    """The attributes _account_statement loads: the columns and two relations."""
    columns = {column.key for column in sa_inspect(Account).column_attrs}
    return frozenset(columns | {"subscription", "billing_info"})


def _account_statement(account_id: int) -> Select[Account]:
    """The account with its subscription and billing info, in one query."""
    return (
        select(Account)
        .options(joinedload(Account.subscription), joinedload(Account.billing_info))
        .where(Account.id == account_id)
        .execution_options(populate_existing=True)
    )


def load_account(account_id: int) -> Account:
    """The account with its subscription and billing info, in one query; not locked.

    The signed-in user's account came with the user (portal.security.load_user): while
    this session holds it with those loaded (nothing expired), it is the answer, with no query.
    """
    held = db.session.identity_map.get(identity_key(Account, account_id))
    if held is not None and not _loaded_by_statement() & sa_inspect(held).unloaded:
        return held
    account = db.session.scalar(_account_statement(account_id))
    if account is None:
        raise LookupError(account_id)
    return account


def _begin_writing() -> bool:
    """Start a writer's transaction; True where rows are locked one by one (PostgreSQL).

    SQLite has no row locks: FOR UPDATE is ignored there. Taking its single write lock
    (BEGIN IMMEDIATE) when the account is loaded serializes every writer of every account,
    which is coarser than PostgreSQL's row lock but gives the same guarantee: what was read
    under the lock is still true when the transaction commits. A transaction that already
    wrote holds that lock already; reads done before are not trusted, the account is read
    again below.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return True
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return False


# Why every lock below is one query and the read another, on PostgreSQL.
#
# A query that waits for a row lock (READ COMMITTED) gets, once the lock is granted, the
# newest version of the locked row only: the rows it joined come from the snapshot the
# query took before it waited. `SELECT accounts JOIN subscriptions FOR UPDATE OF accounts`
# that waited for another payment's settlement returned the fresh account with the
# subscription from before that settlement, and the payment priced a change already made
# (issue #21: one seat change charged twice, the second refunded). So the lock is taken by
# a query of its own, and the account with its subscription and billing info is read by a
# second query, whose snapshot is taken with the lock held: no writer of the account (they
# all take this lock) can have changed anything since. One more round trip per lock, on
# PostgreSQL only; on SQLite the write lock is held before the read starts.


def _fresh_accounts(account_ids: list[int]) -> list[Account]:
    """The accounts with their subscription and billing info, in id order, read now."""
    return list(
        db.session.scalars(
            select(Account)
            .options(joinedload(Account.subscription), joinedload(Account.billing_info))
            .where(Account.id.in_(account_ids))
            .order_by(Account.id)
            .execution_options(populate_existing=True)
        )
    )


def lock_account(account_id: int) -> Account:
    """The account under its lock, for the rest of the transaction; read once the lock is held.

    Raises LookupError for an account that does not exist.
    """
    if _begin_writing():
        locked = db.session.scalar(
            select(Account.id).where(Account.id == account_id).with_for_update()
        )
        if locked is None:
            raise LookupError(account_id)
    account = db.session.scalar(_account_statement(account_id))
    if account is None:
        raise LookupError(account_id)
    return account


def lock_accounts(account_ids: list[int]) -> dict[int, Account]:
    """Several accounts under their locks, taken in id order (so two callers never deadlock),
    read once the locks are held."""
    if _begin_writing():
        account_ids = list(
            db.session.scalars(
                select(Account.id)
                .where(Account.id.in_(account_ids))
                .order_by(Account.id)
                .with_for_update()
            )
        )
    return {account.id: account for account in _fresh_accounts(account_ids)}


def try_lock_accounts(*where: ColumnElement[bool], limit: int) -> list[Account]:
    """Up to `limit` accounts with a subscription matching `where`, in id order, under their
    locks, read once the locks are held; PostgreSQL skips the ones another transaction holds
    (SQLite waits for its lock).

    `where` chose them before their locks were granted: the caller checks again on what is
    returned (an account's subscription may even be gone by then).
    """
    if not _begin_writing():
        return list(
            db.session.scalars(
                select(Account)
                .join(Account.subscription)
                .options(contains_eager(Account.subscription), joinedload(Account.billing_info))
                .where(*where)
                .order_by(Account.id)
                .limit(limit)
                .execution_options(populate_existing=True)
            )
        )
    locked = db.session.scalars(
        select(Account.id)
        .join(Account.subscription)
        .where(*where)
        .order_by(Account.id)
        .limit(limit)
        .with_for_update(of=Account, skip_locked=True)
    ).all()
    return _fresh_accounts(list(locked)) if locked else []


def try_lock_account(account_id: int) -> Account | None:
    """The account under its lock, read once the lock is held; None while another transaction
    holds it (or when it does not exist).

    PostgreSQL skips a locked row instead of waiting; SQLite waits for its write lock.
    """
    if _begin_writing():
        locked = db.session.scalar(
            select(Account.id).where(Account.id == account_id).with_for_update(skip_locked=True)
        )
        if locked is None:
            return None
    return db.session.scalar(_account_statement(account_id))


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


def signing_in_user(email: str) -> User | None:
    """The user who signs in with this address: joined and not removed (one at most).

    Invitations waiting and removed users may share an address with them.
    """
    return db.session.scalar(
        select(User).where(
            func.lower(User.email) == email.strip().lower(),
            User.removed_at.is_(None),
            User.invitation_pending.is_(False),
        )
    )


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None."""
    user = signing_in_user(email)
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
    return sorted(users, key=lambda user: (order[user.role], user.name.lower()))


def account_name(account_id: int) -> str | None:
    """One account's name, for a filter that names it."""
    return db.session.scalar(select(Account.name).where(Account.id == account_id))


def user_names(ids: list[int | None]) -> dict[int, str]:
    """Names of the users who acted on a quote."""
    wanted = [user_id for user_id in ids if user_id is not None]
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def billing_admin_emails(account_id: int) -> list[str]:
    """The e-mail addresses of the account's owner and billing admins who are in the team
    (not removed, invitation accepted): a quote and its PDF go to nobody else."""
    return list(
        db.session.scalars(
            select(User.email)
            .where(
                User.account_id == account_id,
                User.role.in_(BILLING_ROLES),
                User.removed_at.is_(None),
                User.invitation_pending.is_(False),
            )
            .order_by(User.id)
        )
    )
