"""Finding 4: big bodies are refused early with a clear page; long inputs echo back cut."""

from __future__ import annotations

import time

import pytest

from portal.models import Role
from tests.conftest import csrf_token_from, post_form

TWENTY_MB = 20 * 1024 * 1024


def test_a_20_mb_sign_in_form_is_refused_quickly_with_413(client):
    started = time.monotonic()
    response = client.post("/login", data={"email": "a@b.example.com", "password": "x" * TWENTY_MB})
    elapsed = time.monotonic() - started
    assert response.status_code == 413
    assert "too large" in response.text
    assert elapsed < 2


def test_the_413_page_is_translated(client):
    response = client.post(
        "/login", data={"note": "x" * TWENTY_MB}, headers={"Accept-Language": "it"}
    )
    assert response.status_code == 413
    assert "troppo grande" in response.text


@pytest.fixture
def billing_admin(factory, auth) -> int:
    """A signed-in billing admin; returns the account id."""
    account_id = factory.account("Bottega S.r.l.")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@bottega.example.com")
    return account_id


def test_a_long_cc_field_is_not_echoed_in_full(client, billing_admin):
    long_address = "a" * 20000 + "@example.com"
    response = post_form(
        client,
        "/billing/info",
        "/billing/info",
        {
            "company": "Bottega S.r.l.",
            "billing_email": "billing@bottega.example.com",
            "cc_emails": long_address,
            "country": "IT",
            "invoice_language": "en",
        },
    )
    assert response.status_code == 422
    assert "a" * 2561 not in response.text  # twice the field's 1 280 characters at most
    assert len(response.text) < 20000


def test_a_long_company_name_is_cut_in_the_echo(client, billing_admin):
    response = post_form(
        client,
        "/billing/info",
        "/billing/info",
        {
            "company": "B" * 30000,
            "billing_email": "billing@bottega.example.com",
            "country": "IT",
            "invoice_language": "en",
        },
    )
    assert response.status_code == 422
    assert "B" * 400 in response.text
    assert "B" * 401 not in response.text


def test_a_body_just_under_the_limit_still_gets_a_field_error(client, billing_admin):
    page = client.get("/billing/info")
    response = client.post(
        "/billing/info",
        data={
            "csrf_token": csrf_token_from(page.text),
            "company": "C" * 60000,
            "billing_email": "billing@bottega.example.com",
            "country": "IT",
            "invoice_language": "en",
        },
    )
    assert response.status_code == 422
    assert "C" * 401 not in response.text
