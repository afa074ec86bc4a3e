"""purchase-order number on billing info, quotes and invoices; the quote's number on its invoice

Revision ID: 5c2e8a41d7b3
Revises: 63d762632e0f
Create Date: 2026-12-07 14:40:00.000000

- billing_info.purchase_order: the buyer's reference, printed on the invoices issued from now on.
- sales_quotes.purchase_order: the one a billing admin gave when accepting the quote.
- invoices.purchase_order, invoices.quote_number: what the document was issued with.

Every column is empty for existing rows: issued documents stay as they were.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c2e8a41d7b3"
down_revision = "63d762632e0f"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("billing_info", "sales_quotes", "invoices"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("purchase_order", sa.String(length=35), server_default="", nullable=False)
            )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quote_number", sa.String(length=30), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("quote_number")
    for table in ("invoices", "sales_quotes", "billing_info"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("purchase_order")
