"""The staff's quote form (issue 26, item 14): each field shows its own error in the live
preview, a draft shows the customer's request, a new quote is priced before it is saved,
the account is found by search, and a closed quote is duplicated as a new draft."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import QuoteRequest, QuoteStatus, SalesQuote
from tests.backoffice.conftest import add_accounts
from tests.conftest import csrf_token_from, post_form
from tests.quotes.conftest import DRAFT_FORM, Setting, form_fields

HTMX = {"HX-Request": "true"}


def _error_slot(html: str, field: str) -> str:
    """The text of a field's error slot (out-of-band in a preview, in place on a page)."""
    found = re.search(rf'<div id="{field}-errors"[^>]*>(.*?)</div>', html, re.S)
    assert found, f"no error slot for {field}"
    return found.group(1)


def test_a_150_percent_discount_is_shown_on_its_field_in_the_live_preview(setting: Setting):
    setting.as_staff()
    quote_id = setting.new_draft()
    fields = form_fields(setting.client.get(f"/backoffice/quotes/{quote_id}").text)
    fields["agent_discount_value"] = "150"
    preview = setting.client.post(
        f"/backoffice/quotes/{quote_id}/preview",
        data=fields,
        headers={**HTMX, "X-CSRFToken": fields["csrf_token"]},
    )
    assert "Correct the highlighted fields" in preview.text
    slot = re.search(r'<div id="agent_discount_value-errors"[^>]*hx-swap-oob="true"', preview.text)
    assert slot, "the field's error is not swapped in beside it"
    assert "Enter a percent between 0 and 100." in _error_slot(preview.text, "agent_discount_value")
    # Every other field's slot is swapped too, emptied: a corrected value loses its error.
    assert _error_slot(preview.text, "agents").strip() == ""
    fields["agent_discount_value"] = "15"
    fixed = setting.client.post(
        f"/backoffice/quotes/{quote_id}/preview",
        data=fields,
        headers={**HTMX, "X-CSRFToken": fields["csrf_token"]},
    )
    assert _error_slot(fixed.text, "agent_discount_value").strip() == ""
    assert "Correct the highlighted fields" not in fixed.text


def test_a_150_percent_discount_saved_without_javascript_marks_the_field(setting: Setting):
    setting.as_staff()
    quote_id = setting.new_draft()
    fields = form_fields(setting.client.get(f"/backoffice/quotes/{quote_id}").text)
    fields["agent_discount_value"] = "150"
    page = setting.client.post(f"/backoffice/quotes/{quote_id}", data=fields)
    assert page.status_code == 422
    assert re.search(r'id="agent_discount_value"[^>]*aria-invalid="true"', page.text) or re.search(
        r'aria-invalid="true"[^>]*id="agent_discount_value"', page.text
    )
    assert "Enter a percent between 0 and 100." in _error_slot(page.text, "agent_discount_value")
    with setting.app.app_context():
        assert db.session.get(SalesQuote, quote_id).agent_discount_value == 20


def _request_from_customer(setting: Setting, message: str) -> int:
    setting.as_admin()
    response = post_form(
        setting.client,
        "/package/edit/request-quote?plan=pro&period=annual&currency=EUR&agents=80&packs=2",
        "/package/edit/request-quote",
        {
            "plan": "pro",
            "period": "annual",
            "currency": "EUR",
            "agents": "80",
            "packs": "2",
            "message": message,
        },
    )
    assert response.status_code == 302
    with setting.app.app_context():
        return db.session.scalar(select(QuoteRequest.id))


def test_the_draft_shows_the_customers_request_message(setting: Setting):
    request_id = _request_from_customer(setting, "Servono 80 agenti <b>entro marzo</b>\nGrazie")
    setting.as_staff()
    draft = post_form(
        setting.client, "/backoffice/quotes", f"/backoffice/quote-requests/{request_id}/draft", {}
    )
    page = setting.client.get(draft.headers["Location"])
    assert "The customer&#39;s request" in page.text
    assert "Servono 80 agenti &lt;b&gt;entro marzo&lt;/b&gt;<br>Grazie" in page.text
    assert "Admin asked on" in page.text


def test_a_new_quote_is_priced_live_before_it_is_saved(setting: Setting):
    setting.as_staff()
    page = setting.client.get(f"/backoffice/quotes/new?account_id={setting.account_id}")
    assert "Choose the account to see the price." in page.text or "€" in page.text
    token = csrf_token_from(page.text)
    data = {"account_id": str(setting.account_id), **DRAFT_FORM, "csrf_token": token}
    preview = setting.client.post(
        "/backoffice/quotes/new/preview", data=data, headers={**HTMX, "X-CSRFToken": token}
    )
    assert preview.status_code == 200
    assert "<html" not in preview.text
    assert "€960.00" in preview.text  # 80 agents × €12.00 (20 % off €15.00)
    nobody = setting.client.post(
        "/backoffice/quotes/new/preview",
        data={**DRAFT_FORM, "csrf_token": token},
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert "Choose the account to see the price." in nobody.text
    with setting.app.app_context():
        assert db.session.scalar(select(func.count(SalesQuote.id))) == 0


def test_preview_without_javascript_shows_the_figures_and_saves_nothing(setting: Setting):
    setting.as_staff()
    response = post_form(
        setting.client,
        "/backoffice/quotes/new",
        "/backoffice/quotes/new",
        {"account": "Acme", **DRAFT_FORM, "preview": "1"},
    )
    assert response.status_code == 200
    assert "€960.00" in response.text
    assert re.search(rf'value="{setting.account_id}"\s+checked', response.text)
    with setting.app.app_context():
        assert db.session.scalar(select(func.count(SalesQuote.id))) == 0


def test_the_account_is_found_by_search_among_thousands(setting: Setting, app):
    add_accounts(app, 3000)
    setting.factory.account("Zakład Usług Łódź Sp. z o.o.", country="PL")
    setting.as_staff()
    page = setting.client.get("/backoffice/quotes/new")
    assert page.text.count('name="account_id"') == 0  # no list of every account
    assert len(page.text) < 60_000
    found = setting.client.get(
        "/backoffice/quotes/new/accounts", query_string={"account": "lodz"}, headers=HTMX
    )
    assert found.text.count('name="account_id"') == 1
    assert "Zakład Usług Łódź Sp. z o.o." in found.text
    assert "checked" in found.text
    assert found.headers["HX-Trigger-After-Swap"] == "account-chosen"
    many = setting.client.get(
        "/backoffice/quotes/new/accounts", query_string={"account": "Company 0"}, headers=HTMX
    )
    assert many.text.count('name="account_id"') == 10
    assert "checked" not in many.text


def test_without_javascript_a_typed_name_is_searched_then_chosen(setting: Setting, app):
    setting.as_staff()
    data = {**DRAFT_FORM}
    ambiguous = post_form(
        setting.client, "/backoffice/quotes/new", "/backoffice/quotes/new", {"account": "S", **data}
    )
    assert ambiguous.status_code == 422
    assert "Several accounts match: choose one." in _error_slot(ambiguous.text, "account")
    assert ambiguous.text.count('name="account_id"') == 2
    assert 'value="80"' in ambiguous.text  # nothing typed is lost
    none = post_form(
        setting.client,
        "/backoffice/quotes/new",
        "/backoffice/quotes/new",
        {"account": "Nessuno", **data},
    )
    assert none.status_code == 422
    assert "No account matches this search." in none.text
    chosen = post_form(
        setting.client,
        "/backoffice/quotes/new",
        "/backoffice/quotes/new",
        {"account": "S", "account_id": str(setting.other_account_id), **data},
    )
    assert chosen.status_code == 302
    with setting.app.app_context():
        quote = db.session.scalar(select(SalesQuote))
        assert quote.account_id == setting.other_account_id


def test_a_rejected_quote_is_duplicated_as_a_new_draft(setting: Setting):
    quote_id = setting.sent_quote(
        overall_discount_kind="amount", overall_discount_value="50.00", note="Prezzo riservato"
    )
    post_form(setting.client, f"/quotes/{quote_id}", f"/quotes/{quote_id}/reject", {"reason": "No"})
    setting.as_staff()
    page = setting.client.get(f"/backoffice/quotes/{quote_id}")
    assert "Duplicate as new draft" in page.text
    response = post_form(
        setting.client,
        f"/backoffice/quotes/{quote_id}",
        f"/backoffice/quotes/{quote_id}/duplicate",
        {},
    )
    assert response.status_code == 302
    copy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert copy_id != quote_id
    with setting.app.app_context():
        original = db.session.get(SalesQuote, quote_id)
        copy = db.session.get(SalesQuote, copy_id)
        assert original.status is QuoteStatus.REJECTED
        assert copy.status is QuoteStatus.DRAFT and copy.number is None
        for name in (
            "account_id",
            "plan",
            "billing_period",
            "agents",
            "packs",
            "term_months",
            "note",
            "agent_discount_kind",
            "agent_discount_value",
            "overall_discount_kind",
            "overall_discount_value",
        ):
            assert getattr(copy, name) == getattr(original, name), name
        assert copy.frozen is None
    draft = setting.client.get(f"/backoffice/quotes/{copy_id}")
    assert 'value="50.00"' in draft.text


def test_open_quotes_and_drafts_are_not_duplicated(setting: Setting):
    quote_id = setting.sent_quote()
    setting.as_staff()
    assert "Duplicate as new draft" not in setting.client.get(f"/backoffice/quotes/{quote_id}").text
    refused = post_form(
        setting.client,
        f"/backoffice/quotes/{quote_id}",
        f"/backoffice/quotes/{quote_id}/duplicate",
        {},
    )
    assert refused.status_code == 409
    draft_id = setting.new_draft()
    assert (
        post_form(
            setting.client,
            f"/backoffice/quotes/{draft_id}",
            f"/backoffice/quotes/{draft_id}/duplicate",
            {},
        ).status_code
        == 409
    )
    missing = post_form(
        setting.client, "/backoffice/quotes", "/backoffice/quotes/999999/duplicate", {}
    )
    assert missing.status_code == 404
    with setting.app.app_context():
        assert db.session.scalar(select(func.count(SalesQuote.id))) == 2
