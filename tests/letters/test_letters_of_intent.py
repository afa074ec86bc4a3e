"""Letters of intent end to end: upload, staff's decision, VAT-free invoices citing the letter
within its ceiling, VAT once it is exhausted, races at the ceiling, credit notes giving back."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.documents.issuing import issue_reversal
from portal.domain.pricing import ChangeKind
from portal.domain.tax import LetterCitation
from portal.extensions import db
from portal.letters.ceiling import CeilingExceeded, use_ceiling
from portal.models import Invoice, LetterOfIntent, Role
from tests.conftest import at_once, csrf_token_from
from tests.documents.conftest import pdf_text
from tests.letters.conftest import (
    LETTER,
    PDF,
    PROTOCOL,
    STANDARD_TWO,
    first_purchase_net,
    letters_of,
    set_used,
    upload,
)
from tests.lifecycle.test_races import tab
from tests.wizard.conftest import read_form


def _invoices(app, account_id: int) -> list[Invoice]:
    """The account's documents, detached, in the order they were issued."""
    with app.app_context():
        rows = db.session.scalars(
            select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def test_upload_approve_then_a_purchase_carries_no_vat_and_cites_the_letter(
    app, exporter, staff, clock
):
    net = first_purchase_net(app, exporter.account_id, clock)
    response = upload(exporter.client)
    assert response.status_code == 302
    (letter,) = letters_of(app, exporter.account_id)
    assert (letter.state, letter.protocol, letter.ceiling_minor, letter.used_minor) == (
        "submitted",
        PROTOCOL,
        500000,
        0,
    )
    assert letter.pdf == PDF
    page = exporter.client.get("/billing/letters-of-intent").text
    assert "Waiting for our check" in page

    # Staff see it waiting, download its PDF, approve it.
    waiting = staff.client.get("/backoffice/letters-of-intent")
    assert PROTOCOL in waiting.text
    assert staff.client.get(f"/backoffice/letters-of-intent/{letter.id}/pdf").data == PDF
    assert staff.decide(letter.id, "approve").status_code == 302
    assert PROTOCOL not in staff.client.get("/backoffice/letters-of-intent").text
    account_page = staff.client.get(f"/backoffice/accounts/{exporter.account_id}").text
    assert PROTOCOL in account_page and "Approved" in account_page

    # The summary shows the exemption instead of VAT.
    exporter.add_card()
    form = exporter.payment_form(**STANDARD_TWO)
    summary = exporter.client.get("/package/edit/payment", query_string=STANDARD_TWO).text
    assert "No VAT: letter of intent" in summary
    assert f"protocol {PROTOCOL} of Jan 15, 2026" in summary
    assert exporter.pay(form).status_code == 302

    (invoice,) = _invoices(app, exporter.account_id)
    assert (invoice.net_minor, invoice.vat_minor, invoice.total_minor) == (net, 0, net)
    assert invoice.tax_kind == "letter_of_intent"
    assert invoice.customer["letter_of_intent"] == {
        "protocol": PROTOCOL,
        "issued_on": "2026-01-15",
        "id": letter.id,
    }
    assert invoice.customer["recipient_code"] == "M5UXCR1"
    (letter,) = letters_of(app, exporter.account_id)
    assert letter.used_minor == net

    text = pdf_text(exporter.client.get(f"/billing/invoices/{invoice.id}/pdf").data)
    assert "art. 8, paragraph 1, letter c) of DPR 633/72" in text
    assert PROTOCOL in text

    # The customer sees what is left of the ceiling.
    page = exporter.client.get("/billing/letters-of-intent").text
    left = page.split('data-figure="left">', 1)[1].split("<", 1)[0]
    assert left == f"€{(500000 - net) / 100:,.2f}"


def test_the_pdf_cites_the_letter_in_italian(app, exporter, approved):
    with app.app_context():
        from portal.models import BillingInfo

        db.session.get(BillingInfo, exporter.account_id).invoice_language = "it"
        db.session.commit()
    exporter.add_card()
    assert exporter.pay(exporter.payment_form(**STANDARD_TWO)).status_code == 302
    (invoice,) = _invoices(app, exporter.account_id)
    text = pdf_text(exporter.client.get(f"/billing/invoices/{invoice.id}/pdf").data)
    assert "Non imponibile IVA art. 8, comma 1, lett. c) DPR 633/72" in text
    assert f"dichiarazione d'intento prot. {PROTOCOL} del 15 gen 2026" in text


def test_a_rejection_needs_a_reason_and_the_customer_reads_it(app, exporter, staff):
    assert upload(exporter.client).status_code == 302
    (letter,) = letters_of(app, exporter.account_id)
    missing = staff.decide(letter.id, "reject", reason="  ")
    assert missing.status_code == 422
    assert "Say why the letter is rejected" in missing.text
    too_long = staff.decide(letter.id, "reject", reason="x" * 501)
    assert too_long.status_code == 422
    assert letters_of(app, exporter.account_id)[0].state == "submitted"

    reason = "The receipt's protocol does not match the letter <b>attached</b>."
    assert staff.decide(letter.id, "reject", reason=reason).status_code == 302
    (letter,) = letters_of(app, exporter.account_id)
    assert (letter.state, letter.reason) == ("rejected", reason)
    assert letter.decided_by_id is not None and letter.decided_at is not None
    page = exporter.client.get("/billing/letters-of-intent").text
    assert "Rejected" in page
    assert "letter &lt;b&gt;attached&lt;/b&gt;." in page  # escaped, never markup
    # Decided once: approving it afterwards changes nothing.
    late = staff.decide(letter.id, "approve")
    assert late.status_code in (409, 422)
    assert letters_of(app, exporter.account_id)[0].state == "rejected"

    # A rejected letter removes no VAT.
    exporter.add_card()
    assert exporter.pay(exporter.payment_form(**STANDARD_TWO)).status_code == 302
    (invoice,) = _invoices(app, exporter.account_id)
    assert invoice.tax_kind == "domestic" and invoice.vat_minor > 0


def test_a_net_above_what_is_left_pays_vat_on_all_of_it_and_the_summary_says_why(
    app, exporter, approved, clock
):
    net = first_purchase_net(app, exporter.account_id, clock)
    set_used(app, approved, ceiling_minor=net + 100, used_minor=101)  # one cent short
    exporter.add_card()
    summary = exporter.client.get("/package/edit/payment", query_string=STANDARD_TWO).text
    assert "ceiling is exhausted" in summary
    assert "No VAT: letter of intent" not in summary
    assert exporter.pay(exporter.payment_form(**STANDARD_TWO)).status_code == 302
    (invoice,) = _invoices(app, exporter.account_id)
    assert invoice.tax_kind == "domestic"
    assert invoice.vat_minor == round(net * 22 / 100)
    assert "letter_of_intent" not in invoice.customer
    assert letters_of(app, exporter.account_id)[0].used_minor == 101


def test_a_letter_outside_its_dates_removes_no_vat(app, exporter, approved):
    with app.app_context():
        letter = db.session.get(LetterOfIntent, approved)
        letter.valid_from, letter.valid_to = date(2025, 1, 1), date(2025, 12, 31)
        db.session.commit()
    exporter.add_card()
    assert exporter.pay(exporter.payment_form(**STANDARD_TWO)).status_code == 302
    (invoice,) = _invoices(app, exporter.account_id)
    assert invoice.tax_kind == "domestic"


def test_two_tabs_paying_at_once_at_the_ceiling_use_it_once(app, exporter, approved, clock):
    net = first_purchase_net(app, exporter.account_id, clock)
    set_used(app, approved, ceiling_minor=net)  # room for exactly one such invoice
    exporter.add_card()
    clients = [exporter.client, tab(app, exporter), tab(app, exporter)]
    forms = [
        read_form(client.get("/package/edit/payment", query_string=STANDARD_TWO).text, "pay-form")
        for client in clients
    ]
    responses = at_once(
        *[
            lambda c=client, f=form: c.post("/package/edit/pay", data=f)
            for client, form in zip(clients, forms, strict=True)
        ]
    )
    codes = sorted(getattr(response, "status_code", 500) for response in responses)
    assert codes[0] == 302 and set(codes) <= {302, 409}, codes
    invoices = _invoices(app, exporter.account_id)
    assert len(invoices) == 1
    assert invoices[0].tax_kind == "letter_of_intent"
    assert letters_of(app, exporter.account_id)[0].used_minor == net


def test_parallel_issues_cannot_both_take_the_last_part_of_the_ceiling(
    app, exporter, approved, backend
):
    """The conditional UPDATE itself, raced by real threads in their own transactions."""
    set_used(app, approved, ceiling_minor=10000, used_minor=4000)
    (letter,) = letters_of(app, exporter.account_id)
    citation = LetterCitation(letter.id, letter.protocol, letter.issued_on)

    def take() -> str:
        with app.app_context():
            try:
                use_ceiling(citation, exporter.account_id, 5000)
                db.session.commit()
                return "taken"
            except CeilingExceeded:
                db.session.rollback()
                return "refused"

    for _trial in range(5):
        set_used(app, approved, ceiling_minor=10000, used_minor=4000)
        outcomes = at_once(take, take, take, take)
        assert sorted(outcomes) == ["refused", "refused", "refused", "taken"], outcomes
        assert letters_of(app, exporter.account_id)[0].used_minor == 9000


def test_a_credit_note_of_a_vat_free_invoice_gives_its_net_back(app, exporter, approved):
    exporter.add_card()
    assert exporter.pay(exporter.payment_form(**STANDARD_TWO)).status_code == 302
    (invoice,) = _invoices(app, exporter.account_id)
    assert letters_of(app, exporter.account_id)[0].used_minor == invoice.net_minor
    with app.app_context():
        original = db.session.get(Invoice, invoice.id)
        note = issue_reversal(
            original, issued_on=original.issued_on, change_kind=ChangeKind.REFUND, paid_with=""
        )
        db.session.commit()
        assert note.tax_kind == "letter_of_intent" and note.vat_minor == 0
        assert note.customer["letter_of_intent"]["protocol"] == PROTOCOL
    assert letters_of(app, exporter.account_id)[0].used_minor == 0


def test_another_accounts_letter_is_not_found(app, exporter, factory):
    other = factory.account("Altra S.r.l.", country="IT", vat_id="IT00743110157")
    with app.app_context():
        db.session.add(
            LetterOfIntent(
                account_id=other,
                pdf=PDF,
                file_name="altra.pdf",
                protocol=PROTOCOL,
                issued_on=date(2026, 1, 15),
                valid_from=date(2026, 1, 1),
                valid_to=date(2026, 12, 31),
                ceiling_minor=100,
                state="approved",
            )
        )
        db.session.commit()
        letter_id = db.session.scalar(select(LetterOfIntent.id))
    assert exporter.client.get(f"/billing/letters-of-intent/{letter_id}/pdf").status_code == 404
    assert PROTOCOL not in exporter.client.get("/billing/letters-of-intent").text
    # Nor does another account's approved letter remove this account's VAT.
    exporter.add_card()
    assert exporter.pay(exporter.payment_form(**STANDARD_TWO)).status_code == 302
    assert _invoices(app, exporter.account_id)[0].tax_kind == "domestic"


def test_members_are_refused(app, client, auth, exporter, factory):
    factory.user("agent@esporta.example.com", Role.MEMBER, exporter.account_id)
    auth.logout()
    auth.login("agent@esporta.example.com")
    assert client.get("/billing/letters-of-intent").status_code == 403
    page = client.get("/", follow_redirects=True).text
    posted = client.post(
        "/billing/letters-of-intent",
        data={
            **LETTER,
            "csrf_token": csrf_token_from(page),
            "document": (io.BytesIO(PDF), "l.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert posted.status_code == 403
    assert letters_of(app, exporter.account_id) == []


def test_a_file_that_is_not_a_pdf_is_refused(app, exporter):
    response = upload(exporter.client, document=(io.BytesIO(b"GIF89a not a pdf"), "letter.pdf"))
    assert response.status_code == 422
    assert "This file is not a PDF" in response.text
    assert 'value="26011512345678901-000001"' in response.text  # nothing typed is lost
    missing = upload(exporter.client, document=(io.BytesIO(b""), ""))
    assert missing.status_code == 422
    assert "Choose the PDF" in missing.text
    assert letters_of(app, exporter.account_id) == []


def test_a_pdf_above_5_mb_is_refused_and_a_20_mb_body_cleanly(app, exporter):
    big = PDF[:-6] + b"0" * (5 * 1024 * 1024) + b"%%EOF\n"
    response = upload(exporter.client, document=(io.BytesIO(big), "letter.pdf"))
    assert response.status_code == 422
    assert "larger than 5 MB" in response.text
    huge = upload(
        exporter.client, document=(io.BytesIO(b"%PDF-" + b"0" * (20 * 1024 * 1024)), "x.pdf")
    )
    assert huge.status_code == 413
    assert "too large" in huge.text
    assert letters_of(app, exporter.account_id) == []


@pytest.mark.parametrize(
    "protocol",
    [
        "2601151234567890-000001",
        "26011512345678901-00001",
        "26011512345678901000001",
        "26133112345678901-000001",
        "26011512345678901-00000A",
    ],
    ids=["16-digits", "5-digit-progressive", "no-dash", "no-such-day", "letter"],
)
def test_a_protocol_that_is_not_the_receipts_is_refused(app, exporter, protocol):
    response = upload(exporter.client, protocol=protocol)
    assert response.status_code == 422
    assert "17 digits, a dash and 6 digits" in response.text
    assert letters_of(app, exporter.account_id) == []


def test_dates_out_of_order_and_a_zero_ceiling_are_refused(app, exporter):
    assert upload(exporter.client, valid_to="2025-12-31").status_code == 422
    assert upload(exporter.client, ceiling="0").status_code == 422
    assert upload(exporter.client, ceiling="12,345").status_code == 422
    assert upload(exporter.client, ceiling="1.234,50").status_code == 422
    assert upload(exporter.client, ceiling=" 1234,5 ").status_code == 302
    assert letters_of(app, exporter.account_id)[0].ceiling_minor == 123450


def test_outside_italy_the_page_says_so_and_takes_no_letter(app, client, auth, factory):
    account_id = factory.account("Export GmbH", country="DE", vat_id="DE123456788")
    factory.user("billing@export.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@export.example.com")
    page = client.get("/billing/letters-of-intent")
    assert page.status_code == 200
    assert "Letters of intent are for customers in Italy" in page.text
    assert 'name="document"' not in page.text
    assert upload(client).status_code == 422
    assert letters_of(app, account_id) == []


def test_a_letter_gone_while_the_bank_asks_for_3ds_gives_the_payment_back(app, exporter, approved):
    """Priced VAT-free, then the letter no longer covers it before the customer confirms:
    nothing is issued without VAT, and the charge is refunded."""
    from portal.models import Payment
    from portal.payments.sandbox import SandboxRefund
    from tests.wizard.conftest import VISA_SCA
    from tests.wizard.test_pay import _follow_action

    exporter.add_card(VISA_SCA)
    response = exporter.pay(exporter.payment_form(**STANDARD_TWO))
    assert "/sandbox/3ds/" in response.headers["Location"]
    with app.app_context():
        db.session.get(LetterOfIntent, approved).state = "withdrawn"
        db.session.commit()
    _follow_action(exporter, response, "approve")
    assert _invoices(app, exporter.account_id) == []
    with app.app_context():
        payment = db.session.scalar(select(Payment))
        assert (payment.status, payment.refund_reason) == ("refunded", "order_changed")
        assert db.session.scalar(select(SandboxRefund)) is not None
    assert letters_of(app, exporter.account_id)[0].used_minor == 0


def test_the_einvoice_of_a_vat_free_invoice_cites_the_letter(app, exporter, approved):
    from tests.einvoices.test_through_the_portal import _latest

    exporter.add_card()
    assert exporter.pay(exporter.payment_form(**STANDARD_TWO)).status_code == 302
    (invoice,) = _invoices(app, exporter.account_id)

    produced = _latest(app, invoice.id)

    assert produced.state == "generated", produced.problems
    assert produced.text(".//CodiceDestinatario") == "M5UXCR1"
    assert set(produced.texts(".//Natura")) == {"N3.5"}
    assert produced.text(".//DatiRiepilogo/AliquotaIVA") == "0.00"
    assert produced.text(".//DatiRiepilogo/Imposta") == "0.00"
    assert "art. 8" in produced.text(".//DatiRiepilogo/RiferimentoNormativo")
    intent = produced.root.find(".//DettaglioLinee/AltriDatiGestionali")
    assert intent.findtext("TipoDato") == "INTENTO"
    assert intent.findtext("RiferimentoTesto") == PROTOCOL
    assert intent.findtext("RiferimentoData") == "2026-01-15"
    assert any(PROTOCOL in text for text in produced.texts(".//Causale"))
    # Above €77.47 without VAT: the seller's stamp duty.
    net = Decimal(produced.text(".//ImponibileImporto"))
    assert (produced.root.find(".//DatiBollo") is not None) == (net > Decimal("77.47"))
