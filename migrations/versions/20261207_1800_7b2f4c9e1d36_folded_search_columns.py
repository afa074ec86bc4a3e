"""folded search columns: accounts.name_search and billing_info.company_search, trigram-indexed
on PostgreSQL in place of lower(name) and lower(company)

Revision ID: 7b2f4c9e1d36
Revises: 9d41b7e2c6a8
Create Date: 2026-12-07 18:00:00.000000

The back office found "lodz" but not "Łódź": lower() keeps accents, and SQLite's LIKE only
ignores ASCII case. Each searched name is now also stored folded (lower case, no accents, ł as
l, ß as ss: portal.domain.text_folding), written by the models on every change and here for
the rows that exist; the query is folded the same way, so both databases compare plain text.
On PostgreSQL the folded columns get the trigram indexes the lower() expressions had.
"""

import sqlalchemy as sa
from alembic import op

from portal.domain.text_folding import fold_for_search

# revision identifiers, used by Alembic.
revision = "7b2f4c9e1d36"
down_revision = "9d41b7e2c6a8"
branch_labels = None
depends_on = None

# table -> (key column, source column, folded column, new trigram index, the one it replaces)
FOLDED = {
    "accounts": (
        "id",
        "name",
        "name_search",
        "ix_accounts_name_search_trgm",
        "ix_accounts_name_trgm",
    ),
    "billing_info": (
        "account_id",
        "company",
        "company_search",
        "ix_billing_info_company_search_trgm",
        "ix_billing_info_company_trgm",
    ),
}
BATCH = 1000


def _fill(table: str, key: str, source: str, folded: str) -> None:
    """Fold every existing row's text, a batch of rows at a time."""
    bind = op.get_bind()
    rows = sa.table(table, sa.column(key), sa.column(source), sa.column(folded))
    last = None
    while True:
        query = sa.select(rows.c[key], rows.c[source]).order_by(rows.c[key]).limit(BATCH)
        if last is not None:
            query = query.where(rows.c[key] > last)
        batch = bind.execute(query).all()
        if not batch:
            return
        bind.execute(
            rows.update().where(rows.c[key] == sa.bindparam("row_key")),
            [{"row_key": row[0], folded: fold_for_search(row[1] or "")} for row in batch],
        )
        last = batch[-1][0]


def _has_trigrams() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bool(
        bind.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    )


def upgrade():
    for table, (key, source, folded, _index, _old) in FOLDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(folded, sa.Text(), nullable=True))
        _fill(table, key, source, folded)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(folded, existing_type=sa.Text(), nullable=False)
    if _has_trigrams():
        # Where pg_trgm could not be created (075bd1a96616 warned), the search reads the rows.
        for table, (_key, _source, folded, index, old) in FOLDED.items():
            op.execute(f"DROP INDEX IF EXISTS {old}")
            op.execute(
                f"CREATE INDEX {index} ON {table} USING gin ({folded} gin_trgm_ops) "
                "WITH (fastupdate = off)"
            )


def downgrade():
    if _has_trigrams():
        for table, (_key, source, _folded, index, old) in FOLDED.items():
            op.execute(f"DROP INDEX IF EXISTS {index}")
            op.execute(
                f"CREATE INDEX {old} ON {table} USING gin (lower({source}) gin_trgm_ops) "
                "WITH (fastupdate = off)"
            )
    for table, (_key, _source, folded, _index, _old) in FOLDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(folded)
