"""The transports on their own: a real SMTP conversation on loopback, and the outbox folder."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from portal.mail.transports import OutboxTransport, SmtpTransport, TransportError, transport_for
from tests.mail.conftest import REFUSAL, RecordingHandler, SmtpServer, free_port


def _message() -> EmailMessage:
    """A small message to two recipients and one copy."""
    message = EmailMessage()
    message["From"] = "invoices@chatdesk.example.com"
    message["To"] = "anna@example.com, bruno@example.com"
    message["Cc"] = "carla@example.com"
    message["Subject"] = "Invoice INV-2026-000001"
    message["Message-ID"] = "<test@chatdesk.example.com>"
    message.set_content("Hello")
    return message


def test_smtp_hands_the_message_to_every_recipient(smtp_server):
    SmtpTransport("127.0.0.1", smtp_server.port, timeout=5).send(_message())
    [received] = smtp_server.received
    assert received.rcpt_tos == ["anna@example.com", "bruno@example.com", "carla@example.com"]
    assert received.message["Subject"] == "Invoice INV-2026-000001"


def test_a_temporary_refusal_carries_the_servers_answer(smtp_server):
    smtp_server.refuse_next(1)
    with pytest.raises(TransportError, match=REFUSAL):
        SmtpTransport("127.0.0.1", smtp_server.port, timeout=5).send(_message())
    assert smtp_server.received == []


def test_a_closed_port_is_a_transport_error():
    port = free_port()
    with pytest.raises(TransportError, match=f"127.0.0.1:{port}"):
        SmtpTransport("127.0.0.1", port, timeout=5).send(_message())


def test_starttls_required_but_not_offered(smtp_server):
    transport = SmtpTransport("127.0.0.1", smtp_server.port, starttls=True, timeout=5)
    with pytest.raises(TransportError, match="STARTTLS"):
        transport.send(_message())
    assert smtp_server.received == []


@pytest.fixture
def auth_server() -> Iterator[SmtpServer]:
    """An SMTP server that wants user "portal" with password "s3cret"."""

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        valid = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"portal",
            b"s3cret",
        )
        return AuthResult(success=valid, handled=False)  # handled=False: aiosmtpd answers 535

    handler = RecordingHandler()
    # AUTH over plain text is fine on loopback (aiosmtpd warns only when AUTH is also required).
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer(handler, controller.port)
    finally:
        controller.stop()


def test_login(auth_server):
    SmtpTransport("127.0.0.1", auth_server.port, "portal", "s3cret", timeout=5).send(_message())
    assert len(auth_server.received) == 1


def test_wrong_password_is_refused_with_the_servers_answer(auth_server):
    transport = SmtpTransport("127.0.0.1", auth_server.port, "portal", "wrong", timeout=5)
    with pytest.raises(TransportError, match=r"^535 "):
        transport.send(_message())
    assert auth_server.received == []


def test_outbox_writes_one_complete_eml_per_message(tmp_path):
    outbox = tmp_path / "outbox"
    transport = OutboxTransport(outbox)
    transport.send(_message())
    transport.send(_message())
    files = sorted(outbox.iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]
    assert b"Subject: Invoice INV-2026-000001" in files[0].read_bytes()


def test_an_unwritable_outbox_is_a_transport_error(tmp_path):
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(TransportError, match="outbox"):
        OutboxTransport(blocked).send(_message())


def test_transport_for_picks_smtp_when_a_host_is_set(tmp_path):
    app = Flask(__name__)
    app.config.update(MAIL_SMTP_HOST="", MAIL_OUTBOX_DIR=str(tmp_path))
    assert transport_for(app) == OutboxTransport(Path(tmp_path))
    app.config.update(
        MAIL_SMTP_HOST="smtp.example.com",
        MAIL_SMTP_PORT=587,
        MAIL_SMTP_USERNAME="portal",
        MAIL_SMTP_PASSWORD="s3cret",
        MAIL_SMTP_STARTTLS=True,
        MAIL_SMTP_TIMEOUT=7.5,
    )
    assert transport_for(app) == SmtpTransport(
        "smtp.example.com", 587, "portal", "s3cret", starttls=True, timeout=7.5
    )
