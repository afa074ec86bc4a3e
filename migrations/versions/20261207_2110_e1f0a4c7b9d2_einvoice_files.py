"""e-invoice files: the FatturaPA XML of each issued document and its transmission state

Revision ID: e1f0a4c7b9d2
Revises: c5e19a7f3d62
Create Date: 2026-12-07 21:10:00.000000

One row per file: a rejected file is fixed and sent again as a new row under a new file name.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e1f0a4c7b9d2"
down_revision = "c5e19a7f3d62"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "einvoice_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=40), nullable=False),
        sa.Column("progressive", sa.String(length=5), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sdi_id", sa.String(length=20), server_default="", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exchange_rate", sa.Numeric(precision=12, scale=6), nullable=True),
        sa.Column("exchange_rate_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_einvoice_files_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_einvoice_files")),
        sa.UniqueConstraint("file_name", name=op.f("uq_einvoice_files_file_name")),
    )
    with op.batch_alter_table("einvoice_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_einvoice_files_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            "ix_einvoice_files_state_created", ["state", "created_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("einvoice_files", schema=None) as batch_op:
        batch_op.drop_index("ix_einvoice_files_state_created")
        batch_op.drop_index(batch_op.f("ix_einvoice_files_invoice_id"))
    op.drop_table("einvoice_files")
