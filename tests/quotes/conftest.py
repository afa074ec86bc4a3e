"""A staff user, a customer account with billing admins, and a clock the tests move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Account, BillingInfo, Role
from tests.conftest import Auth, Factory, csrf_token_from, post_form

# A draft as staff fill it in: Standard monthly, 80 agents at 20 % off, for 24 months.
DRAFT_FORM = {
    "plan": "standard",
    "period": "monthly",
    "agents": "80",
    "packs": "0",
    "agent_discount_kind": "percent",
    "agent_discount_value": "20",
    "pack_discount_kind": "none",
    "pack_discount_value": "",
    "overall_discount_kind": "none",
    "overall_discount_value": "",
    "term_months": "24",
    "billing_starts_on": "2026-11-13",
    "valid_until": "2026-12-13",
}


@dataclass
class Setting:
    """Who is who in a quote test."""

    app: Flask
    client: FlaskClient
    auth: Auth
    factory: Factory
    account_id: int
    other_account_id: int

    def as_staff(self) -> None:
        """Sign in as vendor staff."""
        self.auth.logout()
        self.auth.login("staff@vendor.example")

    def as_admin(self, email: str = "admin@acme.example") -> None:
        """Sign in as one of the account's billing admins."""
        self.auth.logout()
        self.auth.login(email)

    def new_draft(self, account_id: int | None = None, **fields: str) -> int:
        """Staff create a draft through the form; returns its id."""
        data = {
            "account_id": str(account_id or self.account_id),
            **DRAFT_FORM,
            "note": "Prezzo riservato a Dvořák & Łukasz",
            **fields,
        }
        response = post_form(self.client, "/backoffice/quotes/new", "/backoffice/quotes/new", data)
        assert response.status_code == 302, response.text
        return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    def send(self, quote_id: int):
        """Staff press "Save and send": the draft's form as shown, posted to Send."""
        page = self.client.get(f"/backoffice/quotes/{quote_id}")
        return self.client.post(f"/backoffice/quotes/{quote_id}/send", data=form_fields(page.text))

    def sent_quote(self, **fields: str) -> int:
        """A draft created and sent by staff; signs in as the billing admin afterwards."""
        self.as_staff()
        quote_id = self.new_draft(**fields)
        assert self.send(quote_id).status_code == 302
        self.as_admin()
        return quote_id


@pytest.fixture
def setting(app: Flask, client: FlaskClient, auth: Auth, factory: Factory) -> Setting:
    """An Italian account on Standard monthly (3 agents since 1 November), another account."""
    account_id = factory.account("Acme S.r.l.", country="IT")
    other = factory.account("Other SpA", country="IT")
    with app.app_context():
        account = db.session.get(Account, account_id)
        assert account is not None
        info: BillingInfo = account.billing_info
        info.contact_name = "Antonín Dvořák"
        db.session.commit()
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user("owner@acme.example", Role.OWNER, account_id)
    factory.user("admin@acme.example", Role.BILLING_ADMIN, account_id)
    factory.user("admin2@acme.example", Role.BILLING_ADMIN, account_id)
    factory.user("agent@acme.example", Role.MEMBER, account_id)
    factory.user("admin@other.example", Role.BILLING_ADMIN, other)
    factory.user("staff@vendor.example", Role.STAFF)
    return Setting(app, client, auth, factory, account_id, other)


def form_fields(html: str) -> dict[str, str]:
    """The values a browser would post from the page's quote form (inputs, selects, text)."""
    import re
    from html import unescape

    fields: dict[str, str] = {"csrf_token": csrf_token_from(html)}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        fields.setdefault(name, unescape(value))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', body) or re.search(
            r'<option[^>]*value="([^"]*)"[^>]*selected', body
        )
        fields[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = unescape(body.strip())
    return fields
