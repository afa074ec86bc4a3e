"""A local Stripe-compatible server (localstripe, from PyPI) started by the tests themselves."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.models import Role
from tests.conftest import Auth

PUBLISHABLE_KEY = "pk_test_portal"
WEBHOOK_SECRET = "whsec_portal_test"


@dataclass(frozen=True)
class LocalStripe:
    """Where the local Stripe server listens."""

    base: str

    def flush(self) -> None:
        """Forget every object, so each test starts empty."""
        url = f"{self.base}/_config/data"
        request = urllib.request.Request(url, method="DELETE")  # noqa: S310 - loopback server
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310

    def post(self, path: str, data: dict) -> tuple[int, dict]:
        """What Stripe.js posts from the browser (JSON body, the publishable key inside)."""
        body = json.dumps({"key": PUBLISHABLE_KEY, **data}).encode()
        request = urllib.request.Request(f"{self.base}{path}", body, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def _free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """The localstripe server on a loopback port, for the whole run."""
    port = _free_port()
    log = tmp_path_factory.mktemp("localstripe") / "server.log"
    with Path(log).open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"localstripe did not start: {log.read_text()}")
    yield LocalStripe(base)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def app_config(localstripe: LocalStripe) -> dict[str, object]:
    """The Stripe gateway against the local server."""
    localstripe.flush()
    return {
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_portal",
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": localstripe.base,
        "STRIPE_JS_URL": f"{localstripe.base}/js.stripe.com/v3/",
    }


@pytest.fixture
def stripe_customer(app, client, factory):
    """A Free Italian company's billing admin, signed in, on the Stripe gateway."""
    from tests.wizard.conftest import Customer

    account_id = factory.account("Bottega S.r.l.", country="IT")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    Auth(client).login("billing@bottega.example.com")
    return Customer(client, app, account_id)
