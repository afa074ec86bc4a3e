"""invoice list indexes: an account's invoices newest first, all or by status

Revision ID: e3a91c5b7f20
Revises: 3e7a1c5d9b20
Create Date: 2026-11-28 07:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e3a91c5b7f20"
down_revision = "3e7a1c5d9b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoices_account_issued", ["account_id", "issued_on", "id"], unique=False
        )
        batch_op.create_index(
            "ix_invoices_account_status_issued",
            ["account_id", "status", "issued_on", "id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_account_status_issued")
        batch_op.drop_index("ix_invoices_account_issued")
