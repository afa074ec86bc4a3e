"""Demo data for development: one company per situation, one user per role."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.periods import period_at
from portal.domain.pricing import Configuration, price_change
from portal.extensions import db
from portal.models import (
    Account,
    BillingInfo,
    InvoiceStatus,
    Role,
    Subscription,
    SubscriptionStatus,
    User,
)
from portal.services.invoicing import issue_document
from portal.services.pricing import customer_tax
from portal.services.reference_data import reference


@dataclass(frozen=True)
class DemoUser:
    """A demo sign-in."""

    email: str
    name: str
    role: Role
    company: str | None


@dataclass(frozen=True)
class DemoCompany:
    """A demo customer account and its billing details."""

    name: str
    country: str
    address: str
    postal_code: str
    city: str
    vat_id: str | None
    invoice_language: str
    billing_email: str


FREE = DemoCompany(
    "Bottega Aperta S.r.l.",
    "IT",
    "Via Roma 12",
    "20121",
    "Milano",
    None,
    "it",
    "fatture@bottega-aperta.demo.example",
)
STANDARD = DemoCompany(
    "Caffè Dante S.r.l.",
    "IT",
    "Corso Vittorio Emanuele II 41",
    "10123",
    "Torino",
    "IT12345670017",
    "it",
    "amministrazione@caffe-dante.demo.example",
)
PRO = DemoCompany(
    "Dvořák & Šťastný s.r.o.",
    "CZ",
    "Vinohradská 1511/230",
    "100 00",
    "Praha 10",
    "CZ25123891",
    "en",
    "fakturace@dvorak-stastny.demo.example",
)
POLISH = DemoCompany(
    "Zakład Usług Łódź Sp. z o.o.",
    "PL",
    "ul. Piotrkowska 104",
    "90-006",
    "Łódź",
    "PL5260250009",
    "en",
    "faktury@zaklad-lodz.demo.example",
)

USERS = (
    DemoUser("owner@bottega-aperta.demo.example", "Giulia Bianchi", Role.OWNER, FREE.name),
    DemoUser("billing@bottega-aperta.demo.example", "Marco Rossi", Role.BILLING_ADMIN, FREE.name),
    DemoUser("agent@bottega-aperta.demo.example", "Sara Greco", Role.MEMBER, FREE.name),
    DemoUser("owner@caffe-dante.demo.example", "Lorenzo Conti", Role.OWNER, STANDARD.name),
    DemoUser("billing@caffe-dante.demo.example", "Chiara Ferri", Role.BILLING_ADMIN, STANDARD.name),
    DemoUser("agent@caffe-dante.demo.example", "Paolo Neri", Role.MEMBER, STANDARD.name),
    DemoUser("owner@dvorak-stastny.demo.example", "Jiří Dvořák", Role.OWNER, PRO.name),
    DemoUser("agent@dvorak-stastny.demo.example", "Věra Šťastná", Role.MEMBER, PRO.name),
    DemoUser("owner@zaklad-lodz.demo.example", "Łukasz Żółć", Role.OWNER, POLISH.name),
    DemoUser("staff@vendor.demo.example", "Elena Moretti", Role.STAFF, None),
    DemoUser("translator@vendor.demo.example", "Camille Lefèvre", Role.TRANSLATOR, None),
)


def _company(spec: DemoCompany) -> Account:
    """Find or create a demo account with its billing info."""
    account = db.session.scalar(select(Account).where(Account.name == spec.name))
    if account is None:
        account = Account(name=spec.name, credit_minor=0)
        account.billing_info = BillingInfo(
            company=spec.name,
            contact_name="",
            billing_email=spec.billing_email,
            cc_emails=[],
            address=spec.address,
            postal_code=spec.postal_code,
            city=spec.city,
            country=spec.country,
            vat_id=spec.vat_id,
            invoice_language=spec.invoice_language,
            invoices_by_email=True,
        )
        db.session.add(account)
        db.session.flush()
    return account


def _subscribe(
    account: Account,
    currency: str,
    plan: Plan,
    period: BillingPeriod,
    agents: int,
    packs: int,
    anchor: date,
) -> None:
    """Give a demo account a subscription running since `anchor`, if it has none."""
    if account.subscription is not None:
        return
    prices = reference().prices
    current = period_at(anchor, period, 0)
    account.currency = currency
    account.subscription = Subscription(
        plan=plan,
        billing_period=period,
        agents=agents,
        packs=packs,
        anchor_date=anchor,
        period_start=current.start,
        period_end=current.end,
        agent_unit_minor=prices.agent_price(plan, period, currency),
        pack_unit_minor=prices.pack_price(plan, period, currency),
        auto_renew=True,
        status=SubscriptionStatus.ACTIVE,
    )
    # The purchase that started it, so the invoices page and its PDF have something to show.
    breakdown = price_change(
        current=None,
        target=Configuration(plan, period, agents, packs),
        today=anchor,
        currency=currency,
        prices=prices,
        tax=customer_tax(account),
    )
    issue_document(
        account, breakdown, issued_on=anchor, paid_with="Visa •••• 4242", status=InvoiceStatus.PAID
    )


def _load_passwords(path: Path) -> dict[str, str]:
    """Passwords handed out by an earlier run, so re-running prints the same ones."""
    if path.exists():
        return json.loads(path.read_text())
    return {}


def seed_demo(today: date, credentials_file: Path) -> list[tuple[DemoUser, str]]:
    """Create the demo companies and users (idempotent); return each sign-in and password."""
    accounts = {spec.name: _company(spec) for spec in (FREE, STANDARD, PRO, POLISH)}
    # The older purchase first, so invoice numbers follow their dates.
    _subscribe(
        accounts[PRO.name],
        "CZK",
        Plan.PRO,
        BillingPeriod.ANNUAL,
        8,
        2,
        today - timedelta(days=100),
    )
    # Mid-period, so a seat change shows a prorated summary at once.
    _subscribe(
        accounts[STANDARD.name],
        "EUR",
        Plan.STANDARD,
        BillingPeriod.MONTHLY,
        3,
        0,
        today - timedelta(days=12),
    )

    passwords = _load_passwords(credentials_file)
    handed_out: list[tuple[DemoUser, str]] = []
    for spec in USERS:
        user = db.session.scalar(select(User).where(User.email == spec.email))
        password = passwords.get(spec.email)
        if user is None or password is None or not user.check_password(password):
            password = secrets.token_urlsafe(9)
            if user is None:
                user = User(email=spec.email, name=spec.name, role=spec.role)
                user.account = accounts[spec.company] if spec.company else None
                db.session.add(user)
            user.set_password(password)
            passwords[spec.email] = password
        handed_out.append((spec, password))
    db.session.commit()

    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(json.dumps(passwords, indent=2))
    credentials_file.chmod(0o600)
    return handed_out
