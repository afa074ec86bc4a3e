"""A real server killed with SIGKILL at each step boundary of a payment, then reconciled.

For every kill point, on SQLite and PostgreSQL: either one charge with its invoice, or no
charge at all; never a charge without an invoice or a refund, and nothing left in flight.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Invoice, Payment, PaymentStatus, Role
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from tests.clock import PINNED_NOW, Clock, server_clock
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
KILL_POINTS = ["row_committed", "gateway_created", "gateway_confirmed", "before_settlement_commit"]
EMAIL = "owner@crash.example.com"


@pytest.fixture
def clock() -> Clock:
    """The reconciliation runs five minutes after the servers start their clocks."""
    return Clock(PINNED_NOW + timedelta(minutes=5))


def _free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`flask run` in its own process, on the test's database."""

    def __init__(self, database_url: str, tmp_path: Path, kill_at: str | None) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "PORTAL_ENV": "testing",
            "DATABASE_URL": database_url,
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            **server_clock(Clock(PINNED_NOW)),
        }
        env.pop("PAYMENT_KILL_AT", None)
        if kill_at:
            env["PAYMENT_KILL_AT"] = kill_at
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "portal",
                "run",
                "--no-reload",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not start")

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """End it if it still runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)


class Browser:
    """Cookies and forms over real HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def get(self, path: str) -> str:
        """The page's HTML."""
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str]) -> int:
        """Submit a form; the status code (a connection dropped by the kill is 0)."""
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, ConnectionError, http.client.RemoteDisconnected):
            return 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects instead of following them."""

    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _form(html: str, css_class: str) -> dict[str, str]:
    """The named inputs of a form as a browser submits them."""
    start = html.index(f'class="{css_class}"')
    form = html[start : html.index("</form>", start)]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or ('type="radio"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = value.group(1) if value else ""
    return values


def _csrf(html: str) -> str:
    """The page's CSRF token."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _pay_until_killed(server: Server) -> int:
    """Sign in, add a card, press Pay for Standard with one agent."""
    browser = Browser(server.url)
    login = browser.get("/login")
    assert (
        browser.post("/login", {"csrf_token": _csrf(login), "email": EMAIL, "password": PASSWORD})
        == 302
    )
    methods = browser.get("/billing/payment-methods/")
    card = {
        "holder": "Ada",
        "number": "4242 4242 4242 4242",
        "expiry": "12/30",
        "cvc": "123",
        "make_default": "y",
        "csrf_token": _csrf(methods),
    }
    assert browser.post("/billing/payment-methods/cards", card) == 302
    step = browser.get("/package/edit/payment?plan=standard&period=monthly&currency=EUR&agents=1")
    return browser.post("/package/edit/pay", _form(step, "pay-form"))


def _outcome(app) -> dict[str, int]:
    """Charges, refunds, invoices and payments still in flight."""
    with app.app_context():
        count = lambda model, *where: db.session.scalar(  # noqa: E731
            select(func.count()).select_from(model).where(*where)
        )
        return {
            "charged": count(SandboxCharge, SandboxCharge.status == "succeeded"),
            "refunds": count(SandboxRefund),
            "invoices": count(Invoice),
            "paid": count(Payment, Payment.status == PaymentStatus.SUCCEEDED),
            "in_flight": count(
                Payment,
                Payment.status.in_(
                    [PaymentStatus.CREATED, PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION]
                ),
            ),
        }


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_a_crash_at_any_step_ends_in_one_charge_with_its_invoice_or_none(
    app, factory, runner, database_urls, backend, tmp_path, kill_at
):
    account_id = factory.account("Crash S.r.l.")
    factory.user(EMAIL, Role.OWNER, account_id)
    server = Server(database_urls[backend], tmp_path, kill_at)
    try:
        status = _pay_until_killed(server)
        server.process.wait(timeout=30)
    finally:
        server.stop()
    assert status == 0, "the server answered instead of dying"
    assert server.process.returncode == -signal.SIGKILL

    restarted = Server(database_urls[backend], tmp_path, None)
    try:
        assert "Crash S.r.l." not in Browser(restarted.url).get("/login")  # serves again
        result = runner.invoke(args=["billing", "reconcile"])
        assert result.exit_code == 0, result.output
    finally:
        restarted.stop()

    after = _outcome(app)
    assert after["in_flight"] == 0
    assert after["refunds"] == 0
    if kill_at in ("row_committed", "gateway_created"):
        # The card was never confirmed: no money moved, and the gateway object is cancelled.
        assert (after["charged"], after["invoices"], after["paid"]) == (0, 0, 0)
    else:
        # Charged before the crash: the reconciliation settles it with its invoice.
        assert (after["charged"], after["invoices"], after["paid"]) == (1, 1, 1)
