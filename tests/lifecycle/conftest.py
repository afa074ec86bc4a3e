"""The wizard's customers, for the payment lifecycle's race and crash tests."""

from tests.wizard.conftest import (  # noqa: F401
    customer,
    standard_customer,
)
