"""Finding 5: huge ids are 404, NUL and text-direction characters are refused, agents=abc too."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.forms import FORBIDDEN_TEXT
from portal.models import BillingActivity, BillingInfo, Invoice, PaymentMethod, Role, User
from tests.conftest import csrf_token_from, post_form
from tests.invoices.conftest import issue  # noqa: F401

# Beyond what the INTEGER id columns hold: never matched, so 404 before anything else.
HUGE_IDS = [str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 5000]
# Valid ids nobody has: the route runs and answers 404 (or 403 for a role), never 500.
UNKNOWN_IDS = [str(2**31 - 1), "0"]
UNSAFE_TEXTS = ["before\x00after", "total \u202e00.001\u202c", "\u2066isolate\u2069", "bell\x07"]
INT_SEGMENT = re.compile(r"<int:(\w+)>")


def _int_routes(app: Flask) -> list[tuple[str, str]]:
    """Every route with an integer in its path, and a method it answers."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "int" in {type(c).__name__ for c in rule._converters.values()} or "<int:" in rule.rule:
            method = "GET" if "GET" in rule.methods else "POST"
            routes.append((rule.rule, method))
    return routes


@pytest.mark.parametrize("role", [Role.OWNER, Role.STAFF])
def test_huge_ids_in_every_url_are_404(app, client, auth, factory, role):
    account_id = factory.account("Bottega S.r.l.")
    email = f"{role.value}@example.com"
    factory.user(email, role, account_id if role.is_customer else None)
    auth.login(email)
    routes = _int_routes(app)
    assert len(routes) >= 10
    token = csrf_token_from(client.get("/", follow_redirects=True).text)
    for rule, method in routes:
        for huge in HUGE_IDS:
            url = INT_SEGMENT.sub(huge, rule)
            assert client.open(url, method=method).status_code == 404, url
        for unknown in UNKNOWN_IDS:
            url = INT_SEGMENT.sub(unknown, rule)
            form = {"csrf_token": token, "grant": "1", "confirmation_key": "abcdefgh1234"}
            response = client.open(url, method=method, data=form)
            assert response.status_code in {403, 404}, (url, response.status_code)


def _billing_admin(factory, auth) -> int:
    """A signed-in billing admin of an Italian account."""
    account_id = factory.account("Bottega S.r.l.")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@bottega.example.com")
    return account_id


def _refused(response) -> None:
    """The clear, translated refusal."""
    assert response.status_code == 400
    assert "characters that cannot be used" in response.text


def _refused_in_the_form(response, kept: str) -> None:
    """The form again with the field's error, and what was typed with each bad character shown
    as U+FFFD: nothing else is lost."""
    assert response.status_code == 422
    assert "invisible control or text-direction characters" in response.text
    assert FORBIDDEN_TEXT.sub("\ufffd", kept) in response.text
    assert not FORBIDDEN_TEXT.search(response.text)


@pytest.mark.parametrize("text", UNSAFE_TEXTS)
def test_unsafe_characters_in_a_note_are_refused(app, client, auth, factory, issue, text):  # noqa: F811
    account_id = _billing_admin(factory, auth)
    invoice_id = issue(account_id)
    response = post_form(
        client, "/billing/invoices/", f"/billing/invoices/{invoice_id}/note", {"note": text}
    )
    _refused_in_the_form(response, text)
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).note in (None, "")


@pytest.mark.parametrize("text", UNSAFE_TEXTS)
def test_unsafe_characters_in_billing_info_are_refused(app, client, auth, factory, text):
    account_id = _billing_admin(factory, auth)
    response = post_form(
        client,
        "/billing/info",
        "/billing/info",
        {
            "company": text,
            "city": "Forlì",
            "billing_email": "billing@bottega.example.com",
            "country": "IT",
            "invoice_language": "en",
        },
    )
    _refused_in_the_form(response, text)
    assert "Forlì" in response.text
    with app.app_context():
        assert db.session.get(BillingInfo, account_id).company == "Bottega S.r.l."


def test_a_nul_byte_in_the_card_holder_is_refused(app, client, auth, factory):
    account_id = _billing_admin(factory, auth)
    response = post_form(
        client,
        "/billing/payment-methods/",
        "/billing/payment-methods/cards",
        {"holder": "Giulia\x00", "number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "1"},
    )
    _refused_in_the_form(response, "Giulia\x00")
    with app.app_context():
        count = select(func.count(PaymentMethod.id)).where(PaymentMethod.account_id == account_id)
        assert db.session.scalar(count) == 0


@pytest.mark.parametrize("text", UNSAFE_TEXTS)
def test_unsafe_characters_in_an_invitation_are_refused_in_the_form(
    app, client, auth, factory, text
):
    account_id = factory.account("Bottega S.r.l.")
    factory.user("owner@bottega.example.com", Role.OWNER, account_id)
    auth.login("owner@bottega.example.com")
    response = post_form(
        client,
        "/team/",
        "/team/invite",
        {"name": text, "email": "new@bottega.example.com", "role": "member"},
    )
    _refused_in_the_form(response, text)
    assert "new@bottega.example.com" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_views_checking_their_form_still_refuse_unsafe_query_strings(client, auth, factory):
    """Views that check text in their form still refuse it in the query string."""
    _billing_admin(factory, auth)
    _refused(client.get("/billing/info?x=a\x00"))


def test_a_nul_byte_in_a_query_string_is_refused(client, auth, factory):
    _billing_admin(factory, auth)
    _refused(client.get("/billing/invoices/?status=open\x00"))


def test_the_refusal_is_translated(client, auth, factory, issue):  # noqa: F811
    account_id = _billing_admin(factory, auth)
    invoice_id = issue(account_id)
    page = client.get("/billing/invoices/")
    response = client.post(
        f"/billing/invoices/{invoice_id}/note",
        data={"csrf_token": csrf_token_from(page.text), "note": "a\x00"},
        headers={"Accept-Language": "it"},
    )
    assert response.status_code == 422
    assert "caratteri di controllo invisibili" in response.text
    refused = client.get("/billing/invoices/?status=a%00", headers={"Accept-Language": "it"})
    assert refused.status_code == 400
    assert "caratteri che non si possono usare" in refused.text


def test_tabs_and_line_breaks_are_fine(app, client, auth, factory, issue):  # noqa: F811
    account_id = _billing_admin(factory, auth)
    invoice_id = issue(account_id)
    response = post_form(
        client,
        "/billing/invoices/",
        f"/billing/invoices/{invoice_id}/note",
        {"note": "PO 12\tline one\r\nline two"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert "line two" in db.session.get(Invoice, invoice_id).note


@pytest.mark.parametrize("agents", ["abc", "-5", "1e9", "9" * 5000])
def test_request_a_quote_refuses_agents_that_are_not_a_number(app, client, auth, factory, agents):
    account_id = _billing_admin(factory, auth)
    page = client.get("/package/edit/request-quote?plan=pro&period=annual&agents=80")
    response = client.post(
        "/package/edit/request-quote",
        data={
            "csrf_token": csrf_token_from(page.text),
            "plan": "pro",
            "period": "annual",
            "agents": agents,
            "message": "Hello",
        },
    )
    assert response.status_code == 422
    assert "Enter a whole number of agents." in response.text
    assert "9" * 100 not in response.text
    with app.app_context():
        recorded = select(func.count(BillingActivity.id)).where(
            BillingActivity.account_id == account_id
        )
        assert db.session.scalar(recorded) == 0


def test_request_a_quote_with_a_number_is_recorded(app, client, auth, factory):
    account_id = _billing_admin(factory, auth)
    response = post_form(
        client,
        "/package/edit/request-quote?plan=pro&period=annual&agents=80",
        "/package/edit/request-quote",
        {"plan": "pro", "period": "annual", "agents": "80", "message": "Hello"},
    )
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(BillingActivity).where(BillingActivity.account_id == account_id)
        )
        assert entry.details["agents"] == 80
