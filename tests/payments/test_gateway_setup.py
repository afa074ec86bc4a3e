"""Choosing the gateway at start-up."""

from __future__ import annotations

import inspect

import pytest

from portal import create_app
from portal.config import ConfigurationError
from portal.payments.gateway import (
    CardEntry,
    GatewayCapabilities,
    GatewayError,
    PaymentGateway,
    gateway,
)
from portal.payments.sandbox import SandboxGateway
from portal.payments.stripe_gateway import StripeGateway


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


def _declared(protocol: type) -> dict[str, inspect.Signature | None]:
    """What a Protocol declares: each method's signature, None for a plain attribute."""
    members: dict[str, inspect.Signature | None] = dict.fromkeys(protocol.__annotations__)
    for name, value in vars(protocol).items():
        if not name.startswith("_") and callable(value):
            members[name] = inspect.signature(value)
    return members


@pytest.mark.parametrize("gateway_class", [SandboxGateway, StripeGateway])
def test_every_gateway_has_what_the_protocol_declares(gateway_class: type) -> None:
    """Callers use only the Protocol: each gateway answers every call it declares, with the
    same parameters, and says what it offers in `capabilities` (never asked by its class)."""
    declared = _declared(PaymentGateway)
    assert {"capabilities", "start_card_setup", "finish_card_setup", "link_paypal"} <= set(declared)
    for name, signature in declared.items():
        assert hasattr(gateway_class, name), f"{gateway_class.__name__} lacks {name}"
        if signature is not None:
            own = inspect.signature(getattr(gateway_class, name))
            assert list(own.parameters) == list(signature.parameters), name
    assert isinstance(gateway_class.capabilities, GatewayCapabilities)


def test_the_capabilities_say_what_each_gateway_offers() -> None:
    assert SandboxGateway.capabilities == GatewayCapabilities(
        card_entry=CardEntry.PORTAL_FORM, paypal=True, test_cards=True
    )
    assert StripeGateway.capabilities == GatewayCapabilities(
        card_entry=CardEntry.HOSTED_FIELDS, paypal=False, test_cards=False
    )


def test_a_gateway_refuses_what_its_capabilities_do_not_offer() -> None:
    with pytest.raises(GatewayError):
        SandboxGateway().start_card_setup("account-1")
