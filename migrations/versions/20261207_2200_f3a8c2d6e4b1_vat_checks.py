"""vat checks: the EU VAT registry's (VIES) answers about customers' VAT IDs

Revision ID: f3a8c2d6e4b1
Revises: e1f0a4c7b9d2
Create Date: 2026-12-07 22:00:00.000000

One row per consultation (valid, invalid or unknown, with its reason and consultation
number); the latest definite answer for a billing info's VAT ID decides reverse charge.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3a8c2d6e4b1"
down_revision = "e1f0a4c7b9d2"
branch_labels = None
depends_on = None

VERDICTS = ("valid", "invalid", "unknown")


def upgrade():
    op.create_table(
        "vat_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("vat_id", sa.String(length=20), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                *VERDICTS,
                name="vat_check_verdict",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("consultation_number", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_vat_checks_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vat_checks")),
    )
    with op.batch_alter_table("vat_checks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vat_checks_account_vat_id", ["account_id", "vat_id", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("vat_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_vat_checks_account_vat_id")
    op.drop_table("vat_checks")
