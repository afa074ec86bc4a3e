"""The wizard's customers and test clock, for the seat page tests."""

from tests.wizard.conftest import (  # noqa: F401
    Customer,
    clock,
    customer,
    standard_customer,
)
