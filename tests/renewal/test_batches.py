"""The renewal run in batches: one account's error, gapless numbers, e-mails sent or deferred."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from unittest import mock

from sqlalchemy import func, select

from portal.documents.pdf import render_invoice_pdf
from portal.extensions import db
from portal.mail.outbox import DeliveryPool, DeliveryReport
from portal.models import Invoice, OutgoingEmail, Payment, Subscription
from portal.payments.sandbox import SandboxCharge
from portal.renewal import run as renewal_run
from portal.renewal.run import Step, run_renewals
from tests.renewal.conftest import due_account


def due_accounts(app, factory, count: int, behaviour: str = "succeed") -> list[int]:
    """Accounts whose monthly period ends on 1 December 2026, each with a default card."""
    ids = []
    for index in range(count):
        account_id, _token = due_account(
            app, factory, f"Lotto {index} S.r.l.", date(2026, 11, 1), behaviour
        )
        ids.append(account_id)
    return ids


def renewal_day(clock) -> None:
    """1 December 2026, half past midnight."""
    clock.moment = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)


def test_a_batch_renews_every_account_with_consecutive_numbers(app, factory, clock):
    ids = due_accounts(app, factory, 7)
    renewal_day(clock)
    with app.app_context():
        report = run_renewals(batch_size=3)
        assert report.counts[Step.RENEWED] == 7
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert [invoice.account_id for invoice in invoices] == ids
        assert [invoice.number for invoice in invoices] == [
            f"INV-2026-{number:06d}" for number in range(1, 8)
        ]
        assert {invoice.status for invoice in invoices} == {"paid"}
        keys = db.session.scalars(select(Payment.idempotency_key).order_by(Payment.id)).all()
        assert keys == [f"renewal-{invoice.id}-1" for invoice in invoices]
        assert db.session.scalar(select(func.count()).select_from(SandboxCharge)) == 7
        emails = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        assert [(email.invoice_id, email.status) for email in emails] == [
            (invoice.id, "sent") for invoice in invoices
        ]


def test_one_accounts_error_leaves_the_others_renewed_and_no_number_lost(app, factory, clock):
    ids = due_accounts(app, factory, 5)
    broken = ids[2]
    renewal_day(clock)
    real_price = renewal_run.renewal_price

    def price(account):
        if account.subscription.agents == 4:
            raise RuntimeError("a broken price list entry")
        return real_price(account)

    with app.app_context():
        db.session.scalar(select(Subscription).where(Subscription.account_id == broken)).agents = 4
        db.session.commit()
        with mock.patch.object(renewal_run, "renewal_price", price):
            report = run_renewals(batch_size=5)
        assert (report.counts[Step.RENEWED], report.counts[Step.ERROR]) == (4, 1)
        assert report.failed
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert [invoice.account_id for invoice in invoices] == [i for i in ids if i != broken]
        assert [invoice.number for invoice in invoices] == [
            f"INV-2026-{number:06d}" for number in range(1, 5)
        ]
        untouched = db.session.scalar(select(Subscription).where(Subscription.account_id == broken))
        assert (untouched.status, untouched.period_end) == ("active", date(2026, 12, 1))
        assert db.session.scalar(select(func.count(Payment.id))) == 4

        # Fixed, the next run renews it, and only it.
        clock.advance(hours=1)
        report = run_renewals(batch_size=5)
        assert report.counts[Step.RENEWED] == 1
        assert db.session.scalar(select(Invoice.number).where(Invoice.account_id == broken)) == (
            "INV-2026-000005"
        )


def test_declines_in_a_batch_leave_each_account_past_due_with_its_invoice_emailed(
    app, factory, clock
):
    paying = due_accounts(app, factory, 2)
    refused = due_accounts(app, factory, 2, behaviour="decline")
    renewal_day(clock)
    with app.app_context():
        report = run_renewals(batch_size=10)
        assert (report.counts[Step.RENEWED], report.counts[Step.DECLINED]) == (2, 2)
        for account_id in paying + refused:
            subscription = db.session.scalar(
                select(Subscription).where(Subscription.account_id == account_id)
            )
            invoice = db.session.scalar(select(Invoice).where(Invoice.account_id == account_id))
            expected = ("active", "paid") if account_id in paying else ("past_due", "open")
            assert (subscription.status, invoice.status) == expected
            assert subscription.period_start == date(2026, 12, 1)
            email = db.session.scalar(
                select(OutgoingEmail).where(OutgoingEmail.invoice_id == invoice.id)
            )
            assert email.status == "sent"
            assert ("Amount due" in email.body) is (account_id in refused)

        # Within the hour nothing is charged again; then the declined ones are retried.
        clock.advance(minutes=30)
        assert run_renewals(batch_size=10).counts[Step.WAITING] == 2
        clock.advance(minutes=40)
        assert run_renewals(batch_size=10).counts[Step.DECLINED] == 2
        keys = db.session.scalars(
            select(Payment.idempotency_key)
            .where(Payment.account_id == refused[0])
            .order_by(Payment.id)
        ).all()
        invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.account_id == refused[0]))
        assert keys == [f"renewal-{invoice_id}-1", f"renewal-{invoice_id}-2"]


def test_no_mail_leaves_the_emails_queued_for_mail_deliver(app, factory, clock, runner):
    due_accounts(app, factory, 3)
    renewal_day(clock)
    result = runner.invoke(args=["billing", "renew", "--no-mail"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("renewed 3,")
    with app.app_context():
        statuses = db.session.scalars(select(OutgoingEmail.status)).all()
        assert statuses == ["pending"] * 3
    delivered = runner.invoke(args=["mail", "deliver"])
    assert delivered.output == "sent 3, retried 0, failed 0\n"


def test_worker_processes_send_each_invoice_with_the_pdf_the_portal_draws(app, factory, clock):
    due_accounts(app, factory, 4)
    renewal_day(clock)
    with app.app_context():
        pool = DeliveryPool(app, 2)
        try:
            report = run_renewals(send_mail=pool.send, batch_size=2)
        finally:
            delivered = pool.finish()
        assert report.counts[Step.RENEWED] == 4
        assert delivered == DeliveryReport(sent=4)
        attachments = {}
        for path in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            [attachment] = message.iter_attachments()
            attachments[attachment.get_filename()] = attachment.get_content()
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert sorted(attachments) == [f"{invoice.number}.pdf" for invoice in invoices]
        for invoice in invoices:
            # Drawn in a worker after the commit, byte for byte what the portal draws now.
            assert attachments[f"{invoice.number}.pdf"] == render_invoice_pdf(invoice)
        assert set(db.session.scalars(select(OutgoingEmail.status))) == {"sent"}
