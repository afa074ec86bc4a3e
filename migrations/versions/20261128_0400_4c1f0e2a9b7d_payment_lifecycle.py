"""payment lifecycle: typed states, refund reasons, the method kept on the payment

Revision ID: 4c1f0e2a9b7d
Revises: 9e70c81e844e
Create Date: 2026-11-28 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '4c1f0e2a9b7d'
down_revision = '9e70c81e844e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.alter_column('quote', new_column_name='breakdown')
        batch_op.add_column(sa.Column('method_kind', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('method_token', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('refund_reason', sa.String(length=30), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)

    with op.batch_alter_table('sandbox_charges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('off_session', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.alter_column('status', type_=sa.String(length=24), existing_type=sa.String(length=20))

    # Existing rows in the new states: a PayPal approval is an action like 3-D Secure, a
    # payment given up is abandoned, and money given back is a refund with its reason.
    op.execute(
        "UPDATE payments SET method_kind = (SELECT kind FROM payment_methods"
        " WHERE payment_methods.id = payments.method_id),"
        " method_token = (SELECT token FROM payment_methods"
        " WHERE payment_methods.id = payments.method_id)"
    )
    op.execute(
        "UPDATE payments SET method_kind = CASE WHEN method_label LIKE 'PayPal%' THEN 'paypal'"
        " ELSE 'card' END WHERE method_kind IS NULL AND method_label <> ''"
    )
    op.execute("UPDATE payments SET status = 'requires_action' WHERE status = 'requires_approval'")
    op.execute(
        "UPDATE payments SET status = 'refunded', refund_reason = decline_code, decline_code = NULL"
        " WHERE decline_code IN ('confirmed_too_late', 'invoice_closed')"
    )
    op.execute(
        "UPDATE payments SET status = 'abandoned', decline_code = NULL"
        " WHERE decline_code = 'abandoned'"
    )
    op.execute(
        "UPDATE payments SET status = 'refunded', refund_reason = 'full_refund'"
        " WHERE status = 'succeeded' AND refunded_at IS NOT NULL"
    )


def downgrade():
    op.execute("UPDATE payments SET decline_code = refund_reason, status = 'declined'"
               " WHERE status = 'refunded' AND refund_reason <> 'full_refund'")
    op.execute("UPDATE payments SET status = 'succeeded' WHERE status = 'refunded'")
    op.execute("UPDATE payments SET status = 'declined', decline_code = 'abandoned'"
               " WHERE status = 'abandoned'")
    op.execute("UPDATE payments SET status = 'processing' WHERE status = 'created'")
    with op.batch_alter_table('sandbox_charges', schema=None) as batch_op:
        batch_op.alter_column('status', type_=sa.String(length=20), existing_type=sa.String(length=24))
        batch_op.drop_column('off_session')
        batch_op.drop_column('customer')

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))
        batch_op.drop_column('refund_reason')
        batch_op.drop_column('basis')
        batch_op.drop_column('method_token')
        batch_op.drop_column('method_kind')
        batch_op.alter_column('breakdown', new_column_name='quote')
