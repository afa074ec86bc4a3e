"""Finding 1: `next` never sends anyone to another site (sign-in, language, payment methods)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import is_safe_redirect
from portal.models import PaymentMethod, Role
from tests.conftest import PASSWORD, csrf_token_from

ELSEWHERE = [
    "////evil.example/",
    "///evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/" + "a" * 5000,
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_only_paths_of_this_site_are_safe(target):
    assert not is_safe_redirect(target)


@pytest.mark.parametrize("target", ["/", "/team/", "/billing/invoices/?status=open&page=2"])
def test_paths_of_this_site_are_safe(target):
    assert is_safe_redirect(target)


@pytest.fixture
def owner(factory) -> str:
    """An owner of a Free account; returns the e-mail."""
    factory.user("owner@bottega.example.com", Role.OWNER, factory.account("Bottega S.r.l."))
    return "owner@bottega.example.com"


@pytest.mark.parametrize("target", ["////evil.example/", "/\\/evil.example/", "/\t/evil.example"])
def test_sign_in_ignores_next_elsewhere(client, owner, target):
    page = client.get("/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"csrf_token": csrf_token_from(page.text), "email": owner, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["////evil.example/", "//evil.example/", "/\\evil.example"])
def test_language_switch_ignores_next_elsewhere(client, target):
    page = client.get("/login")
    response = client.post(
        "/language",
        data={"csrf_token": csrf_token_from(page.text), "locale": "it", "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_goes_back_to_the_page(client):
    page = client.get("/login")
    response = client.post(
        "/language",
        data={"csrf_token": csrf_token_from(page.text), "locale": "fr", "next": "/login?x=1"},
    )
    assert response.headers["Location"] == "/login?x=1"


def _method_id(app, account_id: int) -> int:
    """The account's first payment method."""
    with app.app_context():
        return db.session.scalar(
            select(PaymentMethod.id).where(PaymentMethod.account_id == account_id)
        )


@pytest.mark.parametrize("action", ["default", "remove"])
def test_payment_method_actions_ignore_next_elsewhere(app, client, customer, action):
    customer.add_card()
    method_id = _method_id(app, customer.account_id)
    page = client.get("/billing/payment-methods/")
    response = client.post(
        f"/billing/payment-methods/{method_id}/{action}",
        query_string={"next": "////evil.example/"},
        data={"csrf_token": csrf_token_from(page.text), "next": "////evil.example/"},
    )
    if action == "remove":
        # The only method is the default: removing it asks first, and the confirmation does
        # not carry the foreign target on either.
        assert response.status_code == 200
        assert "evil.example" not in response.text
        confirmation = re.search(r'name="confirm_successor" value="([^"]*)"', response.text)
        assert confirmation is not None
        response = client.post(
            f"/billing/payment-methods/{method_id}/{action}",
            query_string={"next": "////evil.example/"},
            data={
                "csrf_token": csrf_token_from(response.text),
                "confirm_successor": confirmation.group(1),
                "next": "////evil.example/",
            },
        )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert response.headers["Location"].startswith("/billing/payment-methods/")


def test_adding_a_card_ignores_next_elsewhere(client, customer):
    page = client.get("/billing/payment-methods/?next=////evil.example/")
    # The card form does not carry the foreign target on (the language switch's own path may).
    assert not re.search(r'name="next" value="////evil', page.text)
    response = client.post(
        "/billing/payment-methods/cards?next=////evil.example/",
        data={
            "csrf_token": csrf_token_from(page.text),
            "holder": "Giulia Bianchi",
            "number": "4242 4242 4242 4242",
            "expiry": "12/30",
            "cvc": "123",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/billing/payment-methods/"
