"""Without MAIL_SMTP_HOST, e-mails are written to the local outbox as .eml files."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.mail.conftest import BILLING_EMAIL, buy, queued_emails


@pytest.fixture
def mail_settings() -> dict[str, object]:
    """No SMTP server configured: the embedded default."""
    return {"MAIL_SMTP_HOST": ""}


def test_the_invoice_email_lands_in_the_outbox(customer, app, runner):
    buy(customer)
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    [written] = list(outbox.iterdir())
    assert written.suffix == ".eml"
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == BILLING_EMAIL
    assert message["Subject"] == "Invoice INV-2026-000001 from Chatdesk S.r.l."
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "INV-2026-000001.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert queued_emails(app)[0].status == "sent"

    result = runner.invoke(args=["mail", "deliver"])
    assert (result.exit_code, result.output) == (0, "sent 0, retried 0, failed 0\n")
    assert len(list(outbox.iterdir())) == 1


def test_a_line_break_in_a_subject_does_not_stop_the_email(app):
    # A header is one line: a translation that slipped a line break into a subject (the
    # editor refuses it now) is sent on one line, not left failing.
    from datetime import UTC, datetime

    from portal.mail.messages import build_message
    from portal.models import EmailKind, OutgoingEmail

    email = OutgoingEmail(
        kind=EmailKind.PASSWORD_RESET,
        recipients=["someone@example.com"],
        cc=[],
        language="it",
        subject="Scegli una nuova\npassword\nBcc: x@evil.example",
        body="Ciao,\n\nun testo.\n",
        details={"message_id": "<notice-1@chatdesk.example.com>"},
    )
    with app.app_context():
        message = build_message(
            email,
            sender="portal@example.com",
            sent_at=datetime(2026, 11, 13, tzinfo=UTC),
            attachment=None,
        )
    assert message["Subject"] == "Scegli una nuova password Bcc: x@evil.example"
    assert message["Bcc"] is None
