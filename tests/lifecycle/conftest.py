"""The wizard's customers and test clock, for the payment lifecycle's race and crash tests."""

from tests.wizard.conftest import (  # noqa: F401
    app_config,
    clock,
    customer,
    standard_customer,
)
