"""one owner per account, enforced by the database; an address signs in as one user only

Revision ID: 63d762632e0f
Revises: 075bd1a96616
Create Date: 2026-12-07 01:10:00.000000

- uq_users_one_owner: a unique partial index over the owner of each account, so two team
  changes at once can never leave two owners (the code also makes them under the account's
  lock). ck_users_owner_signs_in: the owner is never removed nor an invitation waiting.
- uq_users_email: the address was unique over every user, so inviting an address in use
  elsewhere had to be refused, telling the owner that someone else uses it. Now an address
  signs in as one user only (uq_users_email_signs_in, over joined users not removed), and an
  account has one user per address (uq_users_account_email); an invitation to an address in
  use elsewhere is made like any other, and accepting it is refused to the invited person.

Rows that break the new rules (left by the races this fixes) are repaired first, each named
in the log: an owner removed or still invited becomes a billing admin; of several owners of
one account the first (lowest id) stays owner and the others become billing admins.
Accounts left without an owner are logged for support to name one.

Works on SQLite (batch mode recreates the table) and PostgreSQL. The downgrade puts the
unique address back and fails if two users share an address by then.
"""

import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "63d762632e0f"
down_revision = "075bd1a96616"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

SIGNS_IN = "NOT invitation_pending AND removed_at IS NULL"
OWNER = "role = 'owner'"

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("account_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("removed_at", sa.DateTime),
    sa.column("invitation_pending", sa.Boolean),
)


def _repair_owners() -> None:
    """Make the existing rows fit: one active owner at most per account."""
    bind = op.get_bind()
    inactive = bind.execute(
        sa.select(users.c.id, users.c.account_id).where(
            users.c.role == "owner",
            sa.or_(users.c.removed_at.is_not(None), users.c.invitation_pending.is_(True)),
        )
    ).all()
    for user_id, account_id in inactive:
        log.warning(
            "user %s of account %s was an owner removed or not joined: now a billing admin",
            user_id,
            account_id,
        )
        bind.execute(users.update().where(users.c.id == user_id).values(role="billing_admin"))
    owners = bind.execute(
        sa.select(users.c.id, users.c.account_id)
        .where(users.c.role == "owner")
        .order_by(users.c.account_id, users.c.id)
    ).all()
    seen: set[int] = set()
    for user_id, account_id in owners:
        if account_id in seen:
            log.warning(
                "account %s had several owners: user %s is now a billing admin",
                account_id,
                user_id,
            )
            bind.execute(users.update().where(users.c.id == user_id).values(role="billing_admin"))
        seen.add(account_id)
    orphans = bind.execute(
        sa.select(users.c.account_id)
        .distinct()
        .where(
            users.c.account_id.is_not(None),
            users.c.removed_at.is_(None),
            users.c.account_id.not_in(sa.select(users.c.account_id).where(users.c.role == "owner")),
        )
    ).scalars()
    for account_id in orphans:
        log.warning("account %s has no owner: name one (support)", account_id)


def upgrade():
    _repair_owners()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_email"), type_="unique")
        batch_op.create_check_constraint(
            batch_op.f("ck_users_owner_signs_in"), f"role <> 'owner' OR ({SIGNS_IN})"
        )
        batch_op.create_index(
            "uq_users_one_owner",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text(OWNER),
            postgresql_where=sa.text(OWNER),
        )
        batch_op.create_index(
            "uq_users_email_signs_in",
            ["email"],
            unique=True,
            sqlite_where=sa.text(SIGNS_IN),
            postgresql_where=sa.text(SIGNS_IN),
        )
        batch_op.create_index("uq_users_account_email", ["account_id", "email"], unique=True)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("uq_users_account_email")
        batch_op.drop_index("uq_users_email_signs_in")
        batch_op.drop_index("uq_users_one_owner")
        batch_op.drop_constraint(batch_op.f("ck_users_owner_signs_in"), type_="check")
        batch_op.create_unique_constraint(batch_op.f("uq_users_email"), ["email"])
