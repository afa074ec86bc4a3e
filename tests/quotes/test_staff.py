"""Staff create, edit, send and withdraw quotes; the request queue; numbering."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import DocumentSequence, OutgoingEmail, QuoteStatus, SalesQuote
from tests.conftest import at_once, post_form
from tests.quotes.conftest import Setting, form_fields


def test_staff_create_edit_and_send(setting: Setting) -> None:
    """A draft shows figures from the pricing core; Send freezes, numbers and e-mails it."""
    setting.as_staff()
    quote_id = setting.new_draft()
    page = setting.client.get(f"/backoffice/quotes/{quote_id}")
    assert page.status_code == 200
    # 80 agents at €12.00 (20 % off €15.00): €960.00 a month, VAT 22 % = €211.20.
    assert "€960.00" in page.text and "€1,171.20" in page.text
    # First invoice: the unused 18 of 30 days of 3 agents come off (3 × 15 × 18/30 = €27.00).
    assert "−€27.00" in page.text or "-€27.00" in page.text
    edited = post_form(
        setting.client,
        f"/backoffice/quotes/{quote_id}",
        f"/backoffice/quotes/{quote_id}",
        {
            "plan": "standard",
            "period": "monthly",
            "agents": "80",
            "packs": "0",
            "agent_discount_kind": "percent",
            "agent_discount_value": "25",
            "pack_discount_kind": "none",
            "overall_discount_kind": "none",
            "term_months": "24",
            "billing_starts_on": "2026-11-13",
            "valid_until": "2026-12-13",
            "note": "",
        },
    )
    assert edited.status_code == 302
    assert "€900.00" in setting.client.get(f"/backoffice/quotes/{quote_id}").text
    sent = setting.send(quote_id)
    assert sent.status_code == 302
    with setting.app.app_context():
        quote = db.session.get(SalesQuote, quote_id)
        assert quote is not None
        assert quote.status is QuoteStatus.SENT
        assert quote.number == "Q-2026-000001"
        assert quote.frozen["pricing"]["net_per_period_minor"] == 80 * 1125
        email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.kind == "sales_quote"))
        assert email is not None
        assert sorted(email.recipients) == [
            "admin2@acme.example",
            "admin@acme.example",
            "owner@acme.example",
        ]
        assert f"/quotes/{quote_id}" in email.body
    # A sent quote cannot be edited nor sent twice.
    again = setting.send(quote_id)
    assert again.status_code == 409


def test_numbers_are_gapless_per_year(setting: Setting) -> None:
    """Two sent quotes take 1 and 2; an unsent draft takes none."""
    setting.as_staff()
    first, draft, second = setting.new_draft(), setting.new_draft(), setting.new_draft()
    setting.send(first)
    setting.send(second)
    with setting.app.app_context():
        numbers = {quote.id: quote.number for quote in db.session.scalars(select(SalesQuote)).all()}
    assert numbers == {first: "Q-2026-000001", draft: None, second: "Q-2026-000002"}


def test_withdraw_and_filters(setting: Setting) -> None:
    """A withdrawn quote shows under its filter and can no longer be accepted."""
    quote_id = setting.sent_quote()
    setting.as_staff()
    withdrawn = post_form(
        setting.client,
        f"/backoffice/quotes/{quote_id}",
        f"/backoffice/quotes/{quote_id}/withdraw",
        {},
    )
    assert withdrawn.status_code == 302
    listing = setting.client.get("/backoffice/quotes?status=withdrawn")
    assert "Q-2026-000001" in listing.text
    assert "Q-2026-000001" not in setting.client.get("/backoffice/quotes?status=sent").text
    other = setting.client.get(f"/backoffice/quotes?account={setting.other_account_id}")
    assert "Q-2026-000001" not in other.text
    setting.as_admin()
    page = setting.client.get(f"/quotes/{quote_id}/accept")
    assert "withdrawn" in page.text


def test_bad_input_gets_errors_not_500(setting: Setting) -> None:
    """Empty, huge, NUL and out-of-range values are field errors; huge ids are 404."""
    setting.as_staff()
    response = post_form(
        setting.client,
        "/backoffice/quotes/new",
        "/backoffice/quotes/new",
        {
            "account_id": str(setting.account_id),
            "plan": "standard",
            "period": "annual",
            "agents": "18446744073709551616",
            "packs": "",
            "agent_discount_kind": "percent",
            "agent_discount_value": "150",
            "overall_discount_kind": "amount",
            "overall_discount_value": "abc",
            "term_months": "0",
            "billing_starts_on": "",
            "valid_until": "2026-12-13",
            "note": "x" + "y" * 5000,
        },
    )
    assert response.status_code == 422
    assert "Enter a percent between 0 and 100." in response.text
    assert "Enter an amount in EUR" in response.text
    assert setting.client.get("/backoffice/quotes/18446744073709551616").status_code == 404
    assert setting.client.get("/backoffice/quotes/999999").status_code == 404


def test_annual_term_must_be_whole_years(setting: Setting) -> None:
    """An annual quote over 18 months has no figures and cannot be sent."""
    setting.as_staff()
    quote_id = setting.new_draft(period="annual", term_months="18")
    page = setting.client.get(f"/backoffice/quotes/{quote_id}")
    assert "whole years" in page.text
    assert setting.send(quote_id).status_code == 409


def test_customers_and_members_cannot_reach_the_back_office(setting: Setting) -> None:
    """Staff pages are for staff."""
    setting.as_admin()
    assert setting.client.get("/backoffice/quotes").status_code == 403


def test_live_preview_prices_unsaved_values(setting: Setting) -> None:
    """The htmx preview shows the figures of what is typed, and saves nothing."""
    setting.as_staff()
    quote_id = setting.new_draft()
    page = setting.client.get(f"/backoffice/quotes/{quote_id}")
    fields = form_fields(page.text)
    fields["agents"] = "100"
    preview = setting.client.post(
        f"/backoffice/quotes/{quote_id}/preview",
        data=fields,
        headers={"HX-Request": "true", "X-CSRFToken": fields["csrf_token"]},
    )
    assert preview.status_code == 200
    assert "<html" not in preview.text
    assert "€1,200.00" in preview.text  # 100 × €12.00
    fields["agents"] = "abc"
    broken = setting.client.post(f"/backoffice/quotes/{quote_id}/preview", data=fields)
    assert "Correct the highlighted fields" in broken.text
    with setting.app.app_context():
        assert db.session.get(SalesQuote, quote_id).agents == 80


def test_send_saves_what_the_form_shows(setting: Setting) -> None:
    """ "Save and send" keeps the typed values; invalid ones are errors, nothing is sent."""
    setting.as_staff()
    quote_id = setting.new_draft()
    fields = form_fields(setting.client.get(f"/backoffice/quotes/{quote_id}").text)
    fields["term_months"] = "99"
    refused = setting.client.post(f"/backoffice/quotes/{quote_id}/send", data=fields)
    assert refused.status_code == 422
    fields["term_months"] = "36"
    sent = setting.client.post(f"/backoffice/quotes/{quote_id}/send", data=fields)
    assert sent.status_code == 302
    with setting.app.app_context():
        quote = db.session.get(SalesQuote, quote_id)
        assert (quote.status, quote.term_months) == (QuoteStatus.SENT, 36)


def test_two_sends_at_once_number_the_quote_once(setting: Setting) -> None:
    """A double click on Send, as parallel requests: one number, no gap, one e-mail."""
    setting.as_staff()
    quote_id = setting.new_draft()
    fields = form_fields(setting.client.get(f"/backoffice/quotes/{quote_id}").text)
    second = setting.app.test_client()
    second.set_cookie("session", setting.client.get_cookie("session").value)
    results = at_once(
        *(
            (lambda c=c: c.post(f"/backoffice/quotes/{quote_id}/send", data=fields).status_code)
            for c in (setting.client, second)
        )
    )
    assert sorted(results) == [302, 409]
    with setting.app.app_context():
        assert db.session.get(SalesQuote, quote_id).number == "Q-2026-000001"
        sequence = db.session.scalar(
            select(DocumentSequence).where(DocumentSequence.kind == "sales_quote")
        )
        assert sequence.last_number == 1
        emails = db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.kind == "sales_quote")
        )
        assert len(emails.all()) == 1


def test_staff_list_is_paged_and_searchable(setting: Setting) -> None:
    """25 quotes a page, newest first; search by account name or number; filters kept."""
    setting.as_staff()
    other_draft = setting.new_draft(account_id=setting.other_account_id)
    sent = setting.new_draft()
    assert setting.send(sent).status_code == 302
    drafts = [setting.new_draft() for _ in range(26)]
    first = setting.client.get("/backoffice/quotes")
    assert first.status_code == 200
    assert "28 quotes" in first.text and "Page 1 of 2" in first.text
    assert f'id="quote-{drafts[-1]}"' in first.text
    assert f'id="quote-{sent}"' not in first.text
    assert 'rel="next"' in first.text
    second = setting.client.get("/backoffice/quotes?page=2")
    assert f'id="quote-{sent}"' in second.text and f'id="quote-{other_draft}"' in second.text
    assert f'id="quote-{drafts[-1]}"' not in second.text
    # Past the end, zero, nonsense or 2^64: the nearest real page, never a 500.
    for page in ("9", "0", "abc", str(2**64)):
        answer = setting.client.get(f"/backoffice/quotes?page={page}")
        assert answer.status_code == 200, page
    by_name = setting.client.get("/backoffice/quotes?q=other+spa")
    assert "1 quote" in by_name.text and f'id="quote-{other_draft}"' in by_name.text
    by_number = setting.client.get("/backoffice/quotes?q=Q-2026-000001")
    assert f'id="quote-{sent}"' in by_number.text and "1 quote" in by_number.text
    literal = setting.client.get("/backoffice/quotes?q=%25")
    assert "No quotes match." in literal.text
    only_other = setting.client.get(f"/backoffice/quotes?account={setting.other_account_id}")
    assert "Quotes of Other SpA." in only_other.text and "1 quote" in only_other.text
