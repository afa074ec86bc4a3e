"""The EU VAT registry online: a fake VIES on a loopback port, and the app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.models import Role
from tests.quotes.conftest import setting  # noqa: F401
from tests.vies.fake_vies import FakeVies, RunningFake
from tests.wizard.conftest import Customer, customer  # noqa: F401

GERMAN_VAT_ID = "DE136695976"
# The portal stops waiting after this long; the fake's slow answer comes later.
TIMEOUT = 0.5


@pytest.fixture(scope="session")
def vies_server() -> Iterator[FakeVies]:
    """One fake registry per test process."""
    with RunningFake() as fake:
        fake.slow_seconds = TIMEOUT * 3
        yield fake


@pytest.fixture
def fake_vies(vies_server: FakeVies) -> Iterator[FakeVies]:
    """The fake, answering valid to everything until a test says otherwise."""
    vies_server.reset()
    yield vies_server
    vies_server.reset()


@pytest.fixture
def app_config(fake_vies: FakeVies) -> dict[str, object]:
    """VIES on, asked at the fake."""
    return {"VIES_ENABLED": True, "VIES_WSDL_URL": fake_vies.wsdl_url, "VIES_TIMEOUT": TIMEOUT}


@pytest.fixture
def german_customer(app, client, auth, factory) -> Customer:
    """A Free German company's billing admin, signed in; its VAT ID was never checked."""
    account_id = factory.account("Muster GmbH", country="DE", vat_id=GERMAN_VAT_ID)
    factory.user("billing@muster.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@muster.example.com")
    return Customer(client, app, account_id)
