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
from portal.models import Account, BillingActivity, Invoice, OutgoingEmail, Payment, Role
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


def test_every_charge_and_invoice_of_the_first_days_is_refunded(app, clock, customer):
    paid = buy_then_add_seats(app, clock, customer)
    assert f"€{paid / 100:.2f}" in customer.client.get("/package").text
    assert ask_refund(customer).status_code == 302
    with app.app_context():
        refunds = db.session.scalars(select(SandboxRefund.amount_minor)).all()
        assert sum(refunds) == paid and len(refunds) == 2
    totals = [total for _number, total, _corrects, _kind in documents(app, customer.account_id)]
    assert sum(totals) == 0
    assert [number for number, *_ in documents(app, customer.account_id)] == [
        "INV-2026-000001",
        "INV-2026-000002",
        "CN-2026-000001",
        "CN-2026-000002",
    ]


def test_after_a_reduction_support_handles_the_refund(app, clock, customer):
    buy(customer)
    page = customer.client.get("/package/edit/seats?agents=1&packs=0")
    assert customer.pay(read_form(page.text, "pay-form")).status_code == 302
    assert "contact support" in customer.client.get("/package").text
    response = ask_refund(customer)
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxRefund)) == 0


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
    paid = buy_then_add_seats(app, clock, customer)
    with app.app_context():
        second = db.session.scalars(select(Payment).order_by(Payment.id)).all()[1]
        # The gateway will refuse the second charge's refund; the first one is given back.
        db.session.get(SandboxCharge, second.gateway_reference).status = "declined"
        db.session.commit()
    alone, from_page = offers(app, customer.account_id, clock())
    assert alone == from_page
    assert (alone.amount_minor, alone.needs_support) == (paid, False)

    assert ask_refund(customer).status_code == 502
    clock.advance(days=14)  # past the 15 days: a refund begun in time may still be finished
    alone, from_page = offers(app, customer.account_id, clock())
    assert alone is not None and alone == from_page
    assert "Request a full refund" in customer.client.get("/package").text


def test_after_a_reduction_both_reads_send_to_support(app, clock, customer):
    buy(customer)
    page = customer.client.get("/package/edit/seats?agents=1&packs=0")
    assert customer.pay(read_form(page.text, "pay-form")).status_code == 302
    alone, from_page = offers(app, customer.account_id, clock())
    assert alone == from_page and alone.needs_support
    clock.advance(days=15)
    assert offers(app, customer.account_id, clock()) == (None, None)
