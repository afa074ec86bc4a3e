"""Billing info is changed by the wizard's customers, on invoices issued for them."""

from tests.invoices.conftest import (  # noqa: F401
    Customer,
    credit,
    customer,
    issue,
    other_account_invoice,
    standard_customer,
)
