"""The demo companies with what the browser tests visit: more methods, quotes, links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import delete, select

from portal import clock, demo
from portal.account_links import LinkPurpose, make_token
from portal.account_pricing import customer_tax
from portal.documents.issuing import issue_document
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import Configuration, price_change
from portal.domain.sales_quotes import Discount
from portal.extensions import db
from portal.models import (
    EInvoiceFile,
    EInvoiceState,
    Invoice,
    InvoiceStatus,
    LetterOfIntent,
    Role,
    User,
)
from portal.payments.cards import CardDetails
from portal.payments.saved_methods import add_card, add_paypal
from portal.quotes.workflow import QuoteDraft, create_draft, file_quote_request, send_quote
from portal.reference_data import reference
from portal.team.changes import invite


@dataclass
class Portal:
    """The seeded portal: who signs in with what, and the ids the flows visit."""

    passwords: dict[str, str]
    dante_id: int
    open_invoice_id: int
    paid_invoice_id: int
    sent_quote_id: int
    draft_quote_id: int
    reset_token: str
    invitation_token: str
    # An invitation to an address that signs in elsewhere (another demo company's owner).
    address_in_use_token: str
    emails: dict[str, str] = field(default_factory=dict)
    # Caffè Dante's letter of intent waiting for staff (another one was rejected).
    letter_id: int = 0


ROLE_EMAILS = {
    "owner": "owner@caffe-dante.demo.example",
    "billing_admin": "billing@caffe-dante.demo.example",
    "member": "agent@caffe-dante.demo.example",
    "free_owner": "owner@bottega-aperta.demo.example",
    "pro_owner": "owner@dvorak-stastny.demo.example",
    "staff": "staff@vendor.demo.example",
    "translator": "translator@vendor.demo.example",
}


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


def seed_portal(app: Flask, language: str, credentials: Path) -> Portal:
    """The demo companies, plus saved methods, quotes, an open invoice and two links."""
    with app.test_request_context():
        today = clock.today()
        passwords = {spec.email: password for spec, password in demo.seed_demo(today, credentials)}
        for email in ROLE_EMAILS.values():
            _user(email).locale = language
        db.session.commit()
        owner, staff = _user(ROLE_EMAILS["owner"]), _user(ROLE_EMAILS["staff"])
        dante = owner.account
        # The seed's purchase saved Visa 4242 as the default; a 3-D Secure card and PayPal join it.
        three_ds = CardDetails(
            number="4000002760003184",
            exp_month=12,
            exp_year=2034,
            cvc="123",
            holder="Lorenzo Conti",
        )
        add_card(dante.id, owner.id, three_ds)
        add_paypal(dante.id, owner.id, "lorenzo.conti@caffe-dante.demo.example")
        paid = db.session.scalar(select(Invoice).where(Invoice.account_id == dante.id))
        assert paid is not None
        breakdown = price_change(
            current=None,
            target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 1, 0),
            today=today,
            currency="EUR",
            prices=reference().prices,
            tax=customer_tax(dante),
        )
        open_invoice = issue_document(
            dante, breakdown, issued_on=today, paid_with="", status=InvoiceStatus.OPEN
        )
        db.session.commit()
        _einvoice_states(paid.id, open_invoice.id)
        draft = QuoteDraft(
            plan=Plan.PRO,
            period=BillingPeriod.ANNUAL,
            agents=80,
            packs=2,
            agent_discount=Discount(),
            pack_discount=Discount(),
            overall_discount=Discount(),
            term_months=12,
            billing_starts_on=today,
            valid_until=today + timedelta(days=30),
            note="Prezzo riservato.",
        )
        sent = create_draft(dante.id, staff.id, draft)
        send_quote(sent.id, staff.id, link="http://localhost/quotes")
        kept_draft = create_draft(dante.id, staff.id, draft)
        file_quote_request(
            dante,
            owner,
            Configuration(Plan.PRO, BillingPeriod.ANNUAL, 80, 0),
            "EUR",
            "We need 80 agents from January.",
        )
        invite(dante.id, owner, "newcomer@caffe-dante.demo.example", "Anna Bruni", Role.MEMBER)
        newcomer = _user("newcomer@caffe-dante.demo.example")
        invite(dante.id, owner, ROLE_EMAILS["free_owner"], "Marco", Role.MEMBER)
        taken = db.session.scalar(
            select(User).where(User.email == ROLE_EMAILS["free_owner"], User.account_id == dante.id)
        )
        assert taken is not None
        letters = [
            LetterOfIntent(
                account_id=dante.id,
                pdf=b"%PDF-1.4\n%%EOF\n",
                file_name=f"dichiarazione-{number}.pdf",
                protocol=f"26011512345678901-00000{number}",
                issued_on=today.replace(month=1, day=15),
                valid_from=today.replace(month=1, day=1),
                valid_to=today.replace(month=12, day=31),
                ceiling_minor=5_000_000,
                state=state,
                reason=reason,
                uploaded_by_id=owner.id,
            )
            for number, state, reason in (
                (1, "rejected", "Il protocollo non corrisponde alla ricevuta allegata."),
                (2, "submitted", ""),
            )
        ]
        db.session.add_all(letters)
        db.session.commit()
        return Portal(
            passwords=passwords,
            dante_id=dante.id,
            open_invoice_id=open_invoice.id,
            paid_invoice_id=paid.id,
            sent_quote_id=sent.id,
            draft_quote_id=kept_draft.id,
            reset_token=make_token(_user(ROLE_EMAILS["member"]), LinkPurpose.PASSWORD_RESET),
            invitation_token=make_token(newcomer, LinkPurpose.INVITATION),
            letter_id=letters[1].id,
            address_in_use_token=make_token(taken, LinkPurpose.INVITATION),
        )


def _einvoice_states(rejected_id: int, delivered_id: int) -> None:
    """The paid invoice's e-invoice rejected by SdI (a known code and one the portal has no
    meaning for), the open one's delivered: the states staff and customers read."""
    for invoice_id in (rejected_id, delivered_id):
        db.session.execute(delete(EInvoiceFile).where(EInvoiceFile.invoice_id == invoice_id))
    problems = [
        {"code": "00404", "rule": "sdi", "message": "Fattura duplicata"},
        {"code": "00311", "rule": "sdi", "message": "1.1.4 <CodiceDestinatario> non valido"},
    ]
    for invoice_id, progressive, state in (
        (rejected_id, "DEMOA", EInvoiceState.REJECTED),
        (delivered_id, "DEMOB", EInvoiceState.DELIVERED),
    ):
        db.session.add(
            EInvoiceFile(
                invoice_id=invoice_id,
                file_name=f"IT12345670017_{progressive}.xml",
                progressive=progressive,
                content=b"<FatturaElettronica/>",
                state=state,
                problems=problems if state is EInvoiceState.REJECTED else [],
                sdi_id="4455667788",
            )
        )
    db.session.commit()


def sign_in(context: BrowserContext, base: str, portal: Portal, role: str) -> Page:
    """A new page of the context, signed in as the role's demo user (or not, for anonymous)."""
    page = context.new_page()
    if role == "anonymous":
        return page
    email = ROLE_EMAILS[role]
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", portal.passwords[email])
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{role} could not sign in"
    return page
