"""stripe gateway: the Stripe customer of each account, and webhook events handled

Revision ID: 7d2e9c4b1a05
Revises: 4c1f0e2a9b7d
Create Date: 2026-11-28 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d2e9c4b1a05'
down_revision = '4c1f0e2a9b7d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stripe_customers',
        sa.Column('customer', sa.String(length=64), nullable=False),
        sa.Column('stripe_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('customer', name=op.f('pk_stripe_customers')),
        sa.UniqueConstraint('stripe_id', name=op.f('uq_stripe_customers_stripe_id')),
    )
    op.create_table(
        'stripe_events',
        sa.Column('event_id', sa.String(length=80), nullable=False),
        sa.Column('type', sa.String(length=80), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_stripe_events')),
    )


def downgrade():
    op.drop_table('stripe_events')
    op.drop_table('stripe_customers')
