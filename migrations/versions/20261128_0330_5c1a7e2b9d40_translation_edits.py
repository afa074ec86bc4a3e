"""translation edits, their history and the catalog version

Revision ID: 5c1a7e2b9d40
Revises: 8b3f1d6e2c47
Create Date: 2026-11-28 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1a7e2b9d40'
down_revision = '8b3f1d6e2c47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'catalog_versions',
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('language', name=op.f('pk_catalog_versions')),
    )
    op.create_table(
        'translation_edits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('entry_key', sa.String(length=64), nullable=False),
        sa.Column('context', sa.Text(), nullable=True),
        sa.Column('msgid', sa.Text(), nullable=False),
        sa.Column('msgid_plural', sa.Text(), nullable=True),
        sa.Column('strings', sa.JSON(), nullable=False),
        sa.Column('fuzzy', sa.Boolean(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('exported_revision', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_by_name', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'],
            name=op.f('fk_translation_edits_updated_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_edits')),
        sa.UniqueConstraint('language', 'entry_key', name='uq_translation_edit_entry'),
    )
    with op.batch_alter_table('translation_edits', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_translation_edits_updated_by_id'), ['updated_by_id'], unique=False
        )
    op.create_table(
        'translation_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edit_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('user_name', sa.String(length=120), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('strings_before', sa.JSON(), nullable=False),
        sa.Column('strings_after', sa.JSON(), nullable=False),
        sa.Column('fuzzy_before', sa.Boolean(), nullable=False),
        sa.Column('fuzzy_after', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['edit_id'], ['translation_edits.id'],
            name=op.f('fk_translation_changes_edit_id_translation_edits'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_translation_changes_user_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_changes')),
    )
    with op.batch_alter_table('translation_changes', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_translation_changes_edit_id'), ['edit_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('translation_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translation_changes_edit_id'))
    op.drop_table('translation_changes')
    with op.batch_alter_table('translation_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translation_edits_updated_by_id'))
    op.drop_table('translation_edits')
    op.drop_table('catalog_versions')
