"""outgoing e-mails indexed by invoice: the renewal run and payments find a document's e-mail

Revision ID: 3e7a1c5d9b20
Revises: d6408dd1001b
Create Date: 2026-11-28 06:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3e7a1c5d9b20"
down_revision = "d6408dd1001b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_emails_invoice_id"), ["invoice_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_emails_invoice_id"))
