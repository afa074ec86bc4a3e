"""A real SMTP server on loopback, a test clock, and a billing admin ready to buy."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Invoice, OutgoingEmail, Payment, Role
from tests.wizard.conftest import Customer

STANDARD_TWO = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "2"}
BILLING_EMAIL = "billing@bottega.example.com"
REFUSAL = "451 4.3.0 try again later"


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """Keeps every accepted message; can refuse the next DATA commands, or answer slowly."""

    received: list[Received] = field(default_factory=list)
    refusals_left: int = 0
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set when a message's DATA arrives, before the (slow) answer.
    answering: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope) -> str:
        """Refuse while refusals are left, else record the message."""
        self.answering.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refusals_left:
                self.refusals_left -= 1
                return REFUSAL
            parsed = message_from_bytes(envelope.original_content, policy=policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 OK"


@dataclass
class SmtpServer:
    """The server the tests point the portal at."""

    handler: RecordingHandler
    port: int

    @property
    def received(self) -> list[Received]:
        """Messages accepted so far."""
        return self.handler.received

    def refuse_next(self, count: int) -> None:
        """Answer the next `count` messages with a temporary failure."""
        self.handler.refusals_left = count


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1, in a thread, for the duration of the test."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer(handler, controller.port)
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(smtp_server: SmtpServer) -> dict[str, object]:
    """Where the portal sends mail; a test module overrides this to point elsewhere."""
    return {"MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": smtp_server.port}


@pytest.fixture
def app_config(tmp_path, mail_settings: dict[str, object]) -> dict[str, object]:
    """A private outbox folder and the mail settings."""
    return {
        "MAIL_FROM": "invoices@chatdesk.example.com",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAIL_SMTP_TIMEOUT": 5,
        **mail_settings,
    }


@pytest.fixture
def customer(app, client, auth, factory) -> Customer:
    """A Free Italian company's billing admin, signed in, receiving invoices by e-mail."""
    account_id = factory.account("Bottega S.r.l.", country="IT")
    set_billing(app, account_id, billing_email=BILLING_EMAIL)
    factory.user("admin@bottega.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("admin@bottega.example.com")
    return Customer(client, app, account_id)


def set_billing(app, account_id: int, **changes: object) -> None:
    """Change the account's billing info, as the billing info page would have saved it."""
    with app.app_context():
        account = db.session.get(Account, account_id)
        for name, value in changes.items():
            setattr(account.billing_info, name, value)
        db.session.commit()


def buy(customer: Customer, **selection: str):
    """Add a working card and buy Standard monthly (2 agents unless told otherwise)."""
    customer.add_card()
    response = customer.pay(customer.payment_form(**{**STANDARD_TWO, **selection}))
    assert response.status_code == 302, response.text
    return response


def queued_emails(app) -> list[OutgoingEmail]:
    """Every queued e-mail, detached, oldest first."""
    with app.app_context():
        emails = list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))
        db.session.expunge_all()
        return emails


def invoices(app) -> list[Invoice]:
    """Every issued document, detached."""
    with app.app_context():
        documents = list(db.session.scalars(select(Invoice).order_by(Invoice.id)))
        db.session.expunge_all()
        return documents


def assert_paid_and_queued(customer, response) -> None:
    """The purchase went through; its e-mail waits for the next delivery run."""
    confirmation = customer.client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    assert "INV-2026-000001" in confirmation.text
    [invoice] = invoices(customer.app)
    assert invoice.status == "paid"
    assert customer.account().subscription.agents == 2
    with customer.app.app_context():
        assert db.session.scalar(select(Payment.status)) == "succeeded"
    [email] = queued_emails(customer.app)
    assert (email.status, email.attempts) == ("pending", 1)
    assert email.invoice_id == invoice.id
