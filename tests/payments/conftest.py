"""Payments as the wizard's customers make them."""

from tests.wizard.conftest import (  # noqa: F401
    Customer,
    customer,
    standard_customer,
)
