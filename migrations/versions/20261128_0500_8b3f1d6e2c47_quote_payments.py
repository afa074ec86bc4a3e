"""quote payments: a payment can pay the first invoice of an accepted sales quote

Revision ID: 8b3f1d6e2c47
Revises: 5a1e5c0e7d21
Create Date: 2026-11-28 05:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8b3f1d6e2c47'
down_revision = '5a1e5c0e7d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sales_quote_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_sales_quote_id'), ['sales_quote_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_payments_sales_quote_id_sales_quotes'), 'sales_quotes', ['sales_quote_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_sales_quote_id_sales_quotes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payments_sales_quote_id'))
        batch_op.drop_column('sales_quote_id')
