"""Refunds are asked for by the wizard's customers."""

from tests.wizard.conftest import (  # noqa: F401
    Customer,
    customer,
    standard_customer,
)
