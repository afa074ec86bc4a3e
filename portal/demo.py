"""Demo data for development: one company per situation, one user per role.

Each company is what a real customer in its situation would have: the paying ones bought
their package in the past through the product's own checkout (a sandbox test card saved as
the default method, one payment settled, its paid invoice), with the clock pinned to the
day of the purchase.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from portal import clock
from portal.account_pricing import ChangeRequest, price_for
from portal.accounts import load_account
from portal.catalogs.glossary import GLOSSARY_FILE, import_glossary
from portal.catalogs.store import EDITABLE_LANGUAGES
from portal.checkout import confirm_checkout
from portal.domain.breakdown_codec import breakdown_fingerprint
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.passwords import password_problem
from portal.domain.pricing import Configuration
from portal.extensions import db
from portal.models import Account, BillingInfo, Role, User
from portal.payments.cards import parse_card
from portal.payments.gateway import gateway
from portal.payments.lifecycle import Outcome
from portal.payments.saved_methods import add_card, default_method
from portal.security import ConfirmationKey


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
    contact_name: str
    # An Italian company's e-invoice delivery: without a VAT ID its tax code (here its
    # 11-digit number), with one a recipient code or a PEC.
    tax_code: str = ""
    recipient_code: str = ""
    pec: str = ""


FREE = DemoCompany(
    "Bottega Aperta S.r.l.",
    "IT",
    "Via Roma 12",
    "20121",
    "Milano",
    None,
    "it",
    "fatture@bottega-aperta.demo.example",
    "Giulia Bianchi",
    tax_code="05237180152",  # a valid 11-digit number (Milano office), no real company's
)
STANDARD = DemoCompany(
    "Caffè Dante S.r.l.",
    "IT",
    "Corso Vittorio Emanuele II 41",
    "10123",
    "Torino",
    "IT08742130019",  # a valid partita IVA of Torino, not the seller's own
    "it",
    "amministrazione@caffe-dante.demo.example",
    "Chiara Ferri",
    recipient_code="0000000",
    pec="caffe-dante@pec.demo.example",
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
    "Jiří Dvořák",
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
    "Łukasz Żółć",
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
            contact_name=spec.contact_name,
            billing_email=spec.billing_email,
            cc_emails=[],
            address=spec.address,
            postal_code=spec.postal_code,
            city=spec.city,
            country=spec.country,
            vat_id=spec.vat_id,
            invoice_language=spec.invoice_language,
            invoices_by_email=True,
            tax_code=spec.tax_code,
            recipient_code=spec.recipient_code,
            pec=spec.pec,
        )
        db.session.add(account)
        db.session.flush()
    return account


@dataclass(frozen=True)
class DemoPurchase:
    """The first purchase of a paying demo company, made by its owner on `days_ago`."""

    company: DemoCompany
    buyer: str  # the e-mail of the user who bought it
    currency: str
    configuration: Configuration
    days_ago: int


# The older purchase first, so invoice numbers follow their dates.
PURCHASES = (
    DemoPurchase(
        PRO,
        "owner@dvorak-stastny.demo.example",
        "CZK",
        Configuration(Plan.PRO, BillingPeriod.ANNUAL, 8, 2),
        100,
    ),
    # Mid-period and within the refund window, so a seat change shows a prorated summary
    # and My package offers the full refund.
    DemoPurchase(
        STANDARD,
        "owner@caffe-dante.demo.example",
        "EUR",
        Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 3, 0),
        12,
    ),
)

# The sandbox's card that always succeeds; the purchase happens at this time of its day.
DEMO_CARD_NUMBER = "4242 4242 4242 4242"
PURCHASE_TIME = time(9, 30, tzinfo=UTC)


class DemoError(RuntimeError):
    """The demo cannot be seeded as a customer would have made it."""


def _buy(purchase: DemoPurchase, account: Account, buyer: User, today: date) -> None:
    """The company's first purchase, as its owner made it in the wizard: a card saved as the
    default, then one checkout paid with it. Skipped once the company has its package."""
    if account.subscription is not None:
        return
    if not gateway().capabilities.test_cards:
        raise DemoError("seed-demo pays the demo purchases with the sandbox gateway's test card.")
    account_id, user_id, holder = account.id, buyer.id, buyer.name
    language = buyer.locale or purchase.company.invoice_language
    moment = datetime.combine(today - timedelta(days=purchase.days_ago), PURCHASE_TIME)
    # No request here: the buyer's language stands for the one their browser would have asked.
    with clock.pinned(moment), force_locale(language):
        method = default_method(account_id)
        if method is None:
            card = parse_card(
                number=DEMO_CARD_NUMBER,
                expiry=f"12/{moment.year + 4}",
                cvc="123",
                holder=holder,
                today=moment.date(),
            )
            method = add_card(account_id, user_id, card, make_default=True)
        request = ChangeRequest(purchase.configuration, purchase.currency)
        breakdown = price_for(load_account(account_id), request, clock.today())
        result = confirm_checkout(
            account_id=account_id,
            user_id=user_id,
            request=request,
            method_id=method.id,
            # Always the same key: a re-run finds this payment instead of paying again.
            confirmation_key=ConfirmationKey(f"demofirstpurchase{account_id}"),
            seen_fingerprint=breakdown_fingerprint(breakdown),
            return_url=lambda _payment_id: "",  # the test card never asks the customer
        )
    if result.outcome is not Outcome.PAID:
        raise DemoError(f"the demo purchase of {purchase.company.name} ended {result.outcome}.")


def _new_password(email: str) -> str:
    """A random password that follows the rules every chosen password follows."""
    while True:
        password = secrets.token_urlsafe(12)  # 16 characters
        if password_problem(password, email=email) is None:
            return password


def _load_passwords(path: Path) -> dict[str, str]:
    """Passwords handed out by an earlier run, so re-running prints the same ones."""
    if path.exists():
        return json.loads(path.read_text())
    return {}


def seed_demo(today: date, credentials_file: Path) -> list[tuple[DemoUser, str]]:
    """Create the demo companies, users and first purchases (idempotent); return each
    sign-in and password."""
    accounts = {spec.name: _company(spec) for spec in (FREE, STANDARD, PRO, POLISH)}
    passwords = _load_passwords(credentials_file)
    handed_out: list[tuple[DemoUser, str]] = []
    for spec in USERS:
        user = db.session.scalar(select(User).where(User.email == spec.email))
        password = passwords.get(spec.email)
        if (
            user is None
            or password is None
            or password_problem(password, email=spec.email) is not None
            or not user.check_password(password)
        ):
            password = _new_password(spec.email)
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

    # The translators start from the repository's reviewed glossary (their changes are kept).
    import_glossary(GLOSSARY_FILE, list(EDITABLE_LANGUAGES))

    for purchase in PURCHASES:
        account = load_account(accounts[purchase.company.name].id)
        buyer = db.session.scalar(select(User).where(User.email == purchase.buyer))
        assert buyer is not None
        _buy(purchase, account, buyer, today)
    return handed_out
