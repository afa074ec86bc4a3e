"""The renewal run on a test clock: renewals, credit, declines, retries, blocking, warnings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Account,
    BillingActivity,
    Invoice,
    OutgoingEmail,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Subscription,
)
from portal.payments.gateway import customer_reference, gateway
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from portal.renewal import run as renewal_run
from portal.renewal.run import Step, run_renewals
from tests.conftest import csrf_token_from
from tests.wizard.conftest import (
    VISA_DECLINED,
    VISA_OK,
    VISA_SCA,
    read_form,
)

# Standard monthly EUR, 3 agents × €15.00 = €45.00 + 22 % VAT €9.90 = €54.90 a month.
RENEWAL_TOTAL = 5490


def at(clock, day: date, hour: int = 0, minute: int = 30) -> None:
    """Move the test clock to a moment."""
    clock.moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def run(app) -> dict[Step, int]:
    """One renewal run, as cron would start it."""
    with app.app_context():
        return run_renewals().counts


def state(app, account_id: int):
    """Subscription status, period, credit, and (charges, invoices) of the account."""
    with app.app_context():
        account = db.session.get(Account, account_id)
        subscription = account.subscription
        charges = db.session.scalar(select(func.count()).select_from(SandboxCharge))
        invoices = db.session.scalars(
            select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.id)
        ).all()
        return {
            "status": subscription.status,
            "period": (subscription.period_start, subscription.period_end),
            "credit": account.credit_minor,
            "charges": charges,
            "invoices": [(i.number, i.status, i.total_minor, i.amount_due_minor) for i in invoices],
        }


def set_credit(app, account_id: int, credit_minor: int) -> None:
    """Give the account credit (as an earlier credit note would)."""
    with app.app_context():
        db.session.get(Account, account_id).credit_minor = credit_minor
        db.session.commit()


def pay_open_invoice(customer, invoice_number: str):
    """The customer pays the open invoice from the Invoices page with the default method."""
    with customer.app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.number == invoice_number))
    page = customer.client.get(f"/billing/invoices/{invoice_id}/pay")
    assert page.status_code == 200, page.text
    return customer.client.post(
        f"/billing/invoices/{invoice_id}/pay", data=read_form(page.text, "pay-form")
    )


def record_renewal_in_flight(app, clock, account_id: int) -> tuple[Invoice, Payment, str]:
    """What a run leaves when it dies mid-charge: the open invoice and its created payment,
    committed together before the gateway was asked.

    Returns the invoice, the payment and the card's token (all detached).
    """

    def died(_charge):
        raise SystemExit("the run died before the gateway answered")

    with app.app_context():
        with (
            mock.patch.object(renewal_run.payments, "charge_off_session", died),
            pytest.raises(SystemExit),
        ):
            run_renewals(clock().date())
        db.session.rollback()
        invoice = db.session.scalar(select(Invoice))
        payment = db.session.scalar(select(Payment))
        assert payment.idempotency_key == f"renewal-{invoice.id}-1"
        assert (payment.status, payment.account_id) == (PaymentStatus.CREATED, account_id)
        token = db.session.scalar(select(PaymentMethod.token))
        db.session.expunge_all()
        return invoice, payment, token


def approve_at_the_bank(customer, challenge_url: str):
    """On the sandbox's 3-D Secure page, approve; returns the redirect back to the portal."""
    challenge = customer.client.get(challenge_url)
    action = re.search(r'action="(/sandbox/[^"]+)"', challenge.text).group(1)
    return customer.client.post(
        action, data={"csrf_token": csrf_token_from(challenge.text), "approve": "1"}
    )


def test_nothing_happens_before_the_period_ends(app, clock, standard_customer):
    standard_customer.add_card()
    at(clock, date(2026, 11, 30), 23, 59)
    counts = run(app)
    assert counts[Step.RENEWED] == 0
    assert state(app, standard_customer.account_id)["charges"] == 0


def test_renewal_charges_the_default_method_and_advances_the_period(app, clock, standard_customer):
    standard_customer.add_card()
    at(clock, date(2026, 12, 1))
    counts = run(app)
    assert counts[Step.RENEWED] == 1
    after = state(app, standard_customer.account_id)
    assert after["status"] == "active"
    assert after["period"] == (date(2026, 12, 1), date(2027, 1, 1))
    assert after["charges"] == 1
    assert after["invoices"] == [("INV-2026-000001", "paid", RENEWAL_TOTAL, RENEWAL_TOTAL)]
    with app.app_context():
        invoice = db.session.scalar(select(Invoice))
        assert invoice.change_kind == "renewal"
        assert invoice.paid_with.startswith("Visa")
        assert (invoice.period_start, invoice.period_end) == (date(2026, 12, 1), date(2027, 1, 1))
        assert db.session.scalar(select(SandboxCharge.amount_minor)) == RENEWAL_TOTAL
        email = db.session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.invoice_id.is_not(None))
        )
        assert email is not None and email.status == "sent"
        assert "Paid in full." in email.body

    # Run twice, charge once: the same day, and an hour later.
    run(app)
    clock.advance(hours=1)
    assert run(app)[Step.RENEWED] == 0
    assert state(app, standard_customer.account_id)["charges"] == 1
    assert len(state(app, standard_customer.account_id)["invoices"]) == 1


def test_a_run_that_starts_late_renews_from_the_anchor(app, clock, standard_customer):
    standard_customer.add_card()
    at(clock, date(2026, 12, 3), 8)
    run(app)
    assert state(app, standard_customer.account_id)["period"] == (
        date(2026, 12, 1),
        date(2027, 1, 1),
    )


def test_credit_covers_part_of_the_renewal(app, clock, standard_customer):
    standard_customer.add_card()
    set_credit(app, standard_customer.account_id, 2196)
    at(clock, date(2026, 12, 1))
    run(app)
    after = state(app, standard_customer.account_id)
    assert after["credit"] == 0
    assert after["invoices"] == [("INV-2026-000001", "paid", RENEWAL_TOTAL, RENEWAL_TOTAL - 2196)]
    with app.app_context():
        assert db.session.scalar(select(SandboxCharge.amount_minor)) == RENEWAL_TOTAL - 2196
        assert db.session.scalar(select(Invoice.credit_used_minor)) == 2196


def test_credit_covers_all_of_the_renewal(app, clock, standard_customer):
    set_credit(app, standard_customer.account_id, 10000)  # no payment method at all
    at(clock, date(2026, 12, 1))
    counts = run(app)
    assert counts[Step.RENEWED] == 1
    after = state(app, standard_customer.account_id)
    assert after["charges"] == 0
    assert after["credit"] == 10000 - RENEWAL_TOTAL
    assert after["status"] == "active"
    assert after["invoices"] == [("INV-2026-000001", "paid", RENEWAL_TOTAL, 0)]
    with app.app_context():
        assert db.session.scalar(select(Invoice.paid_with)) == "Account credit"


def test_declined_renewal_retries_then_blocks_and_paying_reactivates(
    app, clock, standard_customer, runner
):
    standard_customer.add_card(VISA_DECLINED)
    account_id = standard_customer.account_id
    at(clock, date(2026, 12, 1), 0, 30)
    counts = run(app)
    assert counts[Step.DECLINED] == 1
    after = state(app, account_id)
    assert after["status"] == "past_due"
    assert after["charges"] == 1
    assert after["invoices"] == [("INV-2026-000001", "open", RENEWAL_TOTAL, RENEWAL_TOTAL)]
    with app.app_context():
        email = db.session.scalar(select(OutgoingEmail))
        assert "Amount due: €54.90" in email.body

    # Within the hour: no second attempt.
    clock.advance(minutes=45)
    assert run(app)[Step.WAITING] == 1
    assert state(app, account_id)["charges"] == 1

    # Two more attempts an hour apart, then the day's attempts are used up.
    clock.advance(minutes=20)
    assert run(app)[Step.DECLINED] == 1
    clock.advance(hours=1, minutes=1)
    assert run(app)[Step.DECLINED] == 1
    clock.advance(hours=1, minutes=1)
    assert run(app)[Step.WAITING] == 1
    assert state(app, account_id)["charges"] == 3

    # The next day it tries again; still in the grace period, still one invoice.
    at(clock, date(2026, 12, 2), 1)
    assert run(app)[Step.DECLINED] == 1
    assert state(app, account_id)["status"] == "past_due"
    assert len(state(app, account_id)["invoices"]) == 1

    # Three days after the renewal date: blocked, and no more charges.
    at(clock, date(2026, 12, 4), 0, 5)
    result = runner.invoke(args=["billing", "renew"])
    assert result.exit_code == 0, result.output
    assert "blocked 1" in result.output
    blocked = state(app, account_id)
    assert blocked["status"] == "blocked"
    charges = blocked["charges"]
    clock.advance(hours=5)
    run(app)
    assert state(app, account_id)["charges"] == charges
    assert "Free" in standard_customer.client.get("/package").text

    # The customer adds a working card and pays the open invoice: active at once.
    standard_customer.add_card(VISA_OK)
    response = pay_open_invoice(standard_customer, "INV-2026-000001")
    assert response.status_code == 302, response.text
    paid = state(app, account_id)
    assert paid["status"] == "active"
    assert paid["period"] == (date(2026, 12, 1), date(2027, 1, 1))
    assert paid["invoices"] == [("INV-2026-000001", "paid", RENEWAL_TOTAL, RENEWAL_TOTAL)]
    assert "Renews on" in standard_customer.client.get("/package").text
    with app.app_context():
        kinds = db.session.scalars(select(BillingActivity.kind).order_by(BillingActivity.id))
        assert [
            kind
            for kind in kinds
            if kind in {"renewal", "renewal_failed", "blocked", "invoice_paid"}
        ] == ["renewal", "renewal_failed", "blocked", "invoice_paid"]


def test_cli_reports_a_declined_renewal_with_exit_status_1(app, clock, standard_customer, runner):
    standard_customer.add_card(VISA_DECLINED)
    at(clock, date(2026, 12, 1))
    result = runner.invoke(args=["billing", "renew"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "renewed 0, declined 1, blocked 0, waiting 0, warned 0, cancelled 0, nothing 0, error 0"
    )
    clock.advance(minutes=10)
    assert runner.invoke(args=["billing", "renew"]).exit_code == 0  # waiting is not a failure


def test_paying_the_open_invoice_during_the_grace_period(app, clock, standard_customer):
    standard_customer.add_card(VISA_DECLINED)
    at(clock, date(2026, 12, 1))
    run(app)
    standard_customer.add_card(VISA_OK)
    assert pay_open_invoice(standard_customer, "INV-2026-000001").status_code == 302
    assert state(app, standard_customer.account_id)["status"] == "active"
    clock.advance(hours=2)
    counts = run(app)
    assert counts[Step.DECLINED] == counts[Step.RENEWED] == 0
    assert state(app, standard_customer.account_id)["charges"] == 2


def test_a_card_that_needs_3d_secure_is_declined_off_session(app, clock, standard_customer):
    standard_customer.add_card(VISA_SCA)
    at(clock, date(2026, 12, 1))
    assert run(app)[Step.DECLINED] == 1
    assert state(app, standard_customer.account_id)["status"] == "past_due"
    with app.app_context():
        assert db.session.scalar(select(Payment.decline_code)) == "authentication_required"
    # On the site the customer can authenticate and pay.
    response = pay_open_invoice(standard_customer, "INV-2026-000001")
    assert response.status_code == 302 and "/sandbox/3ds/" in response.headers["Location"]


def test_paypal_renews_without_an_approval_page(app, clock, standard_customer):
    standard_customer.add_paypal()
    at(clock, date(2026, 12, 1))
    assert run(app)[Step.RENEWED] == 1
    assert state(app, standard_customer.account_id)["invoices"][0][1] == "paid"


def test_without_a_payment_method_the_account_is_past_due(app, clock, standard_customer):
    at(clock, date(2026, 12, 1))
    assert run(app)[Step.DECLINED] == 1
    assert state(app, standard_customer.account_id)["status"] == "past_due"
    clock.advance(hours=2)
    counts = run(app)
    assert counts[Step.DECLINED] == 0 and counts[Step.WAITING] == 1


def test_past_due_account_cannot_change_its_package_until_it_pays(app, clock, standard_customer):
    standard_customer.add_card(VISA_DECLINED)
    at(clock, date(2026, 12, 1))
    run(app)
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0")
    assert "Pay the open invoice from Invoices" in page.text
    assert 'class="pay-form"' not in page.text
    # A forged Pay is refused without a charge.
    token = csrf_token_from(page.text)
    response = standard_customer.client.post(
        "/package/edit/pay",
        data={
            "csrf_token": token,
            "plan": "standard",
            "period": "monthly",
            "currency": "EUR",
            "agents": "5",
            "packs": "0",
            "confirmation_key": "forgedkey123",
            "fingerprint": "x",
        },
    )
    assert response.status_code == 409
    assert state(app, standard_customer.account_id)["charges"] == 1


def test_a_renewal_whose_run_died_is_settled_with_the_first_charge(app, clock, standard_customer):
    standard_customer.add_card()
    at(clock, date(2026, 12, 1))
    account_id = standard_customer.account_id
    # Simulate a run that recorded the invoice and the payment, charged, and died.
    invoice, payment, token = record_renewal_in_flight(app, clock, account_id)
    with app.app_context():
        created = gateway().create_payment(
            token=token,
            amount_minor=invoice.amount_due_minor,
            currency="EUR",
            idempotency_key=payment.idempotency_key,
            description=invoice.number,
            customer=customer_reference(account_id),
            off_session=True,
        )
        gateway().confirm_payment(created.reference, return_url="")
    # Meanwhile the customer cannot pay it a second time.
    page = standard_customer.client.get(f"/billing/invoices/{invoice.id}/pay")
    response = standard_customer.client.post(
        f"/billing/invoices/{invoice.id}/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 409
    assert "being confirmed with the payment provider" in response.text
    # The next run reconciles it first: the gateway knows the charge by its key, and it is
    # settled with that charge instead of a second one.
    clock.advance(minutes=5)
    assert run(app)[Step.DECLINED] == 0
    after = state(app, account_id)
    assert after["charges"] == 1
    assert after["invoices"][0][1] == "paid"
    assert after["status"] == "active"


def test_auto_renewal_off_blocks_at_period_end_after_one_warning(app, clock, standard_customer):
    standard_customer.add_card()
    with app.app_context():
        db.session.scalar(select(Subscription)).auto_renew = False
        db.session.commit()
    at(clock, date(2026, 11, 23), 9)  # 8 days left: no warning yet
    assert run(app)[Step.WARNED] == 0
    at(clock, date(2026, 11, 24), 9)
    assert run(app)[Step.WARNED] == 1
    clock.advance(hours=1)
    assert run(app)[Step.WARNED] == 0
    at(clock, date(2026, 11, 30), 9)
    assert run(app)[Step.WARNED] == 0
    with app.app_context():
        warnings = db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.kind == "expiry_warning")
        ).all()
        assert len(warnings) == 1
        assert warnings[0].subject == "Your package ends on December 1, 2026"
        assert warnings[0].status == "sent"
    assert state(app, standard_customer.account_id)["status"] == "active"

    at(clock, date(2026, 12, 1), 0, 10)
    counts = run(app)
    assert counts[Step.BLOCKED] == 1
    after = state(app, standard_customer.account_id)
    assert after["status"] == "blocked"
    assert after["charges"] == 0 and after["invoices"] == []
    package = standard_customer.client.get("/package").text
    assert "Free" in package and "Expired on" in package


def test_the_warning_is_written_in_the_invoice_language(app, clock, standard_customer):
    with app.app_context():
        account = db.session.get(Account, standard_customer.account_id)
        account.billing_info.invoice_language = "it"
        account.subscription.auto_renew = False
        db.session.commit()
    at(clock, date(2026, 11, 26), 9)
    run(app)
    with app.app_context():
        email = db.session.scalar(select(OutgoingEmail))
        assert email.language == "it"
        assert email.subject == "Il tuo pacchetto termina il 1 dicembre 2026"


@pytest.mark.parametrize("status", ["blocked"])
def test_blocked_accounts_are_left_alone(app, clock, factory, status):
    account_id = factory.account("Ferma S.r.l.")
    factory.subscription(account_id, anchor=date(2026, 10, 1), status=status)
    at(clock, date(2026, 12, 1))
    counts = run(app)
    assert sum(counts.values()) == 0


def _blocked_with_an_unpaid_renewal(app, clock, customer) -> None:
    """Declined on 1 December, blocked on the 4th, the renewal invoice still open."""
    customer.add_card(VISA_DECLINED)
    at(clock, date(2026, 12, 1))
    run(app)
    at(clock, date(2026, 12, 4))
    run(app)
    assert state(app, customer.account_id)["status"] == "blocked"


def test_an_unpaid_renewal_is_cancelled_when_its_period_is_over(app, clock, standard_customer):
    _blocked_with_an_unpaid_renewal(app, clock, standard_customer)
    at(clock, date(2026, 12, 31), 23)
    assert run(app)[Step.CANCELLED] == 0
    at(clock, date(2027, 1, 1), 1)
    assert run(app)[Step.CANCELLED] == 1
    assert run(app)[Step.CANCELLED] == 0
    after = state(app, standard_customer.account_id)
    assert after["invoices"] == [
        ("INV-2026-000001", "cancelled", RENEWAL_TOTAL, RENEWAL_TOTAL),
        ("CN-2027-000001", "paid", -RENEWAL_TOTAL, 0),
    ]
    assert after["credit"] == 0  # nothing was paid, so nothing is owed back
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.kind == "invoice"))
        note = db.session.scalar(select(Invoice).where(Invoice.kind == "credit_note"))
        assert note.corrects_id == invoice_id and note.change_kind == "cancellation"
    listing = standard_customer.client.get("/billing/invoices/").text
    assert "Cancelled" in listing
    # A forced Pay of the cancelled invoice charges nothing.
    charges = after["charges"]
    standard_customer.add_card(VISA_OK)
    token = csrf_token_from(listing)
    response = standard_customer.client.post(
        f"/billing/invoices/{invoice_id}/pay",
        data={"csrf_token": token, "confirmation_key": "cancelled123", "method": "2"},
    )
    assert response.status_code == 302
    assert "nothing to pay" in standard_customer.client.get(response.headers["Location"]).text
    assert state(app, standard_customer.account_id)["charges"] == charges


def test_buying_anew_cancels_the_unpaid_renewal(app, clock, standard_customer):
    _blocked_with_an_unpaid_renewal(app, clock, standard_customer)
    at(clock, date(2026, 12, 10), 9)
    standard_customer.add_card(VISA_OK)
    form = standard_customer.payment_form(
        plan="standard", period="monthly", currency="EUR", agents="2"
    )
    assert standard_customer.pay(form).status_code == 302
    after = state(app, standard_customer.account_id)
    assert after["status"] == "active"
    assert after["period"] == (date(2026, 12, 10), date(2027, 1, 10))
    assert [(number, status) for number, status, *_ in after["invoices"]] == [
        ("INV-2026-000001", "cancelled"),
        ("CN-2026-000001", "paid"),
        ("INV-2026-000002", "paid"),
    ]
    assert after["credit"] == 0


def test_a_change_being_paid_at_period_end_settles_before_the_renewal(
    app, clock, standard_customer
):
    standard_customer.add_card(VISA_SCA)
    at(clock, date(2026, 11, 30), 23, 50)  # one day left: 5 agents for the last day
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0")
    pending = standard_customer.client.post(
        "/package/edit/pay", data=read_form(page.text, "pay-form")
    )
    assert "/sandbox/3ds/" in pending.headers["Location"]
    at(clock, date(2026, 12, 1), 0, 5)
    assert run(app)[Step.WAITING] == 1
    assert state(app, standard_customer.account_id)["invoices"] == []
    # The customer confirms with the bank; the change lands on the old period.
    decided = approve_at_the_bank(standard_customer, pending.headers["Location"])
    assert standard_customer.client.get(decided.headers["Location"]).status_code == 302
    assert standard_customer.account().subscription.agents == 5
    # Then the renewal renews the 5 agents (declined off-session: the SCA card cannot pay it).
    clock.advance(minutes=10)
    run(app)
    after = state(app, standard_customer.account_id)
    assert after["period"] == (date(2026, 12, 1), date(2027, 1, 1))
    assert [total for _n, _s, total, _d in after["invoices"]][-1] == 9150  # 5 × 15 + 22 %
    with app.app_context():
        renewal = db.session.scalar(select(Invoice).where(Invoice.change_kind == "renewal"))
        assert [line.quantity for line in renewal.lines] == [5]


def test_cancelling_an_unpaid_renewal_gives_back_the_credit_it_used(app, clock, standard_customer):
    set_credit(app, standard_customer.account_id, 1000)
    _blocked_with_an_unpaid_renewal(app, clock, standard_customer)
    assert state(app, standard_customer.account_id)["credit"] == 0
    at(clock, date(2027, 1, 1), 1)
    run(app)
    after = state(app, standard_customer.account_id)
    assert after["credit"] == 1000
    with app.app_context():
        note = db.session.scalar(select(Invoice).where(Invoice.kind == "credit_note"))
        assert note.credit_used_minor == -1000
        email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.invoice_id == note.id))
        assert "given back: €10.00" in email.body


def test_a_run_that_starts_days_late_charges_before_it_blocks(app, clock, standard_customer):
    standard_customer.add_card(VISA_DECLINED)
    at(clock, date(2026, 12, 5), 9)  # cron was down since the renewal date
    counts = run(app)
    assert counts[Step.DECLINED] == 1 and counts[Step.BLOCKED] == 0
    assert state(app, standard_customer.account_id)["status"] == "past_due"
    clock.advance(minutes=5)
    assert run(app)[Step.BLOCKED] == 1


def test_a_method_cannot_be_removed_while_a_renewal_charge_is_in_flight(
    app, clock, standard_customer
):
    standard_customer.add_card()
    at(clock, date(2026, 12, 1))
    _invoice, payment, _token = record_renewal_in_flight(app, clock, standard_customer.account_id)
    method_id = payment.method_id
    page = standard_customer.client.get("/billing/payment-methods/")
    response = standard_customer.client.post(
        f"/billing/payment-methods/{method_id}/remove",
        data={"csrf_token": csrf_token_from(page.text)},
        follow_redirects=True,
    )
    assert "A payment with this method is in progress" in response.text
    with app.app_context():
        assert db.session.get(PaymentMethod, method_id) is not None


def test_a_confirmation_whose_redirect_was_lost_is_settled_by_reconciliation(
    app, clock, standard_customer
):
    standard_customer.add_card(VISA_SCA)
    at(clock, date(2026, 12, 1))
    run(app)  # declined off-session: past due
    pending = pay_open_invoice(standard_customer, "INV-2026-000001")
    # Approved at the bank, but the browser never comes back to the portal.
    approve_at_the_bank(standard_customer, pending.headers["Location"])
    clock.advance(minutes=31)
    run(app)
    with app.app_context():
        approved = db.session.scalar(
            select(SandboxCharge).where(SandboxCharge.status == "succeeded")
        )
        paid = db.session.scalar(select(Payment).where(Payment.status == PaymentStatus.SUCCEEDED))
        assert paid.gateway_reference == approved.reference
        assert db.session.scalar(select(SandboxRefund)) is None
    after = state(app, standard_customer.account_id)
    assert after["invoices"][0][1] == "paid"
    assert after["status"] == "active"
