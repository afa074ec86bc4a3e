"""The language switch on a page a form post rendered brings the user back with a GET."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_token_from
from tests.wizard.conftest import VISA_DECLINED, read_form

STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}


def language_next(html: str) -> str:
    """The `next` the language switch of a page sends."""
    form = re.search(r'<form[^>]*class="language-switch[^"]*".*?</form>', html, re.S)
    assert form, "the page has no language switch"
    return re.search(r'name="next" value="([^"]*)"', form[0])[1].replace("&amp;", "&")


def switch_to_italian(client, html: str):
    """Press "Italiano" on a page, and follow where it leads."""
    response = client.post(
        "/language",
        data={"csrf_token": csrf_token_from(html), "locale": "it", "next": language_next(html)},
    )
    assert response.status_code == 302
    landing = client.get(response.headers["Location"], follow_redirects=True)
    assert landing.status_code == 200, (response.headers["Location"], landing.status_code)
    assert '<html lang="it"' in landing.text
    return response.headers["Location"]


def test_after_a_refused_card(customer):
    page = customer.client.get("/billing/payment-methods/")
    refused = customer.client.post(
        "/billing/payment-methods/cards",
        data={
            "csrf_token": csrf_token_from(page.text),
            "holder": "Giulia Bianchi",
            "number": "4242 4242 4242 4241",
            "expiry": "12/30",
            "cvc": "123",
        },
        headers={"Referer": "http://localhost/billing/payment-methods/"},
    )
    assert refused.status_code == 422
    assert switch_to_italian(customer.client, refused.text) == "/billing/payment-methods/"


def test_after_a_decline_at_pay_in_the_wizard(customer):
    customer.add_card(VISA_DECLINED)
    step = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE)
    declined = customer.client.post(
        "/package/edit/pay",
        data=read_form(step.text, "pay-form"),
        headers={"Referer": step.request.url},
    )
    assert declined.status_code == 402
    back = switch_to_italian(customer.client, declined.text)
    assert urlsplit(back).path == "/package/edit/payment"
    assert "agents=1" in back  # the selection is not lost


def test_after_a_decline_on_the_seat_page(standard_customer):
    standard_customer.add_card(VISA_DECLINED)
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0")
    declined = standard_customer.client.post(
        "/package/edit/pay",
        data=read_form(page.text, "pay-form"),
        headers={"Referer": "http://localhost/package/edit/seats?agents=5&packs=0"},
    )
    assert declined.status_code == 402
    assert switch_to_italian(standard_customer.client, declined.text) == (
        "/package/edit/seats?agents=5&packs=0"
    )


def test_without_a_referrer_the_switch_still_lands_on_a_page(customer):
    customer.add_card(VISA_DECLINED)
    declined = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert declined.status_code == 402
    switch_to_italian(customer.client, declined.text)


@pytest.mark.parametrize("target", ["/package/edit/pay", "/billing/payment-methods/cards"])
def test_a_post_only_next_is_never_redirected_to(customer, target):
    page = customer.client.get("/package")
    response = customer.client.post(
        "/language", data={"csrf_token": csrf_token_from(page.text), "locale": "it", "next": target}
    )
    assert response.headers["Location"] == "/"
