"""Where staff and customers see an e-invoice: the staff's account page and list, "produce again
and resend", the customer's invoice list and XML download."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.einvoices import sending
from portal.extensions import db
from portal.models import EInvoiceFile, EInvoiceState, Invoice, Role
from portal.numbers import MAX_ID
from tests.conftest import at_once, csrf_token_from
from tests.einvoices.conftest import DUPLICATE_INVOICE, receipt, receipt_name

UNKNOWN_CODE = (
    "<Errore><Codice>00311</Codice>"
    "<Descrizione>CodiceDestinatario non valido</Descrizione></Errore>"
)
REJECTION_PROBLEMS = [
    {"code": "00404", "rule": "sdi", "message": "Fattura duplicata"},
    {"code": "00311", "rule": "sdi", "message": "CodiceDestinatario non valido"},
]


def _sign_in(factory, auth, email: str, role: Role, account_id=None, locale: str = "en") -> None:
    factory.user(email, role, account_id, locale=locale)
    auth.login(email)


@pytest.mark.parametrize(
    ("locale", "meaning"),
    [
        ("en", "Duplicate invoice: this number was already sent"),
        ("it", "Fattura duplicata: questo numero è già stato inviato"),
        ("fr", "Facture en double\u00a0: ce numéro a déjà été envoyé"),
    ],
)
def test_a_rejection_s_codes_are_shown_to_staff_in_their_language(
    app, client, factory, auth, issue, einvoice_file, folders, runner, locale, meaning
):
    account_id = factory.account()
    invoice_id = issue(account_id)
    name = einvoice_file(invoice_id, "00001")
    runner.invoke(args=["einvoices", "send"])
    folders.drop(
        receipt_name(name, "NS"),
        receipt("NS", name, sdi_id="99887766", errors=DUPLICATE_INVOICE + UNKNOWN_CODE),
    )
    runner.invoke(args=["einvoices", "receipts"])
    _sign_in(factory, auth, "staff@vendor.example.com", Role.STAFF, locale=locale)

    page = client.get(f"/backoffice/accounts/{account_id}").text
    cell = page.split(f'id="document-{invoice_id}"')[1].split("</tr>")[0]

    assert name in cell
    assert "99887766" in cell
    assert "<code>00404</code> " + meaning.replace("'", "&#39;") in cell
    # A code the portal has no meaning for shows the exchange system's own description.
    assert "<code>00311</code> CodiceDestinatario non valido" in cell
    assert "produce-again" in cell
    assert f"/backoffice/accounts/{account_id}/documents/{invoice_id}/xml" in cell


def test_the_staff_list_filters_by_state_newest_first_and_links_the_account(
    app, client, factory, auth, issue, einvoice_file, clock
):
    first_account, second_account = factory.account("Alfa S.r.l."), factory.account("Beta S.p.A.")
    names = {}
    for number, (account_id, state) in enumerate(
        [
            (first_account, EInvoiceState.DELIVERED),
            (second_account, EInvoiceState.REJECTED),
            (first_account, EInvoiceState.INVALID),
            (second_account, EInvoiceState.REJECTED),
        ],
        start=1,
    ):
        clock.advance(minutes=1)
        names[number] = einvoice_file(
            issue(account_id, agents=number),
            f"0000{number}",
            state=state,
            problems=REJECTION_PROBLEMS if state is EInvoiceState.REJECTED else [],
        )
    _sign_in(factory, auth, "staff@vendor.example.com", Role.STAFF)

    every = client.get("/backoffice/einvoices").text
    rejected = client.get("/backoffice/einvoices?state=rejected").text
    nothing = client.get("/backoffice/einvoices?state=sent").text
    unknown_chip = client.get("/backoffice/einvoices?state=nonsense&page=99").text

    assert [every.index(names[n]) for n in (4, 3, 2, 1)] == sorted(
        every.index(names[n]) for n in (4, 3, 2, 1)
    )
    assert "4 files" in every
    assert names[4] in rejected and names[2] in rejected
    assert names[1] not in rejected and names[3] not in rejected
    assert rejected.index(names[4]) < rejected.index(names[2])
    assert "<code>00404</code> Duplicate invoice" in rejected
    assert f'href="/backoffice/accounts/{second_account}#document-' in rejected
    assert "No e-invoice file in this state." in nothing
    assert "4 files" in unknown_chip  # an unknown chip is the whole list, its last page


def test_the_staff_list_pages_by_25(app, client, factory, auth, issue, einvoice_file):
    account_id = factory.account()
    for number in range(1, 28):
        einvoice_file(issue(account_id), f"{number:05d}")
    _sign_in(factory, auth, "staff@vendor.example.com", Role.STAFF)

    first = client.get("/backoffice/einvoices").text
    second = client.get("/backoffice/einvoices?page=2").text
    past = client.get(f"/backoffice/einvoices?page={MAX_ID}").text

    assert first.count('class="file-name"') == 25 and "Page 1 of 2" in first
    assert second.count('class="file-name"') == 2 and "Page 2 of 2" in second
    assert past.count('class="file-name"') == 2


def _fake_producer(monkeypatch, *, state: EInvoiceState = EInvoiceState.GENERATED) -> list[str]:
    """produce_einvoice's stand-in: a new file under the next progressive, earlier unsent
    files superseded (as portal.einvoices.produce does)."""
    made: list[str] = []

    def produce(invoice: Invoice) -> EInvoiceFile:
        count = db.session.scalar(select(func.count(EInvoiceFile.id))) or 0
        progressive = f"{count + 1:05d}"
        for earlier in db.session.scalars(
            select(EInvoiceFile).where(
                EInvoiceFile.invoice_id == invoice.id,
                EInvoiceFile.state.in_([EInvoiceState.GENERATED, EInvoiceState.INVALID]),
            )
        ):
            earlier.state = EInvoiceState.SUPERSEDED
        file = EInvoiceFile(
            invoice_id=invoice.id,
            file_name=f"IT01234567890_{progressive}.xml",
            progressive=progressive,
            content=b"<FatturaElettronica/>",
            state=state,
        )
        db.session.add(file)
        db.session.flush()
        made.append(file.file_name)
        return file

    monkeypatch.setattr(sending, "_producer", lambda: produce)
    return made


def _produce_again(client, account_id: int, invoice_id: int):
    page = client.get(f"/backoffice/accounts/{account_id}").text
    return client.post(
        f"/backoffice/accounts/{account_id}/documents/{invoice_id}/einvoice",
        data={"csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )


def test_a_rejected_document_is_produced_again_under_a_new_name_and_sent_next_run(
    app, client, factory, auth, issue, einvoice_file, folders, runner, monkeypatch
):
    made = _fake_producer(monkeypatch)
    account_id = factory.account()
    invoice_id = issue(account_id)
    rejected = einvoice_file(
        invoice_id, "00001", state=EInvoiceState.REJECTED, problems=REJECTION_PROBLEMS
    )
    _sign_in(factory, auth, "staff@vendor.example.com", Role.STAFF)

    answer = _produce_again(client, account_id, invoice_id)

    assert answer.status_code == 200
    assert made == ["IT01234567890_00002.xml"] and made[0] != rejected
    assert f"E-invoice produced again as {made[0]}" in answer.text
    cell = answer.text.split(f'id="document-{invoice_id}"')[1].split("</tr>")[0]
    assert "Generated" in cell and made[0] in cell and "produce-again" not in cell
    result = runner.invoke(args=["einvoices", "send"])
    assert "sent 1" in result.output
    assert (folders.outbox / made[0]).exists() and not (folders.outbox / rejected).exists()
    with app.app_context():
        states = dict(db.session.execute(select(EInvoiceFile.file_name, EInvoiceFile.state)).all())
    assert states == {rejected: EInvoiceState.REJECTED, made[0]: EInvoiceState.SENT}


def test_an_invalid_document_produced_again_and_still_invalid_is_not_sent(
    app, client, factory, auth, issue, einvoice_file, monkeypatch
):
    made = _fake_producer(monkeypatch, state=EInvoiceState.INVALID)
    account_id = factory.account()
    invoice_id = issue(account_id)
    einvoice_file(invoice_id, "00001", state=EInvoiceState.INVALID)
    _sign_in(factory, auth, "staff@vendor.example.com", Role.STAFF)

    answer = _produce_again(client, account_id, invoice_id)

    assert "still fails a rule: it is not sent" in answer.text
    assert made == ["IT01234567890_00002.xml"]


def test_only_a_rejected_or_invalid_document_is_produced_again(
    app, client, factory, auth, issue, einvoice_file, monkeypatch
):
    made = _fake_producer(monkeypatch)
    account_id = factory.account()
    delivered = issue(account_id)
    einvoice_file(delivered, "00001", state=EInvoiceState.DELIVERED)
    other_account = factory.account("Altra S.r.l.")
    others = issue(other_account)
    einvoice_file(others, "00002", state=EInvoiceState.REJECTED)
    _sign_in(factory, auth, "staff@vendor.example.com", Role.STAFF)

    answer = _produce_again(client, account_id, delivered)
    assert "neither rejected nor invalid" in answer.text
    # Another account's document under this account's address: 404.
    assert _produce_again(client, account_id, others).status_code == 404
    page = client.get(f"/backoffice/accounts/{account_id}").text
    no_token = client.post(f"/backoffice/accounts/{other_account}/documents/{others}/einvoice")
    assert no_token.status_code == 400
    assert "csrf_token" in page
    assert made == []


def test_two_clicks_at_once_produce_one_new_file(app, factory, issue, einvoice_file, monkeypatch):
    made = _fake_producer(monkeypatch)
    account_id = factory.account()
    invoice_id = issue(account_id)
    einvoice_file(invoice_id, "00001", state=EInvoiceState.REJECTED)

    def click():
        with app.app_context():
            try:
                return sending.produce_again(account_id, invoice_id).file_name
            except sending.NotProducedAgain:
                return None
            finally:
                db.session.remove()

    results = at_once(click, click)

    assert sorted(results, key=str) == sorted([None, "IT01234567890_00002.xml"], key=str)
    assert made == ["IT01234567890_00002.xml"]


@pytest.mark.parametrize(
    ("state", "words", "downloadable"),
    [
        (EInvoiceState.GENERATED, "E-invoice being prepared", False),
        (EInvoiceState.INVALID, "E-invoice being prepared", False),
        (EInvoiceState.REJECTED, "E-invoice being prepared", False),
        (EInvoiceState.SENT, "E-invoice sent to the exchange system", True),
        (EInvoiceState.DELIVERED, "E-invoice delivered", True),
        (
            EInvoiceState.NOT_DELIVERABLE,
            "E-invoice not deliverable to your mailbox: download it here",
            True,
        ),
    ],
)
def test_the_customer_sees_the_state_in_words_and_downloads_a_sent_xml(
    app, client, factory, auth, issue, einvoice_file, state, words, downloadable
):
    account_id = factory.account()
    invoice_id = issue(account_id)
    name = einvoice_file(invoice_id, "00001", state=state, problems=REJECTION_PROBLEMS)
    _sign_in(factory, auth, "billing@acme.example.com", Role.BILLING_ADMIN, account_id)

    page = client.get("/billing/invoices/").text
    row = page.split(f'id="invoice-{invoice_id}"')[1].split("</tr>")[0]
    download = client.get(f"/billing/invoices/{invoice_id}/xml")

    assert words in row
    assert "00404" not in page and "Fattura duplicata" not in page and name not in page
    assert (f"/billing/invoices/{invoice_id}/xml" in row) is downloadable
    if downloadable:
        assert download.status_code == 200
        assert download.mimetype == "application/xml"
        assert download.headers["Cache-Control"] == "private, no-store"
        assert f"filename={name}" in download.headers["Content-Disposition"]
        with app.app_context():
            stored = db.session.scalar(
                select(EInvoiceFile.content).where(EInvoiceFile.file_name == name)
            )
        assert download.data == stored
    else:
        assert download.status_code == 404


def test_another_account_s_xml_or_a_huge_id_is_404(
    app, client, factory, auth, issue, einvoice_file
):
    account_id = factory.account()
    own = issue(account_id)
    einvoice_file(own, "00001", state=EInvoiceState.DELIVERED)
    others = issue(factory.account("Altra S.r.l."))
    einvoice_file(others, "00002", state=EInvoiceState.DELIVERED)
    no_file = issue(account_id)
    _sign_in(factory, auth, "billing@acme.example.com", Role.BILLING_ADMIN, account_id)

    assert client.get(f"/billing/invoices/{own}/xml").status_code == 200
    assert client.get(f"/billing/invoices/{others}/xml").status_code == 404
    assert client.get(f"/billing/invoices/{no_file}/xml").status_code == 404
    assert client.get(f"/billing/invoices/{MAX_ID}/xml").status_code == 404
    assert client.get(f"/billing/invoices/{MAX_ID + 1}/xml").status_code == 404
    assert client.get(f"/billing/invoices/{'9' * 40}/xml").status_code == 404


def test_the_customer_list_still_takes_one_query_with_e_invoices(
    app, client, factory, auth, issue, einvoice_file
):
    from tests.web.test_performance import statements_of

    account_id = factory.account()
    for number in range(1, 4):
        einvoice_file(issue(account_id), f"0000{number}", state=EInvoiceState.DELIVERED)
    _sign_in(factory, auth, "billing@acme.example.com", Role.BILLING_ADMIN, account_id)
    client.get("/billing/invoices/")

    statements = statements_of(app, client, "/billing/invoices/")

    assert len(statements) <= 2, statements
    # The documents' e-invoice states come with the page's one query.
    assert [bool(re.search(r"\beinvoice_files\b", sql)) for sql in statements].count(True) == 1
