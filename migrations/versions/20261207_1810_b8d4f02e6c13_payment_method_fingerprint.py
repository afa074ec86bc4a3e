"""the gateway's fingerprint of a saved card, to refuse the same card twice

Revision ID: b8d4f02e6c13
Revises: a7c3e91d5b24
Create Date: 2026-12-07 18:10:00.000000

payment_methods.fingerprint: Stripe's fingerprint of the card number (never the number);
empty for the sandbox's cards and for cards saved before, compared by brand, last four and
expiry instead.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d4f02e6c13"
down_revision = "a7c3e91d5b24"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
