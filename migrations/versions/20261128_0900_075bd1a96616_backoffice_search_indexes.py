"""back office search indexes: trigram indexes for "contains" searches (PostgreSQL); and two
for the invoices page: corrects_id, (account_id, year)

Revision ID: 075bd1a96616
Revises: e3a91c5b7f20
Create Date: 2026-11-28 09:00:00.000000

The back office searches accounts by any part of a name, an e-mail or a VAT ID
(portal.backoffice.queries): a LIKE '%...%' no B-tree can serve. On PostgreSQL, pg_trgm's
GIN indexes serve it, each column on its own (the search is a UNION of one SELECT a column).
pg_trgm ships with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13, so
the database owner may create it; where it cannot be created the indexes are skipped with a
warning and the search still works, by reading every row. SQLite has no such index; there the
search reads the tables (5 000 accounts: about a millisecond).

invoices.corrects_id: a credit note finds the invoice it corrects by primary key, but the
other way (the credit notes of an invoice, a refunded invoice in a list) read every document
of the account without it. invoices (account_id, year): the years an account has documents
in, read from the index alone instead of every document.
"""

import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "075bd1a96616"
down_revision = "e3a91c5b7f20"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# index name -> (table, indexed expression); the queries must use the same expression.
TRIGRAM_INDEXES = {
    "ix_accounts_name_trgm": ("accounts", "lower(name)"),
    "ix_billing_info_company_trgm": ("billing_info", "lower(company)"),
    "ix_billing_info_billing_email_trgm": ("billing_info", "lower(billing_email)"),
    "ix_billing_info_vat_id_trgm": ("billing_info", "vat_id"),
    "ix_users_email_trgm": ("users", "lower(email)"),
}


def _trigrams_available() -> bool:
    """Create pg_trgm if it is missing; False (and nothing changed) where that is refused."""
    bind = op.get_bind()
    if bind.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        return True
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning(
            "pg_trgm could not be created (%s): the back office search works without its "
            "indexes, reading every account (create the extension, then downgrade and "
            "upgrade this revision to index it)",
            error.orig,
        )
        return False
    savepoint.commit()
    return True


def upgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_corrects_id", ["corrects_id"], unique=False)
        batch_op.create_index("ix_invoices_account_year", ["account_id", "year"], unique=False)
    if op.get_bind().dialect.name != "postgresql" or not _trigrams_available():
        return
    for name, (table, expression) in TRIGRAM_INDEXES.items():
        # fastupdate off: a new account goes straight into the index instead of a pending
        # list that only VACUUM merges and that the planner prices as a reason not to use it.
        op.execute(
            f"CREATE INDEX {name} ON {table} USING gin ({expression} gin_trgm_ops) "
            "WITH (fastupdate = off)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_account_year")
        batch_op.drop_index("ix_invoices_corrects_id")
