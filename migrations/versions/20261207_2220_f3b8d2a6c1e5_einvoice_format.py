"""the e-invoice format a business customer in the EU receives: PDF, Factur-X or UBL

Revision ID: f3b8d2a6c1e5
Revises: f3b6d2a8c410
Create Date: 2026-12-07 22:00:00.000000

billing_info.einvoice_format: "pdf" (every existing row), "facturx" or "ubl".
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b8d2a6c1e5"
down_revision = "f3b6d2a8c410"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("billing_info", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("einvoice_format", sa.String(length=10), server_default="pdf", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("billing_info", schema=None) as batch_op:
        batch_op.drop_column("einvoice_format")
