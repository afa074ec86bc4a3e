"""The staff's account page (issue 26, item 15): the contract from the accepted quote with its
negotiated prices, the country by name in the page's language, and every document's PDF."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import InvoiceStatus, SalesQuote
from tests.invoices.conftest import issue  # noqa: F401
from tests.quotes.conftest import Setting, setting  # noqa: F401
from tests.quotes.test_customer import FREE, _accept_all_steps


def test_the_contract_of_the_accepted_quote_is_shown(setting: Setting):  # noqa: F811
    quote_id = setting.sent_quote(
        **FREE, pack_discount_kind="percent", pack_discount_value="10", packs="2"
    )
    assert _accept_all_steps(setting, quote_id).status_code == 302
    setting.as_staff()
    page = setting.client.get(f"/backoffice/accounts/{setting.account_id}").text
    assert "Contract" in page
    assert "Q-2026-000001" in page
    assert f'href="/backoffice/quotes/{quote_id}"' in page
    assert "24 months" in page
    assert "Nov 13, 2028" in page  # negotiated prices until
    # 80 agents free instead of €15.00; 2 packs at €9.00 instead of €10.00.
    prices = page.split('class="contract-prices"')[1].split("</table>")[0]
    assert "€15.00" in prices and "€0.00" in prices
    assert "€10.00" in prices and "€9.00" in prices


def test_no_contract_without_an_accepted_quote(setting: Setting):  # noqa: F811
    setting.sent_quote()
    setting.as_staff()
    page = setting.client.get(f"/backoffice/accounts/{setting.account_id}").text
    assert 'class="contract"' not in page


def test_the_country_is_named_in_the_page_language(setting: Setting):  # noqa: F811
    setting.as_staff()
    english = setting.client.get(f"/backoffice/accounts/{setting.account_id}").text
    assert "Italy" in english.split("<address>")[1].split("</address>")[0]
    setting.client.post("/language", data={"language": "fr"})
    with setting.app.app_context():
        from portal.models import User

        staff = db.session.scalar(select(User).where(User.email == "staff@vendor.example"))
        staff.locale = "fr"
        db.session.commit()
    french = setting.client.get(f"/backoffice/accounts/{setting.account_id}").text
    address = french.split("<address>")[1].split("</address>")[0]
    assert "Italie" in address and "IT\n" not in address


def test_invoices_and_credit_notes_download_as_pdf(setting: Setting, issue):  # noqa: F811
    invoice_id = issue(setting.account_id, status=InvoiceStatus.OPEN)
    other_invoice = issue(setting.other_account_id)
    setting.as_staff()
    page = setting.client.get(f"/backoffice/accounts/{setting.account_id}").text
    link = f"/backoffice/accounts/{setting.account_id}/documents/{invoice_id}/pdf"
    assert f'href="{link}"' in page
    pdf = setting.client.get(link)
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    # Another account's document is not this account's: 404, whatever the id.
    wrong = f"/backoffice/accounts/{setting.account_id}/documents/{other_invoice}/pdf"
    assert setting.client.get(wrong).status_code == 404
    setting.as_admin()
    assert setting.client.get(link).status_code == 403
    with setting.app.app_context():
        assert db.session.scalar(select(SalesQuote.id)) is None
