"""An Italian habitual exporter's billing admin, signed in, and staff in another browser."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.account_pricing import ChangeRequest, price_for
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import Configuration
from portal.extensions import db
from portal.models import Account, BillingInfo, LetterOfIntent, Role
from tests.conftest import PASSWORD, csrf_token_from
from tests.wizard.conftest import Customer

# The smallest file that reads as a PDF: its header and its end marker.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROTOCOL = "26011512345678901-000001"  # received 15 January 2026, letter 1 of that sending
LETTER = {
    "protocol": PROTOCOL,
    "issued_on": "2026-01-15",
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
    "ceiling": "5000,00",
}
STAFF = "staff@vendor.example.com"
STANDARD_TWO = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "2"}


def upload(client: FlaskClient, *, document=None, **changes: str):
    """Fill in and send the upload form of the letters page."""
    page = client.get("/billing/letters-of-intent")
    data: dict[str, object] = {**LETTER, **changes, "csrf_token": csrf_token_from(page.text)}
    stream, name = document if document is not None else (io.BytesIO(PDF), "letter.pdf")
    data["document"] = FileStorage(stream, filename=name, content_type="application/pdf")
    # Encoded in memory: the test client spools a large body to a temporary file it never
    # closes when the app refuses the body unread (413), which pytest reports as a leak.
    boundary, body = encode_multipart(data)
    return client.post(
        "/billing/letters-of-intent",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def letters_of(app, account_id: int) -> list[LetterOfIntent]:
    """The account's letters, detached, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(LetterOfIntent)
            .where(LetterOfIntent.account_id == account_id)
            .order_by(LetterOfIntent.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def first_purchase_net(app, account_id: int, clock) -> int:
    """What buying Standard monthly with 2 agents nets today, with VAT (no letter yet)."""
    with app.app_context():
        account = db.session.get(Account, account_id)
        request = ChangeRequest(Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 2, 0), "EUR")
        return price_for(account, request, clock.today()).net_minor


@dataclass
class Staff:
    """Vendor staff, signed in in a browser of their own."""

    client: FlaskClient

    def decide(self, letter_id: int, button: str, reason: str = ""):
        """Approve or reject a letter on its page."""
        page = self.client.get(f"/backoffice/letters-of-intent/{letter_id}")
        return self.client.post(
            f"/backoffice/letters-of-intent/{letter_id}",
            data={"csrf_token": csrf_token_from(page.text), "reason": reason, button: "1"},
        )


@pytest.fixture
def exporter(app, client, auth, factory) -> Customer:
    """An Italian company with a VAT ID and a recipient code, on Free; its billing admin."""
    account_id = factory.account("Esporta S.p.A.", country="IT", vat_id="IT00743110157")
    with app.app_context():
        info = db.session.get(BillingInfo, account_id)
        info.recipient_code = "M5UXCR1"
        info.address, info.postal_code, info.city = "Via dell'Industria 8", "40138", "Bologna"
        db.session.commit()
    factory.user("billing@esporta.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@esporta.example.com")
    return Customer(client, app, account_id)


@pytest.fixture
def staff(app, factory) -> Staff:
    """Staff signed in in another browser."""
    factory.user(STAFF, Role.STAFF)
    browser = app.test_client()
    page = browser.get("/login")
    signed_in = browser.post(
        "/login",
        data={"email": STAFF, "password": PASSWORD, "csrf_token": csrf_token_from(page.text)},
    )
    assert signed_in.status_code == 302
    return Staff(browser)


@pytest.fixture
def approved(exporter, staff, app) -> int:
    """The exporter's letter, uploaded and approved; its id."""
    assert upload(exporter.client).status_code == 302
    (letter,) = letters_of(app, exporter.account_id)
    assert staff.decide(letter.id, "approve").status_code == 302
    return letter.id


def set_used(app, letter_id: int, *, ceiling_minor: int, used_minor: int = 0) -> None:
    """Move a letter's ceiling and what was used of it."""
    with app.app_context():
        letter = db.session.get(LetterOfIntent, letter_id)
        letter.ceiling_minor, letter.used_minor = ceiling_minor, used_minor
        db.session.commit()
