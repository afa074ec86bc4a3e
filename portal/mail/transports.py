"""Hand a message to an SMTP server, or write it to a local outbox folder."""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import Flask

from portal import clock

log = logging.getLogger(__name__)


class TransportError(Exception):
    """The message was not handed over; the text says why (the server's answer if it gave one)."""


class Transport(Protocol):
    """Something that delivers a finished message or raises TransportError."""

    def send(self, message: EmailMessage) -> None:
        """Deliver the message (its To and Cc headers are the recipients)."""
        ...


def _server_answer(code: int, text: bytes | str) -> str:
    """An SMTP reply as one readable line, e.g. "451 4.3.0 try again later"."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


@dataclass(frozen=True)
class SmtpTransport:
    """One SMTP conversation per message, with a timeout, optional STARTTLS and login."""

    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        """Send the message; any refusal or connection problem raises TransportError."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            answers = "; ".join(
                f"{address}: {_server_answer(code, text)}"
                for address, (code, text) in error.recipients.items()
            )
            raise TransportError(f"all recipients refused: {answers}") from error
        except smtplib.SMTPResponseException as error:
            raise TransportError(_server_answer(error.smtp_code, error.smtp_error)) from error
        except (smtplib.SMTPException, OSError) as error:
            reason = str(error) or type(error).__name__
            raise TransportError(f"{self.host}:{self.port}: {reason}") from error
        if refused:
            # The others have it already: sending again would duplicate their copy.
            log.warning(
                "SMTP server refused some recipients of %s: %s", message["Message-ID"], refused
            )


@dataclass(frozen=True)
class OutboxTransport:
    """The embedded default: each message becomes a .eml file in a folder."""

    folder: Path

    def send(self, message: EmailMessage) -> None:
        """Write the message; a half-written file is never left under a .eml name."""
        name = f"{clock.now():%Y%m%dT%H%M%S}-{secrets.token_hex(6)}.eml"
        target = self.folder / name
        partial = self.folder / f".{name}.part"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(message.as_bytes())
            os.replace(partial, target)
        except OSError as error:
            raise TransportError(f"cannot write to the outbox {self.folder}: {error}") from error


def transport_for(app: Flask) -> Transport:
    """SMTP when MAIL_SMTP_HOST is set, else the local outbox."""
    config = app.config
    if config.get("MAIL_SMTP_HOST"):
        return SmtpTransport(
            host=config["MAIL_SMTP_HOST"],
            port=int(config.get("MAIL_SMTP_PORT", 25)),
            username=config.get("MAIL_SMTP_USERNAME", ""),
            password=config.get("MAIL_SMTP_PASSWORD", ""),
            starttls=bool(config.get("MAIL_SMTP_STARTTLS", False)),
            timeout=float(config.get("MAIL_SMTP_TIMEOUT", 10)),
        )
    return OutboxTransport(Path(config["MAIL_OUTBOX_DIR"]))
