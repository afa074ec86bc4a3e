"""letters of intent, and the Italian e-invoice delivery fields of billing info

Revision ID: f3b6d2a8c410
Revises: f3a8c2d6e4b1
Create Date: 2026-12-07 22:00:00.000000

Billing info gets the SdI recipient code, the PEC address and the tax code (empty for
customers outside Italy); letters_of_intent keeps each uploaded letter with its ceiling and
what invoices used of it (the database refuses more than the ceiling).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b6d2a8c410"
down_revision = "f3a8c2d6e4b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "has_letter_of_intent", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("billing_info", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recipient_code", sa.String(length=7), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("pec", sa.String(length=254), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("tax_code", sa.String(length=16), server_default="", nullable=False)
        )
    op.create_table(
        "letters_of_intent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("protocol", sa.String(length=24), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("ceiling_minor", sa.BigInteger(), nullable=False),
        sa.Column("used_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("used_minor >= 0", name=op.f("ck_letters_of_intent_used_not_negative")),
        sa.CheckConstraint(
            "used_minor <= ceiling_minor", name=op.f("ck_letters_of_intent_used_within_ceiling")
        ),
        sa.CheckConstraint("ceiling_minor > 0", name=op.f("ck_letters_of_intent_ceiling_positive")),
        sa.CheckConstraint(
            "valid_from <= valid_to", name=op.f("ck_letters_of_intent_valid_dates_in_order")
        ),
        sa.CheckConstraint(
            "state IN ('submitted', 'approved', 'rejected', 'withdrawn')",
            name=op.f("ck_letters_of_intent_known_state"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_letters_of_intent_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_letters_of_intent_uploaded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_letters_of_intent_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters_of_intent")),
    )
    with op.batch_alter_table("letters_of_intent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letters_of_intent_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_letters_of_intent_state_created", ["state", "created_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("letters_of_intent", schema=None) as batch_op:
        batch_op.drop_index("ix_letters_of_intent_state_created")
        batch_op.drop_index(batch_op.f("ix_letters_of_intent_account_id"))
    op.drop_table("letters_of_intent")
    with op.batch_alter_table("billing_info", schema=None) as batch_op:
        batch_op.drop_column("tax_code")
        batch_op.drop_column("pec")
        batch_op.drop_column("recipient_code")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("has_letter_of_intent")
