"""sales quotes, quote requests, contract end of a subscription

Revision ID: 5a1e5c0e7d21
Revises: 7d2e9c4b1a05
Create Date: 2026-11-28 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1e5c0e7d21'
down_revision = '7d2e9c4b1a05'
branch_labels = None
depends_on = None

QUOTE_STATUSES = ('draft', 'sent', 'accepted', 'rejected', 'expired', 'withdrawn')
DISCOUNT_KINDS = ('none', 'percent', 'amount')


def _discount(name):
    return sa.Column(
        name,
        sa.Enum(*DISCOUNT_KINDS, name=f'{name}_value', native_enum=False,
                create_constraint=True, length=10),
        nullable=False,
    )


def upgrade():
    op.create_table(
        'quote_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('plan', sa.String(length=20), nullable=False),
        sa.Column('billing_period', sa.String(length=10), nullable=False),
        sa.Column('agents', sa.Integer(), nullable=False),
        sa.Column('packs', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column(
            'status',
            sa.Enum('open', 'drafted', name='quoterequeststatus_value', native_enum=False,
                    create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('quote_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_requests_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_requests_status'), ['status'], unique=False)

    op.create_table(
        'sales_quotes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column(
            'status',
            sa.Enum(*QUOTE_STATUSES, name='quotestatus_value', native_enum=False,
                    create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column('number', sa.String(length=30), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('sequence', sa.Integer(), nullable=True),
        sa.Column('plan', sa.String(length=20), nullable=False),
        sa.Column('billing_period', sa.String(length=10), nullable=False),
        sa.Column('agents', sa.Integer(), nullable=False),
        sa.Column('packs', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        _discount('agent_discount_kind'),
        sa.Column('agent_discount_value', sa.Numeric(precision=14, scale=2), nullable=False),
        _discount('pack_discount_kind'),
        sa.Column('pack_discount_value', sa.Numeric(precision=14, scale=2), nullable=False),
        _discount('overall_discount_kind'),
        sa.Column('overall_discount_value', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('term_months', sa.Integer(), nullable=False),
        sa.Column('billing_starts_on', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('frozen', sa.JSON(), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('rejection_reason', sa.Text(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id']),
        sa.ForeignKeyConstraint(['request_id'], ['quote_requests.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
        sa.UniqueConstraint('year', 'sequence', name='uq_sales_quotes_year_sequence'),
    )
    with op.batch_alter_table('sales_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_quotes_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quotes_status'), ['status'], unique=False)

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_ends_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('contract_ends_on')
    with op.batch_alter_table('sales_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_quotes_status'))
        batch_op.drop_index(batch_op.f('ix_sales_quotes_account_id'))
    op.drop_table('sales_quotes')
    with op.batch_alter_table('quote_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_requests_status'))
        batch_op.drop_index(batch_op.f('ix_quote_requests_account_id'))
    op.drop_table('quote_requests')
