"""translators: the last reviewed translation of an edit, and a glossary per language

Revision ID: a7c3e9f1b2d4
Revises: f3b8d2a6c1e5
Create Date: 2026-12-08 01:00:00.000000

translation_edits.reviewed_strings: what customers keep seeing while an entry is fuzzy (every
edit saved reviewed so far starts with its own strings). glossary_terms: the terms translators
keep consistent, per language.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9f1b2d4"
down_revision = "f3b8d2a6c1e5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("translation_edits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_strings", sa.JSON(), nullable=True))
    edits = sa.table(
        "translation_edits",
        sa.column("id", sa.Integer()),
        sa.column("strings", sa.JSON()),
        sa.column("reviewed_strings", sa.JSON()),
        sa.column("fuzzy", sa.Boolean()),
    )
    changes = sa.table(
        "translation_changes",
        sa.column("edit_id", sa.Integer()),
        sa.column("revision", sa.Integer()),
        sa.column("strings_after", sa.JSON()),
        sa.column("fuzzy_after", sa.Boolean()),
    )
    op.execute(
        edits.update().where(edits.c.fuzzy == sa.false()).values(reviewed_strings=edits.c.strings)
    )
    # A fuzzy edit keeps its latest change saved reviewed, if it ever had one (else NULL: the
    # catalog file's translation stays what customers see).
    last_reviewed = (
        sa.select(changes.c.strings_after)
        .where(changes.c.edit_id == edits.c.id, changes.c.fuzzy_after == sa.false())
        .order_by(changes.c.revision.desc())
        .limit(1)
        .scalar_subquery()
    )
    op.execute(
        edits.update().where(edits.c.fuzzy == sa.true()).values(reviewed_strings=last_reviewed)
    )
    op.create_table(
        "glossary_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("term_key", sa.String(length=80), nullable=False),
        sa.Column("translation", sa.String(length=120), nullable=False),
        sa.Column("variants", sa.String(length=400), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_glossary_terms_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_terms")),
        sa.UniqueConstraint("language", "term_key", name="uq_glossary_term"),
    )
    with op.batch_alter_table("glossary_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_glossary_terms_updated_by_id"), ["updated_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("glossary_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_glossary_terms_updated_by_id"))
    op.drop_table("glossary_terms")
    with op.batch_alter_table("translation_edits", schema=None) as batch_op:
        batch_op.drop_column("reviewed_strings")
