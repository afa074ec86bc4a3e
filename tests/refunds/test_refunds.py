"""The full refund within 15 days of the first payment: gateway refunds, credit notes, Free."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.accounts import load_account
from portal.dashboard.package import billing_facts
from portal.extensions import db
from portal.full_refund import refund_offer
from portal.models import (
    Account,
    BillingActivity,
    Invoice,
    OutgoingEmail,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    RefundReason,
    Role,
)
from portal.payments import lifecycle as payments
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from tests.conftest import csrf_token_from
from tests.wizard.conftest import read_form

STANDARD = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "2"}


def buy(customer, **selection: str) -> None:
    """Buy through the wizard with a working card."""
    customer.add_card()
    response = customer.pay(customer.payment_form(**{**STANDARD, **selection}))
    assert response.status_code == 302, response.text


def buy_then_add_seats(app, clock, customer) -> int:
    """Buy, then add an agent and a pack three days later; what the two charges took."""
    buy(customer)
    clock.advance(days=3)
    page = customer.client.get("/package/edit/seats?agents=4&packs=1")
    assert customer.pay(read_form(page.text, "pay-form")).status_code == 302
    with app.app_context():
        return db.session.scalar(select(func.sum(Payment.amount_minor)))


def ask_refund(customer, *, confirm: bool = True):
    """Press "Request a full refund" on My package."""
    token = csrf_token_from(customer.client.get("/package").text)
    data = {"csrf_token": token, **({"confirm": "yes"} if confirm else {})}
    return customer.client.post("/package/refund", data=data)


def documents(app, account_id: int) -> list[tuple[str, int, int | None, str]]:
    """Number, total, the id it corrects and change kind of every document of the account."""
    with app.app_context():
        rows = db.session.scalars(
            select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.id)
        )
        return [(i.number, i.total_minor, i.corrects_id, i.change_kind) for i in rows]


def test_refund_within_15_days_gives_everything_back(app, clock, customer):
    buy(customer)  # 2 agents: €30.00 + 22 % = €36.60, on 13 November
    clock.advance(days=14, hours=23)
    page = customer.client.get("/package").text
    assert "Request a full refund" in page
    assert "€36.60" in page

    response = ask_refund(customer)
    assert response.status_code == 302
    assert "back on the Free package" in customer.client.get(response.headers["Location"]).text

    account = customer.account()
    assert account.subscription is None
    assert account.credit_minor == 0
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.kind == "invoice"))
        refund = db.session.scalar(select(SandboxRefund))
        charge = db.session.scalar(select(SandboxCharge))
        assert (refund.charge_reference, refund.amount_minor, refund.succeeded) == (
            charge.reference,
            3660,
            True,
        )
        payment = db.session.scalar(select(Payment))
        assert payment.refund_reference == refund.reference
        note = db.session.scalar(select(Invoice).where(Invoice.kind == "credit_note"))
        assert [line.amount_minor for line in note.lines] == [-3000]
        assert (note.net_minor, note.vat_minor, note.amount_due_minor) == (-3000, -660, 0)
        assert note.paid_with == "Visa •••• 4242"
        email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.invoice_id == note.id))
        assert "Refunded to Visa •••• 4242: €36.60" in email.body
        assert "refund" in db.session.scalars(select(BillingActivity.kind)).all()
    assert documents(app, customer.account_id) == [
        ("INV-2026-000001", 3660, None, "first_purchase"),
        ("CN-2026-000001", -3660, invoice_id, "refund"),
    ]
    pdf = customer.client.get(f"/billing/invoices/{note.id}/pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Corrects invoice INV-2026-000001" in text
    assert "Refunded to Visa" in text and "€36.60" in text
    package = customer.client.get("/package").text
    assert "You are on the Free package" in package
    assert "Request a full refund" not in package


def test_a_second_request_refunds_nothing_more(app, clock, customer):
    buy(customer)
    assert ask_refund(customer).status_code == 302
    again = ask_refund(customer)
    assert again.status_code == 403
    assert "within 15 days of the first payment" in again.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxRefund)) == 1
    assert len(documents(app, customer.account_id)) == 2


def test_after_15_days_the_button_is_gone_and_a_forced_post_is_refused(app, clock, customer):
    buy(customer)
    clock.advance(days=15)
    page = customer.client.get("/package").text
    assert "Request a full refund" not in page
    response = ask_refund(customer)
    assert response.status_code == 403
    assert "within 15 days of the first payment" in response.text
    assert customer.account().subscription.status == "active"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxRefund)) == 0
    assert len(documents(app, customer.account_id)) == 1


def test_the_box_must_be_ticked(app, customer):
    buy(customer)
    response = ask_refund(customer, confirm=False)
    assert response.status_code == 422
    assert "Tick the box" in response.text
    assert customer.account().subscription is not None


def no_offer(app, clock, customer) -> None:
    """My package offers no refund, both reads agree, and a forced request refunds nothing."""
    assert offers(app, customer.account_id, clock()) == (None, None)
    assert "Request a full refund" not in customer.client.get("/package").text
    response = ask_refund(customer)
    assert response.status_code == 403
    assert "while it is the only one" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxRefund)) == 0
    assert customer.account().subscription is not None


def test_a_seat_increase_since_the_first_payment_ends_the_offer(app, clock, customer):
    buy_then_add_seats(app, clock, customer)
    no_offer(app, clock, customer)


def test_a_seat_decrease_since_the_first_payment_ends_the_offer(app, clock, customer):
    buy(customer)
    page = customer.client.get("/package/edit/seats?agents=1&packs=0")
    assert customer.pay(read_form(page.text, "pay-form")).status_code == 302
    no_offer(app, clock, customer)


def test_a_renewal_since_the_first_payment_ends_the_offer(app, clock, customer):
    """A renewal charge inside the 15 days (a first payment late in a period) ends it too."""
    buy(customer)
    with app.app_context():
        first = db.session.scalar(select(Payment))
        renewal = Payment(
            account_id=first.account_id,
            user_id=None,
            purpose=PaymentPurpose.RENEWAL,
            status=PaymentStatus.SUCCEEDED,
            amount_minor=first.amount_minor,
            currency=first.currency,
            idempotency_key="renewal-in-window",
            method_label=first.method_label,
            created_at=clock(),
            completed_at=clock(),
        )
        db.session.add(renewal)
        db.session.commit()
    no_offer(app, clock, customer)


def test_a_refused_gateway_refund_changes_nothing(app, clock, customer):
    buy(customer)
    with app.app_context():
        db.session.scalar(select(SandboxCharge)).status = "declined"  # the gateway will refuse
        db.session.commit()
    response = ask_refund(customer)
    assert response.status_code == 502
    account = customer.account()
    assert account.subscription.status == "active"
    assert account.refunded_at is None
    assert len(documents(app, customer.account_id)) == 1


def test_members_cannot_ask_for_a_refund(app, client, auth, factory):
    account_id = factory.account("Membri S.r.l.")
    factory.subscription(account_id, anchor=date(2026, 11, 10))
    factory.user("member@membri.example.com", Role.MEMBER, account_id)
    auth.login("member@membri.example.com")
    token = csrf_token_from(client.get("/package").text)
    assert (
        client.post("/package/refund", data={"csrf_token": token, "confirm": "yes"}).status_code
        == 403
    )
    with app.app_context():
        assert db.session.get(Account, account_id).subscription is not None


def offers(app, account_id: int, now) -> tuple[object, object]:
    """The offer as refund_offer reads it alone, and from My package's one query."""
    with app.app_context():
        alone = refund_offer(account_id, now)
        db.session.expunge_all()
        facts = billing_facts(load_account(account_id), refund=True)
        return alone, refund_offer(account_id, now, facts.refund)


def test_my_package_s_one_query_gives_the_offer_refund_offer_reads(app, clock, customer):
    buy(customer)
    with app.app_context():
        paid = db.session.scalar(select(Payment.amount_minor))
    alone, from_page = offers(app, customer.account_id, clock())
    assert alone == from_page
    assert (alone.amount_minor, alone.needs_support) == (paid, False)


def test_a_refund_begun_in_time_may_be_finished_after_the_15_days(app, clock, customer):
    """The charge went back, then the account could not return to Free (a crash, a payment
    starting meanwhile): the offer stays until the refund is finished."""
    buy(customer)
    with app.app_context():
        charge_id = db.session.scalar(select(Payment.id))
        assert payments.give_back(charge_id, RefundReason.FULL_REFUND)
    clock.advance(days=20)
    alone, from_page = offers(app, customer.account_id, clock())
    assert alone is not None and alone == from_page
    assert "Request a full refund" in customer.client.get("/package").text
    assert ask_refund(customer).status_code == 302
    assert customer.account().subscription is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxRefund)) == 1
