"""My package as the wizard's customers see it."""

from tests.wizard.conftest import (  # noqa: F401
    Customer,
    customer,
    standard_customer,
)
