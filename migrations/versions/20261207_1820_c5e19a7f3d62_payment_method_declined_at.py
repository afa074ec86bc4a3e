"""when the bank last declined a saved payment method

Revision ID: c5e19a7f3d62
Revises: b8d4f02e6c13
Create Date: 2026-12-07 18:20:00.000000

payment_methods.declined_at: set when a payment with the method is declined by the bank,
cleared when one succeeds; a declined default is flagged on My package until it is replaced.
Filled for the methods whose latest settled payment was declined.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e19a7f3d62"
down_revision = "b8d4f02e6c13"
branch_labels = None
depends_on = None

# The completion time of each method's latest settled payment, where that one was declined.
BACKFILL = """
UPDATE payment_methods SET declined_at = (
    SELECT latest.completed_at FROM payments AS latest
    WHERE latest.status = 'declined' AND latest.id = (
        SELECT settled.id FROM payments AS settled
        WHERE settled.method_id = payment_methods.id
          AND settled.status IN ('succeeded', 'declined')
        ORDER BY settled.id DESC
        LIMIT 1
    )
)
"""


def upgrade():
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text(BACKFILL))


def downgrade():
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_column("declined_at")
