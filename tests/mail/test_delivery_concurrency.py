"""Two delivery runs at once on PostgreSQL: each message is sent once, locked rows are skipped."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import EmailStatus, OutgoingEmail
from portal.services.mailer import DeliveryReport, deliver_pending

pytestmark = pytest.mark.postgresql_only


def _queue(app, count: int) -> list[int]:
    """Queue plain notices (no attachment); returns their ids."""
    with app.app_context():
        emails = [
            OutgoingEmail(
                kind="notice",
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


def test_a_message_locked_by_another_run_is_skipped_not_waited_for(app, smtp_server):
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
