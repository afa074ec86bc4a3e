"""The quote PDF and e-mail in Italian and French; apply_accepted_quote; renewals in term."""

from __future__ import annotations

import io
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.accounts import load_account, lock_account
from portal.extensions import db
from portal.models import Account, BillingActivity, Invoice, OutgoingEmail, SalesQuote
from portal.quotes import routes as quote_routes
from portal.quotes.workflow import QuoteStateError, apply_accepted_quote
from tests.quotes.conftest import Setting


def _set_language(setting: Setting, language: str, company: str, country: str) -> None:
    """The account's invoice language and company name."""
    with setting.app.app_context():
        account = db.session.get(Account, setting.account_id)
        account.billing_info.invoice_language = language
        account.billing_info.company = company
        account.billing_info.country = country
        db.session.commit()


@pytest.mark.parametrize(
    ("language", "company", "country", "money", "words"),
    [
        ("it", "Dvořák s.r.o.", "IT", "960,00\xa0€", ("Preventivo", "Valido fino al")),
        ("fr", "Łódź Spółka z o.o.", "FR", "960,00\u202f€", ("Devis", "Valable jusqu")),
    ],
)
def test_quote_pdf_and_email_in_the_invoice_language(
    setting: Setting,
    tmp_path: Path,
    language: str,
    company: str,
    country: str,
    money: str,
    words: tuple[str, str],
) -> None:
    """Figures as Babel formats them, the Czech or Polish name intact, PDF attached."""
    _set_language(setting, language, company, country)
    quote_id = setting.sent_quote()
    pdf = setting.client.get(f"/quotes/{quote_id}/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert company in text
    assert money.replace("\xa0", " ").replace("\u202f", " ") in text.replace("\xa0", " ").replace(
        "\u202f", " "
    )
    assert words[0] in text
    outbox = Path(setting.app.config["MAIL_OUTBOX_DIR"])
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in outbox.glob("*.eml")
    ]
    quote_mails = [m for m in messages if "Q-2026-000001" in m["Subject"]]
    assert len(quote_mails) == 1
    message = quote_mails[0]
    assert message["Content-Language"] == language
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert words[1] in body
    assert company in body
    assert f"/quotes/{quote_id}" in body
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "Q-2026-000001.pdf"
    attached = PdfReader(io.BytesIO(attachment.get_content()))
    assert company in "".join(page.extract_text() for page in attached.pages)


def test_apply_accepted_quote(setting: Setting) -> None:
    """Package, negotiated units and contract end, invoice from the frozen lines, activity."""
    quote_id = setting.sent_quote()
    with setting.app.test_request_context():
        account = lock_account(setting.account_id)
        quote = db.session.get(SalesQuote, quote_id)
        invoice = apply_accepted_quote(account, quote, paid_with="Visa •••• 4242", user_id=None)
        db.session.commit()
        frozen = quote.frozen["pricing"]["first_invoice"]
        assert invoice.net_minor == frozen["net_minor"]
        assert [line.amount_minor for line in invoice.lines] == [
            line["amount_minor"] for line in frozen["lines"]
        ]
        assert invoice.status == "paid" and invoice.paid_with == "Visa •••• 4242"
        subscription = load_account(setting.account_id).subscription
        assert (subscription.agents, subscription.agent_unit_minor) == (80, 1200)
        assert subscription.contract_ends_on == date(2028, 11, 13)
        assert subscription.period_start == date(2026, 11, 13)
        assert db.session.scalar(
            select(BillingActivity).where(BillingActivity.kind == "quote_accepted")
        )
        assert db.session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.invoice_id == invoice.id)
        )
        with pytest.raises(QuoteStateError):
            apply_accepted_quote(
                lock_account(setting.account_id),
                db.session.get(SalesQuote, quote_id),
                paid_with="",
                user_id=None,
            )
        db.session.rollback()
        assert db.session.scalar(select(db.func.count(Invoice.id))) == 1


def test_renewal_run_keeps_the_negotiated_price_until_the_contract_ends(
    setting: Setting, clock, runner
) -> None:
    """flask billing renew charges €12.00 per agent inside the term (credit covers it here)."""
    quote_id = setting.sent_quote()
    with setting.app.test_request_context():
        account = lock_account(setting.account_id)
        apply_accepted_quote(
            account, db.session.get(SalesQuote, quote_id), paid_with="Visa", user_id=None
        )
        account.credit_minor = 10_000_000  # the renewal is paid from credit, no gateway
        db.session.commit()
    clock.advance(days=30)
    result = runner.invoke(args=["billing", "renew"])
    assert result.exit_code == 0, result.output
    with setting.app.app_context():
        renewal = db.session.scalar(
            select(Invoice).where(Invoice.change_kind == "renewal").order_by(Invoice.id)
        )
        assert renewal is not None
        assert renewal.lines[0].unit_minor == 1200
        assert renewal.net_minor == 96_000


def test_a_quote_pdf_that_cannot_be_drawn_is_a_friendly_503(
    setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer's and the staff's download both answer with a translated page."""
    quote_id = setting.sent_quote()

    def broken(quote):
        raise quote_routes.QuotePdfError(f"quote {quote.number}: broken table")

    monkeypatch.setattr(quote_routes, "sales_quote_pdf", broken)
    customer = setting.client.get(f"/quotes/{quote_id}/pdf")
    assert customer.status_code == 503
    assert "not available right now" in customer.text
    setting.as_staff()
    staff = setting.client.get(f"/backoffice/quotes/{quote_id}/pdf")
    assert staff.status_code == 503
