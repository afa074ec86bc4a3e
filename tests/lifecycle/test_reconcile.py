"""The reconciliation: every payment left in flight is finished by asking the gateway."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BillingActivity, Invoice, Payment, PaymentStatus, RefundReason
from portal.payments import lifecycle as payments
from portal.payments.gateway import GatewayError
from portal.payments.sandbox import SandboxCharge, SandboxGateway, SandboxRefund
from tests.conftest import at_once
from tests.wizard.conftest import VISA_SCA, read_form

STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}


class Crash(BaseException):
    """Stands for the process dying at a step boundary."""


def crash_at(monkeypatch, step: str) -> None:
    """Make the payment die at `step`, as the crash tests' servers do with SIGKILL."""

    def checkpoint(name: str) -> None:
        if name == step:
            raise Crash(name)

    monkeypatch.setattr(payments, "checkpoint", checkpoint)


def pay_and_crash(customer, monkeypatch, step: str) -> None:
    """Press Pay for Standard with one agent; the request dies at `step`."""
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    crash_at(monkeypatch, step)
    with pytest.raises(Crash):
        customer.pay(form)
    monkeypatch.undo()


def only_payment(app) -> Payment:
    """The one payment, detached."""
    with app.app_context():
        payment = db.session.scalar(select(Payment))
        db.session.expunge(payment)
        return payment


def reconcile(app) -> payments.ReconcileReport:
    """One reconciliation run, as cron starts it."""
    with app.app_context():
        return payments.reconcile()


def counts(app) -> tuple[int, int, int]:
    """Succeeded gateway charges, refunds, invoices."""
    with app.app_context():
        charged = db.session.scalar(
            select(func.count())
            .select_from(SandboxCharge)
            .where(SandboxCharge.status == "succeeded")
        )
        refunds = db.session.scalar(select(func.count()).select_from(SandboxRefund))
        invoices = db.session.scalar(select(func.count(Invoice.id)))
        return charged, refunds, invoices


def test_a_fresh_payment_is_left_to_its_request(app, customer, clock, monkeypatch):
    pay_and_crash(customer, monkeypatch, "gateway_confirmed")
    report = reconcile(app)  # the same minute: its request may still be working on it
    assert report.payments == 0
    assert only_payment(app).status is PaymentStatus.PROCESSING


@pytest.mark.parametrize(
    ("step", "status", "charged"),
    [
        ("row_committed", PaymentStatus.ABANDONED, 0),
        ("gateway_created", PaymentStatus.ABANDONED, 0),
        ("gateway_confirmed", PaymentStatus.SUCCEEDED, 1),
        ("before_settlement_commit", PaymentStatus.SUCCEEDED, 1),
    ],
)
def test_a_payment_left_in_flight_is_finished(
    app, customer, clock, monkeypatch, step, status, charged
):
    pay_and_crash(customer, monkeypatch, step)
    clock.advance(minutes=2)
    report = reconcile(app)
    assert (report.payments, report.still_in_flight) == (1, 0)
    payment = only_payment(app)
    assert payment.status is status
    assert counts(app) == (charged, 0, charged)
    with app.app_context():
        objects = db.session.scalars(select(SandboxCharge.status)).all()
    if step == "row_committed":
        # The gateway never heard of it: nothing to find, nothing to cancel.
        assert (payment.gateway_reference, objects) == (None, [])
    elif charged:
        assert customer.account().subscription.agents == 1
    else:
        # Found again by its key, and cancelled for good before anyone could confirm it.
        assert payment.gateway_reference is not None
        assert objects == ["cancelled"]
    assert reconcile(app).payments == 0  # nothing left for the next run


def test_two_reconciliations_at_once_settle_once(app, customer, clock, monkeypatch):
    pay_and_crash(customer, monkeypatch, "gateway_confirmed")
    clock.advance(minutes=2)
    reports = at_once(lambda: reconcile(app), lambda: reconcile(app))
    assert all(report.still_in_flight == 0 for report in reports)
    assert counts(app) == (1, 0, 1)
    assert only_payment(app).status is PaymentStatus.SUCCEEDED


def test_a_charge_no_longer_wanted_is_refunded_with_its_reason(app, customer, clock, monkeypatch):
    pay_and_crash(customer, monkeypatch, "gateway_confirmed")
    # Meanwhile the package changed (say support moved it to two agents by hand).
    with app.app_context():
        payment = db.session.scalar(select(Payment))
        payment.basis = "something else"
        db.session.commit()
    clock.advance(minutes=2)
    assert reconcile(app).still_in_flight == 0
    payment = only_payment(app)
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refund_reason is RefundReason.ORDER_CHANGED
    assert payment.decline_code is None
    assert counts(app) == (1, 1, 0)
    with app.app_context():
        assert "charge_refunded" in db.session.scalars(select(BillingActivity.kind)).all()
    assert "package had changed meanwhile" in customer.client.get("/billing/activity").text


def test_a_3ds_step_never_answered_is_given_up_after_thirty_minutes(app, customer, clock):
    customer.add_card(VISA_SCA)
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert "/sandbox/3ds/" in response.headers["Location"]
    clock.advance(minutes=10)
    assert reconcile(app).payments == 0  # the customer still has time
    assert only_payment(app).status is PaymentStatus.REQUIRES_ACTION
    clock.advance(minutes=21)
    assert reconcile(app).still_in_flight == 0
    payment = only_payment(app)
    assert payment.status is PaymentStatus.ABANDONED
    assert counts(app) == (0, 0, 0)


def test_the_status_page_of_a_stuck_payment_finishes_it(app, customer, clock, monkeypatch):
    pay_and_crash(customer, monkeypatch, "gateway_confirmed")
    payment = only_payment(app)
    waiting = customer.client.get(f"/package/edit/payments/{payment.id}/status")
    assert waiting.status_code == 202
    assert "waiting for the payment provider" in waiting.text
    clock.advance(minutes=2)
    done = customer.client.get(f"/package/edit/payments/{payment.id}/status")
    assert done.status_code == 302
    assert done.headers["Location"] == f"/package/edit/payments/{payment.id}"
    assert counts(app) == (1, 0, 1)


def test_pay_again_after_a_crash_finishes_the_stuck_payment_first(
    app, customer, clock, monkeypatch
):
    pay_and_crash(customer, monkeypatch, "row_committed")
    clock.advance(minutes=2)
    # The customer comes back and pays again: the stuck one is settled (abandoned), then the
    # new one goes through, once.
    page = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE)
    response = customer.pay(read_form(page.text, "pay-form"))
    assert response.status_code == 302
    assert counts(app) == (1, 0, 1)
    with app.app_context():
        statuses = db.session.scalars(select(Payment.status).order_by(Payment.id)).all()
    assert statuses == [PaymentStatus.ABANDONED, PaymentStatus.SUCCEEDED]


def test_a_gateway_that_does_not_answer_leaves_the_payment_for_the_next_run(
    app, customer, clock, monkeypatch, runner
):
    pay_and_crash(customer, monkeypatch, "gateway_confirmed")
    clock.advance(minutes=2)

    def unavailable(self, reference):  # type: ignore[no-untyped-def]
        raise GatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "retrieve", unavailable)
    result = runner.invoke(args=["billing", "reconcile"])
    assert result.exit_code == 1
    assert "still in flight 1" in result.output
    assert only_payment(app).status is PaymentStatus.PROCESSING
    monkeypatch.undo()
    assert runner.invoke(args=["billing", "reconcile"]).exit_code == 0
    assert only_payment(app).status is PaymentStatus.SUCCEEDED
