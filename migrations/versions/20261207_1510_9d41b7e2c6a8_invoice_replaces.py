"""an invoice reissued on request names the invoice it replaces

Revision ID: 9d41b7e2c6a8
Revises: 5c2e8a41d7b3
Create Date: 2026-12-07 15:10:00.000000

invoices.replaces_id: set on the new invoice of a reissue; the old one is cancelled by a
credit note (change kind "reissue") that names it in corrects_id.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d41b7e2c6a8"
down_revision = "5c2e8a41d7b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_invoices_replaces_id_invoices", "invoices", ["replaces_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invoices_replaces_id_invoices", type_="foreignkey")
        batch_op.drop_column("replaces_id")
