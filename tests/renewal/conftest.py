"""The wizard's customers and test clock, for the seat page tests; renewal test data."""

import secrets
from datetime import date

from portal.extensions import db
from portal.models import PaymentMethod
from tests.wizard.conftest import (  # noqa: F401
    Customer,
    clock,
    customer,
    standard_customer,
)


def due_account(
    app, factory, name: str, anchor: date, behaviour: str = "succeed"
) -> tuple[int, str]:
    """An account whose monthly period started on `anchor`, with a default sandbox card that
    behaves as named when charged; returns the account's id and the card's token."""
    account_id = factory.account(name)
    factory.subscription(account_id, anchor=anchor)
    token = f"tok_{behaviour}_{secrets.token_hex(12)}"
    with app.app_context():
        db.session.add(
            PaymentMethod(
                account_id=account_id,
                kind="card",
                brand="Visa",
                last4="4242",
                exp_month=12,
                exp_year=2030,
                token=token,
                is_default=True,
            )
        )
        db.session.commit()
    return account_id, token
