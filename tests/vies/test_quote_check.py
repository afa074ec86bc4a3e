"""A quote's acceptance: its billing step asks the registry like the billing page, its summary
says why VAT is charged, and its confirmation asks again first."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice, Payment
from tests.conftest import csrf_token_from
from tests.quotes.conftest import Setting
from tests.quotes.test_customer import _add_card, _confirmation_key, _fingerprint
from tests.vies.conftest import GERMAN_VAT_ID
from tests.vies.fake_vies import INVALID

GERMAN = {
    "company": "Acme GmbH",
    "billing_email": "billing@acme.example",
    "country": "DE",
    "vat_id": GERMAN_VAT_ID,
    "invoice_language": "en",
}


def _billing_step(setting: Setting, quote_id: int):
    page = setting.client.get(f"/quotes/{quote_id}/accept")
    return setting.client.post(
        f"/quotes/{quote_id}/accept", data={"csrf_token": csrf_token_from(page.text), **GERMAN}
    )


def _confirm(setting: Setting, quote_id: int, method: int):
    page = setting.client.get(f"/quotes/{quote_id}/accept/confirm?method={method}")
    assert page.status_code == 200
    return setting.client.post(
        f"/quotes/{quote_id}/accept/confirm",
        data={
            "csrf_token": csrf_token_from(page.text),
            "fingerprint": _fingerprint(page.text),
            "confirmation_key": _confirmation_key(page.text),
            "method": str(method),
            "accept": "y",
            "purchase_order": "",
        },
    ), page


def test_an_invalid_vat_id_is_refused_at_the_quotes_billing_step(setting, fake_vies):
    quote_id = setting.sent_quote()
    fake_vies.answers[GERMAN_VAT_ID] = INVALID
    refused = _billing_step(setting, quote_id)
    assert refused.status_code == 422
    assert "reports DE136695976 as not valid" in refused.text


def test_unknown_then_confirmed_at_the_quotes_confirmation(setting, fake_vies):
    quote_id = setting.sent_quote()
    method = _add_card(setting)
    fake_vies.answers[GERMAN_VAT_ID] = "GLOBAL_MAX_CONCURRENT_REQ"
    assert _billing_step(setting, quote_id).status_code == 302
    review = setting.client.get(f"/quotes/{quote_id}/accept/method")
    assert "Reverse charge could not be confirmed yet" in review.text
    # The registry answers by the time the customer confirms: the figures changed, no charge.
    fake_vies.answers.clear()
    refused, page = _confirm(setting, quote_id, method)
    assert refused.status_code == 409
    with setting.app.app_context():
        assert db.session.scalar(select(Payment)) is None
    accepted, page = _confirm(setting, quote_id, method)
    assert accepted.status_code == 302, accepted.text
    assert "Reverse charge" in page.text
    with setting.app.app_context():
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.tax_kind, invoice.vat_minor) == ("reverse_charge", 0)
