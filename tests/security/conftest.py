"""A signed-in billing admin with a card, and a helper to read the account's methods."""

from __future__ import annotations

from tests.wizard.conftest import Customer, customer  # noqa: F401
