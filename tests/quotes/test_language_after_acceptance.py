"""The language switch after a failed quote acceptance brings the admin back with a GET."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from portal.extensions import db
from portal.models import PaymentMethod
from tests.conftest import csrf_token_from, post_form
from tests.quotes.conftest import Setting
from tests.quotes.test_customer import _confirmation_key, _fingerprint
from tests.wizard.conftest import VISA_DECLINED
from tests.wizard.test_language_after_post import switch_to_italian


def _declined_card(setting: Setting) -> int:
    """The billing admin saves the sandbox's declined Visa as the default; returns its id."""
    post_form(
        setting.client,
        "/billing/payment-methods/",
        "/billing/payment-methods/cards",
        {
            "holder": "Giulia Bianchi",
            "number": VISA_DECLINED,
            "expiry": "12/30",
            "cvc": "123",
            "make_default": "y",
        },
    )
    with setting.app.app_context():
        return db.session.scalar(select(PaymentMethod.id).order_by(PaymentMethod.id.desc()))


def _confirm(setting: Setting, quote_id: int, method: int, **fields: str):
    """Step 4 as a page, then its form posted with `fields` over what it carries."""
    url = f"/quotes/{quote_id}/accept/confirm?method={method}"
    page = setting.client.get(url)
    data = {
        "csrf_token": csrf_token_from(page.text),
        "fingerprint": _fingerprint(page.text),
        "confirmation_key": _confirmation_key(page.text),
        "method": str(method),
        "accept": "y",
        **fields,
    }
    return setting.client.post(
        f"/quotes/{quote_id}/accept/confirm",
        data={name: value for name, value in data.items() if value is not None},
        headers={"Referer": f"http://localhost{url}"},
    )


def test_after_a_declined_payment_accepting_a_quote(setting: Setting) -> None:
    quote_id = setting.sent_quote()
    method = _declined_card(setting)
    declined = _confirm(setting, quote_id, method)
    assert declined.status_code == 402
    back = switch_to_italian(setting.client, declined.text)
    assert urlsplit(back).path == f"/quotes/{quote_id}/accept/confirm"
    assert f"method={method}" in back  # the chosen method is not lost


def test_after_an_acceptance_form_with_an_error(setting: Setting) -> None:
    quote_id = setting.sent_quote()
    method = _declined_card(setting)
    unticked = _confirm(setting, quote_id, method, accept=None)
    assert unticked.status_code == 422
    back = switch_to_italian(setting.client, unticked.text)
    assert urlsplit(back).path == f"/quotes/{quote_id}/accept/confirm"


def test_after_billing_info_with_an_error(setting: Setting) -> None:
    quote_id = setting.sent_quote()
    step1 = setting.client.get(f"/quotes/{quote_id}/accept")
    refused = setting.client.post(
        f"/quotes/{quote_id}/accept",
        data={"csrf_token": csrf_token_from(step1.text), "company": "", "country": "IT"},
        headers={"Referer": f"http://localhost/quotes/{quote_id}/accept"},
    )
    assert refused.status_code == 422
    assert switch_to_italian(setting.client, refused.text) == f"/quotes/{quote_id}/accept"
