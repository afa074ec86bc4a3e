"""Choosing the gateway at start-up."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigurationError
from portal.payments.gateway import gateway
from portal.payments.sandbox import SandboxGateway


def test_the_sandbox_is_the_default_gateway() -> None:
    app = create_app({"TESTING": True})
    assert app.config["PAYMENT_GATEWAY"] == "sandbox"
    with app.app_context():
        assert isinstance(gateway(), SandboxGateway)
    assert "sandbox.challenge" in app.view_functions


def test_an_unknown_gateway_stops_start_up_with_a_clear_error() -> None:
    with pytest.raises(
        ConfigurationError, match=r"PAYMENT_GATEWAY='adyen'.*Known gateways: sandbox, stripe"
    ):
        create_app({"TESTING": True, "PAYMENT_GATEWAY": "adyen"})
