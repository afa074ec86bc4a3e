"""Payments: the gateway interface, the built-in sandbox gateway and its customer pages, and
the way back from a payment for every purpose (`routes`)."""

from __future__ import annotations

import os

from flask import Flask

from portal.config import ConfigurationError

# Imported whatever the configured gateway, so the sandbox's tables are always in the
# metadata and migrations never depend on a setting.
from portal.payments import sandbox, stripe_gateway
from portal.payments.gateway import EXTENSION_KEY, PaymentGateway
from portal.payments.sandbox_routes import bp as sandbox_bp

GATEWAYS = ("sandbox", "stripe")


def init_app(app: Flask) -> None:
    """Install the gateway named by PAYMENT_GATEWAY (default: the sandbox) and its pages."""
    name = app.config.setdefault("PAYMENT_GATEWAY", os.environ.get("PAYMENT_GATEWAY", "sandbox"))
    if name not in GATEWAYS:
        raise ConfigurationError(
            f"PAYMENT_GATEWAY={name!r} is not a known payment gateway. "
            f"Known gateways: {', '.join(GATEWAYS)}."
        )
    if name == "stripe":
        from portal.payments.stripe_routes import bp as stripe_bp

        settings = stripe_gateway.StripeSettings.from_config(app.config)
        installed: PaymentGateway = stripe_gateway.StripeGateway(settings)
        app.extensions[EXTENSION_KEY] = installed
        app.register_blueprint(stripe_bp)
        return
    installed = sandbox.SandboxGateway()
    app.extensions[EXTENSION_KEY] = installed
    app.register_blueprint(sandbox_bp)
