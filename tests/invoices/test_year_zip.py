"""The year's invoices and credit notes in one ZIP, for the accountant."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from portal.documents import pdf as documents
from portal.extensions import db
from portal.models import Invoice, Role

ZIP = "/billing/invoices/zip"


def numbers(app, account_id: int, year: int) -> list[str]:
    """The numbers of the account's documents of the year."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Invoice.number).where(Invoice.account_id == account_id, Invoice.year == year)
            )
        )


def entries(response) -> dict[str, bytes]:
    """The files of a ZIP answer, by name."""
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def documents_of_two_years(customer, issue, credit, other_account_invoice) -> dict[str, int]:
    """2025: one invoice. 2026: two invoices, the first refunded by a credit note; the other
    company's 2026 invoice is issued first."""
    old = issue(customer.account_id, agents=1, on=date(2025, 3, 2))
    first = issue(customer.account_id, agents=2, on=date(2026, 1, 10))
    second = issue(customer.account_id, agents=3, on=date(2026, 11, 13))
    note = credit(first, on=date(2026, 1, 20))
    return {"old": old, "first": first, "second": second, "note": note}


def test_the_zip_holds_every_invoice_and_credit_note_of_the_year(
    app, customer, documents_of_two_years, other_account_invoice
):
    files = entries(customer.client.get(ZIP, query_string={"year": "2026"}))
    # INV-2026-000001 is the other company's (issued first); ours follow it.
    assert sorted(files) == [
        "CN-2026-000001.pdf",
        "INV-2026-000002.pdf",
        "INV-2026-000003.pdf",
    ]
    assert sorted(files) == sorted(f"{n}.pdf" for n in numbers(app, customer.account_id, 2026))
    for name, content in files.items():
        reader = pypdf.PdfReader(io.BytesIO(content))
        text = " ".join(page.extract_text() for page in reader.pages)
        assert name.removesuffix(".pdf") in text
    # The other company's 2026 invoice is never in it, by name or inside another file.
    with app.app_context():
        other = db.session.get(Invoice, other_account_invoice).number
    assert f"{other}.pdf" not in files
    assert all(other not in pypdf_text(content) for content in files.values())


def pypdf_text(content: bytes) -> str:
    """The text of a PDF."""
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_each_file_is_the_pdf_the_single_download_gives(app, customer, documents_of_two_years):
    files = entries(customer.client.get(ZIP, query_string={"year": "2026"}))
    for key in ("first", "second", "note"):
        single = customer.client.get(f"/billing/invoices/{documents_of_two_years[key]}/pdf")
        assert single.status_code == 200
        name = single.headers["Content-Disposition"].split("filename=")[1].strip('"')
        assert files[name] == single.data


def test_the_other_year_and_the_latest_by_default(app, customer, documents_of_two_years):
    assert list(entries(customer.client.get(ZIP, query_string={"year": "2025"}))) == [
        "INV-2025-000001.pdf"
    ]
    latest = customer.client.get(ZIP)
    assert len(entries(latest)) == 3
    assert latest.headers["Content-Disposition"] == "attachment; filename=invoices-2026.zip"
    assert "no-store" in latest.headers["Cache-Control"]


def test_the_page_offers_the_years_with_documents_latest_first(customer, documents_of_two_years):
    page = customer.client.get("/billing/invoices/").text
    form = page[page.index('class="year-zip"') : page.index("</form>", page.index("year-zip"))]
    assert f'action="{ZIP}"' in form
    assert form.index('<option value="2026">') < form.index('<option value="2025">')
    assert "2024" not in form
    assert "Download the year (ZIP)" in form


def test_no_form_before_the_first_invoice(customer):
    assert "year-zip" not in customer.client.get("/billing/invoices/").text


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "There are no invoices or credit notes from 2024: there is nothing to download."),
        ("it", "Non ci sono fatture né note di credito del 2024"),
        ("fr", "Aucune facture ni aucun avoir en 2024\u00a0: il n&#39;y a rien à télécharger."),
    ],
)
def test_a_year_without_documents_says_so_instead_of_an_empty_zip(
    customer, documents_of_two_years, language, message
):
    headers = {"Accept-Language": language}
    response = customer.client.get(ZIP, query_string={"year": "2024"}, headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == "/billing/invoices/"
    page = customer.client.get("/billing/invoices/", headers=headers)
    assert message in page.text


def test_an_account_without_documents_gets_a_message(customer, other_account_invoice):
    response = customer.client.get(ZIP, follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "There are no invoices yet: there is nothing to download." in response.text
    # Another account's year is no year of this one.
    response = customer.client.get(ZIP, query_string={"year": "2026"}, follow_redirects=True)
    assert "There are no invoices or credit notes from 2026" in response.text


ERRORS = {
    400: "Non è stato possibile interpretare la richiesta.",
    404: "Questa pagina non esiste oppure non hai il permesso di vederla.",
}


@pytest.mark.parametrize(
    ("year", "status"),
    [
        ("twenty", 400),
        ("2026.0", 400),
        ("1e3", 400),
        ("２０２６", 400),  # noqa: RUF001 - full-width digits are no year
        ("0x7ea", 400),
        (str(2**64), 404),
        ("9" * 5000, 404),
        ("-2026", 404),
        ("0", 404),
        ("1979", 404),
        ("10000", 404),
    ],
)
def test_a_year_that_is_no_year_is_a_clear_error(customer, documents_of_two_years, year, status):
    response = customer.client.get(ZIP, query_string={"year": year})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    italian = customer.client.get(
        ZIP, query_string={"year": year}, headers={"Accept-Language": "it"}
    )
    assert italian.status_code == status
    assert ERRORS[status] in italian.text


def test_a_pdf_that_cannot_be_drawn_is_the_friendly_503(
    customer, documents_of_two_years, monkeypatch
):
    def broken(invoice):
        raise documents.InvoicePdfError(f"invoice {invoice.number}: broken table")

    monkeypatch.setattr(documents, "render_invoice_pdf", broken)
    response = customer.client.get(ZIP, query_string={"year": "2026"})
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "not available right now" in response.text


def test_members_cannot_download_the_zip(app, client, auth, factory, customer, issue):
    issue(customer.account_id)
    factory.user("agent@bottega.example.com", Role.MEMBER, customer.account_id)
    auth.logout()
    auth.login("agent@bottega.example.com")
    assert client.get(ZIP, query_string={"year": "2026"}).status_code == 403
