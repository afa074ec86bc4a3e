"""the customer's own cancellation is not a decline

Revision ID: a7c3e91d5b24
Revises: 7b2f4c9e1d36
Create Date: 2026-12-07 18:00:00.000000

PayPal's Cancel and a failed or closed 3-D Secure step were recorded as declines, which
made the customer wait an hour before trying the method again: those payments become
``cancelled`` (nothing was charged, nothing waits). Their billing activity stays as it was
written.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e91d5b24"
down_revision = "7b2f4c9e1d36"
branch_labels = None
depends_on = None

CUSTOMER_CANCELLATIONS = ("authentication_failed", "paypal_cancelled")

payments = sa.table(
    "payments", sa.column("status", sa.String(20)), sa.column("decline_code", sa.String(40))
)


def upgrade():
    op.execute(
        payments.update()
        .where(
            payments.c.status == "declined",
            payments.c.decline_code.in_(CUSTOMER_CANCELLATIONS),
        )
        .values(status="cancelled")
    )


def downgrade():
    op.execute(
        payments.update().where(payments.c.status == "cancelled").values(status="declined")
    )
