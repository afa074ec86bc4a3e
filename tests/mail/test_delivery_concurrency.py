"""Delivery runs alongside other work, on SQLite and PostgreSQL: each message is sent once, and
nobody waits for the mail server; on PostgreSQL a row another run has locked is skipped."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select, update

from portal import clock
from portal.extensions import db
from portal.mail.outbox import (
    CLAIM_LEASE,
    DeliveryReport,
    deliver_pending,
    queue_document_email,
)
from portal.models import EmailKind, EmailStatus, Invoice, InvoicePdf, OutgoingEmail
from tests.documents.conftest import Invoicing
from tests.mail.conftest import set_billing


def _queue(app, count: int) -> list[int]:
    """Queue plain notices (no attachment, as a password notice is); returns their ids."""
    with app.app_context():
        emails = [
            OutgoingEmail(
                kind=EmailKind.PASSWORD_CHANGED,
                recipients=[f"customer{index}@example.com"],
                cc=[],
                language="en",
                subject=f"Notice {index}",
                body="Hello",
                details={"message_id": f"<notice-{index}@chatdesk.example.com>"},
                next_attempt_at=clock.now(),
            )
            for index in range(count)
        ]
        db.session.add_all(emails)
        db.session.commit()
        return [email.id for email in emails]


def _run_in_thread(app, reports: list[DeliveryReport], barrier: threading.Barrier | None = None):
    """A delivery run with its own app context, as a second cron job would be."""

    def run() -> None:
        if barrier is not None:
            barrier.wait()
        with app.app_context():
            reports.append(deliver_pending())
            db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_runs_at_once_send_each_message_once(app, smtp_server):
    _queue(app, 6)
    smtp_server.handler.delay = 0.2  # both runs are still busy when the other claims
    reports: list[DeliveryReport] = []
    barrier = threading.Barrier(2)
    threads = [_run_in_thread(app, reports, barrier) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=30)
    assert sum(report.sent for report in reports) == 6
    sent_ids = Counter(received.message["Message-ID"] for received in smtp_server.received)
    assert len(sent_ids) == 6
    assert set(sent_ids.values()) == {1}


def test_a_message_another_run_is_claiming_is_left_to_that_run(app, smtp_server):
    first, *_others = _queue(app, 3)
    with app.app_context(), db.engine.connect() as other_run:
        transaction = other_run.begin()
        if other_run.dialect.name == "sqlite":
            # A claim on SQLite is a write transaction: it holds the database's write lock.
            other_run.exec_driver_sql("BEGIN IMMEDIATE")
        other_run.execute(
            select(OutgoingEmail.id).where(OutgoingEmail.id == first).with_for_update()
        )
        other_run.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == first)
            .values(next_attempt_at=clock.now() + CLAIM_LEASE)
        )
        reports: list[DeliveryReport] = []
        thread = _run_in_thread(app, reports)
        # A second for the run to reach the claimed row: PostgreSQL skips it, SQLite waits for
        # the lock. A sleep, not join(timeout=1): under libfaketime 0.9.10 (scripts/test-on-date)
        # a timed wait that runs out never returns, and the run would wait past its busy timeout.
        time.sleep(1)
        transaction.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert reports == [DeliveryReport(sent=2)]
    subjects = sorted(received.message["Subject"] for received in smtp_server.received)
    assert subjects == ["Notice 1", "Notice 2"]  # Notice 0 is the other run's to send


@pytest.mark.postgresql_only
def test_a_message_locked_by_another_run_is_skipped_not_waited_for(app, smtp_server):
    """PostgreSQL only: SQLite has no row locks to skip (the test above covers its claims)."""
    first, *_others = _queue(app, 3)
    with app.app_context(), db.engine.connect() as other_run:
        transaction = other_run.begin()
        other_run.execute(
            select(OutgoingEmail.id).where(OutgoingEmail.id == first).with_for_update()
        )
        reports: list[DeliveryReport] = []
        thread = _run_in_thread(app, reports)
        thread.join(timeout=10)
        assert not thread.is_alive(), "the run waited for the locked row"
        transaction.rollback()
    assert reports == [DeliveryReport(sent=2)]

    with app.app_context():
        assert db.session.get(OutgoingEmail, first).status == EmailStatus.PENDING
        assert deliver_pending() == DeliveryReport(sent=1)
    assert len(smtp_server.received) == 3


def test_a_slow_mail_server_holds_up_no_other_writer(app, factory, smtp_server):
    """Drawing the PDF stores it; that write must not stay open during the SMTP conversation,
    where on SQLite it would hold the only write lock: every request that saves anything
    would wait for the mail server, and fail once it waited longer than the busy timeout."""
    invoicing = Invoicing(app)
    account_id = invoicing.customer(factory, "Lento S.r.l.")
    set_billing(app, account_id, billing_email="billing@lento.example.com")
    invoice_id = invoicing.first_purchase(account_id)
    with app.app_context():
        assert queue_document_email(db.session.get(Invoice, invoice_id)) is not None
        db.session.commit()
    smtp_server.handler.delay = 4.0
    reports: list[DeliveryReport] = []
    thread = _run_in_thread(app, reports)
    assert smtp_server.handler.answering.wait(timeout=30), "the run sent nothing"

    started = time.monotonic()
    set_billing(app, account_id, contact_name="Giulia Bianchi")  # a customer saving a form
    waited = time.monotonic() - started
    thread.join(timeout=30)
    assert waited < 1.5, f"the save waited {waited:.1f} s for the mail server"
    assert reports == [DeliveryReport(sent=1)]
    with app.app_context():
        stored = db.session.get(InvoicePdf, invoice_id)
        assert stored is not None and stored.content.startswith(b"%PDF")
    [received] = smtp_server.received
    [attachment] = received.message.iter_attachments()
    assert attachment.get_content() == stored.content
