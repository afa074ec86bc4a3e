"""The wizard's customers, for the seat page tests; renewal test data."""

from datetime import date

from tests.wizard.conftest import (  # noqa: F401
    Customer,
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
    token = factory.default_card(account_id, behaviour)
    return account_id, token
