"""A customer's quote requests on Quotes: received, in preparation, answered with the quote."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import QuoteRequest
from tests.conftest import post_form
from tests.quotes.conftest import Setting, form_fields

REQUEST = {
    "plan": "pro",
    "period": "annual",
    "currency": "EUR",
    "agents": "80",
    "packs": "2",
    "message": "Servono 80 agenti <b>subito</b>",
}


def _ask(setting: Setting, **fields: str) -> int:
    """The signed-in billing admin files a request from the wizard; returns its id."""
    data = {**REQUEST, **fields}
    query = "&".join(f"{name}={data[name]}" for name in ("plan", "period", "currency", "agents"))
    response = post_form(
        setting.client,
        f"/package/edit/request-quote?{query}",
        "/package/edit/request-quote",
        data,
    )
    assert response.status_code == 302
    with setting.app.app_context():
        return db.session.scalars(select(QuoteRequest.id).order_by(QuoteRequest.id.desc())).first()


def _request_item(html: str, request_id: int) -> str:
    match = re.search(rf'<li id="quote-request-{request_id}".*?</li>', html, re.S)
    assert match, "the request is not listed"
    return match[0]


def test_a_request_shows_on_quotes_right_after_asking(setting: Setting) -> None:
    setting.as_admin()
    request_id = _ask(setting)
    page = setting.client.get("/quotes")
    assert "You have no quotes yet" not in page.text
    item = _request_item(page.text, request_id)
    assert 'data-state="received"' in item
    assert "Received: our team is preparing your offer" in item
    assert "Pro · Annual · 80 agents · 2 conversation packs" in item
    # The message as typed, escaped.
    assert "Servono 80 agenti &lt;b&gt;subito&lt;/b&gt;" in item
    assert "No quote has been sent to you yet" in page.text


def test_the_request_follows_the_draft_and_the_sent_quote(setting: Setting) -> None:
    setting.as_admin()
    request_id = _ask(setting)
    setting.as_staff()
    draft = post_form(
        setting.client,
        "/backoffice/quotes",
        f"/backoffice/quote-requests/{request_id}/draft",
        {},
    )
    assert draft.status_code == 302
    quote_id = int(draft.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    setting.as_admin()
    item = _request_item(setting.client.get("/quotes").text, request_id)
    assert 'data-state="in_preparation"' in item and "Offer in preparation" in item
    # A draft is not shown to the customer: no link to it.
    assert f"/quotes/{quote_id}" not in item
    setting.as_staff()
    page = setting.client.get(f"/backoffice/quotes/{quote_id}")
    fields = form_fields(page.text)
    fields["valid_until"] = "2026-12-31"
    fields["billing_starts_on"] = "2026-11-13"
    sent = setting.client.post(f"/backoffice/quotes/{quote_id}/send", data=fields)
    assert sent.status_code == 302, sent.text
    setting.as_admin()
    page = setting.client.get("/quotes")
    item = _request_item(page.text, request_id)
    assert 'data-state="answered"' in item and "Answered with a quote" in item
    assert f'href="/quotes/{quote_id}"' in item
    assert f'id="quote-{quote_id}"' in page.text


def test_another_accounts_requests_are_not_shown(setting: Setting) -> None:
    setting.as_admin()
    request_id = _ask(setting)
    setting.as_admin("admin@other.example")
    page = setting.client.get("/quotes")
    assert f"quote-request-{request_id}" not in page.text
    assert "Servono 80 agenti" not in page.text
    assert "You have no quotes yet" in page.text


def test_a_member_cannot_see_the_requests(setting: Setting) -> None:
    setting.as_admin()
    _ask(setting)
    setting.as_admin("agent@acme.example")
    response = setting.client.get("/quotes")
    assert response.status_code in (302, 403)
    assert "Servono 80 agenti" not in response.text
