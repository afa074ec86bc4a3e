"""An SMTP server that accepts the connection and never answers costs one timeout, no more."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.mail.conftest import assert_paid_and_queued, buy, queued_emails


@pytest.fixture
def mute_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.fixture
def mail_settings(mute_port: int) -> dict[str, object]:
    """The mute server, with a short timeout."""
    return {"MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": mute_port, "MAIL_SMTP_TIMEOUT": 1}


def test_a_server_that_never_answers_does_not_hold_the_payment(customer):
    started = time.monotonic()
    response = buy(customer)
    assert time.monotonic() - started < 8
    assert_paid_and_queued(customer, response)
    assert "timed out" in queued_emails(customer.app)[0].last_error
