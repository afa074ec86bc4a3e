"""Every issued document gets its FatturaPA file, valid against the official schema (its sha256
asserted by portal.einvoices.schema) and the exchange system's rules, stored on both databases:
an Italian B2C and B2B invoice, an EU business (reverse charge), a customer outside the EU, a
CZK invoice stated in euro, a credit note (TD04) and a reissue's pair."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.einvoices.schema import schema_errors
from portal.extensions import db
from portal.models import EInvoiceFile, EInvoiceState, Invoice
from portal.reference_data import reference

ITALIAN_ADDRESS = {"address": "Via Dante 2", "postal_code": "20121", "city": "Milano"}


def _valid(produced) -> None:
    assert produced.state == EInvoiceState.GENERATED, produced.problems
    assert produced.problems == []
    assert schema_errors(produced.content) == []


def test_italian_business_invoice(invoicing, einvoices, factory):
    account = invoicing.customer(
        factory, "Bottega Forlì S.r.l.", vat_id="IT00743110157", **_address(), language="it"
    )
    invoice_id = invoicing.first_purchase(account, agents=3)

    produced = einvoices.produce(invoice_id, recipient_code="M5UXCR1")

    _valid(produced)
    assert produced.text(".//TipoDocumento") == "TD01"
    assert produced.text(".//DatiTrasmissione/CodiceDestinatario") == "M5UXCR1"
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdPaese") == "IT"
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdCodice") == "00743110157"
    assert produced.text(".//CessionarioCommittente//Denominazione") == "Bottega Forlì S.r.l."
    assert produced.text(".//DatiRiepilogo/AliquotaIVA") == "22.00"
    assert produced.text(".//DatiRiepilogo/ImponibileImporto") == "45.00"
    assert produced.text(".//DatiRiepilogo/Imposta") == "9.90"
    assert produced.text(".//ImportoTotaleDocumento") == "54.90"
    assert produced.text(".//DatiRiepilogo/EsigibilitaIVA") == "I"
    assert produced.root.find(".//Natura") is None
    assert produced.root.find(".//DatiBollo") is None
    # Described in the invoice's language, with its period.
    assert "agenti" in produced.text(".//DettaglioLinee/Descrizione")
    assert produced.text(".//DettaglioLinee/DataInizioPeriodo") == "2026-11-13"


def test_italian_consumer_invoice_names_the_tax_code(invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Maria Rossi", **_address())
    invoice_id = invoicing.first_purchase(account, agents=1)

    produced = einvoices.produce(invoice_id, tax_code="RSSMRA85T10A562S")

    _valid(produced)
    assert produced.text(".//DatiTrasmissione/CodiceDestinatario") == "0000000"
    assert produced.root.find(".//CessionarioCommittente//IdFiscaleIVA") is None
    assert produced.text(".//CessionarioCommittente//CodiceFiscale") == "RSSMRA85T10A562S"
    assert produced.text(".//DatiRiepilogo/Imposta") == "3.30"


def test_italian_customer_with_pec_and_no_code(invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Studio Bianchi", vat_id="IT00743110157", **_address())
    invoice_id = invoicing.first_purchase(account)

    produced = einvoices.produce(invoice_id, pec="fatture@pec.studiobianchi.it")

    _valid(produced)
    assert produced.text(".//CodiceDestinatario") == "0000000"
    assert produced.text(".//PECDestinatario") == "fatture@pec.studiobianchi.it"


def test_italian_customer_without_any_tax_id_is_held_back(invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Senza Codice", **_address())
    invoice_id = invoicing.first_purchase(account)

    produced = einvoices.latest(invoice_id)

    assert produced.state == EInvoiceState.INVALID
    assert [problem["rule"] for problem in produced.problems] == ["italian_customer_id"]


def test_eu_business_is_reverse_charge_outside_the_scope(invoicing, einvoices, factory):
    account = invoicing.customer(
        factory, "Müller GmbH", country="DE", vat_id="DE136695976", city="München"
    )
    invoice_id = invoicing.first_purchase(account, agents=6)

    produced = einvoices.latest(invoice_id)  # produced when it was issued

    _valid(produced)
    assert produced.text(".//CodiceDestinatario") == "XXXXXXX"
    assert produced.text(".//CessionarioCommittente/Sede/CAP") == "00000"
    assert produced.text(".//CessionarioCommittente/Sede/Nazione") == "DE"
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdPaese") == "DE"
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdCodice") == "136695976"
    assert set(produced.texts(".//Natura")) == {"N2.1"}
    assert produced.text(".//DatiRiepilogo/AliquotaIVA") == "0.00"
    assert produced.text(".//DatiRiepilogo/Imposta") == "0.00"
    assert "7-ter" in produced.text(".//DatiRiepilogo/RiferimentoNormativo")
    assert produced.text(".//Causale") == "Reverse charge"
    # €90.00 without VAT: above €77.47, so the seller's virtual stamp duty.
    assert produced.text(".//DatiBollo/BolloVirtuale") == "SI"
    assert produced.text(".//DatiBollo/ImportoBollo") == "2.00"
    assert produced.text(".//ImportoTotaleDocumento") == "90.00"


def test_small_reverse_charge_invoice_has_no_stamp_duty(invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Klein GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account, agents=1)

    produced = einvoices.latest(invoice_id)

    _valid(produced)
    assert produced.root.find(".//DatiBollo") is None


def test_customer_outside_the_eu(invoicing, einvoices, factory):
    account = invoicing.customer(
        factory, "Acme Inc.", country="US", vat_id="123456789", city="Austin"
    )
    invoice_id = invoicing.first_purchase(account, agents=2, currency="USD")

    produced = einvoices.latest(invoice_id)

    _valid(produced)
    assert produced.text(".//CodiceDestinatario") == "XXXXXXX"
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdPaese") == "US"
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdCodice") == "OO99999999999"
    assert produced.text(".//CessionarioCommittente/Sede/Nazione") == "US"
    assert set(produced.texts(".//Natura")) == {"N2.1"}


def test_czk_invoice_is_stated_in_euro_with_its_rate(app, invoicing, einvoices, factory):
    account = invoicing.customer(
        factory, "Zakład Usług Łódź", country="CZ", vat_id="CZ25123891", city="Praha"
    )
    invoice_id = invoicing.first_purchase(account, agents=3, currency="CZK")
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        rates = reference().exchange_rates
        rate = rates.rate("CZK")
        amounts = [line.amount_minor for line in invoice.lines]
        net_czk = invoice.net_minor

    produced = einvoices.latest(invoice_id)

    _valid(produced)
    assert produced.text(".//Divisa") == "EUR"
    # Latin-1 only: the Polish letters written as their nearest Latin-1 letters.
    assert produced.text(".//CessionarioCommittente//Denominazione") == "Zaklad Uslug Lódz"
    lines = produced.root.findall(".//DettaglioLinee")
    assert len(lines) == len(amounts)
    for line, amount in zip(lines, amounts, strict=True):
        euro = (Decimal(amount) / 100 / rate).quantize(Decimal("0.01"))
        assert line.findtext("PrezzoTotale") == f"{euro:.2f}"
        data = {block.findtext("TipoDato"): block for block in line.findall("AltriDatiGestionali")}
        assert data["DIVISA"].findtext("RiferimentoTesto") == "CZK"
        assert Decimal(data["DIVISA"].findtext("RiferimentoNumero")) == Decimal(amount) / 100
        assert Decimal(data["CAMBIO"].findtext("RiferimentoNumero")) == rate
        assert data["CAMBIO"].findtext("RiferimentoData") == rates.as_of.isoformat()
    assert Decimal(produced.text(".//ImponibileImporto")) == (
        Decimal(net_czk) / 100 / rate
    ).quantize(Decimal("0.01"))


def test_a_later_file_keeps_the_first_files_rate(app, invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Praha s.r.o.", country="CZ", vat_id="CZ25123891")
    invoice_id = invoicing.first_purchase(account, agents=3, currency="CZK")
    first = einvoices.latest(invoice_id)
    with app.app_context():
        data = reference()
        changed = data.exchange_rates.__class__(
            as_of=data.exchange_rates.as_of, rates={**data.exchange_rates.rates, "CZK": Decimal(30)}
        )
        app.extensions["portal.reference"] = data.__class__(
            prices=data.prices,
            vat_rates=data.vat_rates,
            seller_country=data.seller_country,
            exchange_rates=changed,
        )

    again = einvoices.produce(invoice_id)

    assert again.file_name != first.file_name
    assert again.text(".//ImponibileImporto") == first.text(".//ImponibileImporto")


def test_credit_note_is_td04_with_positive_amounts(app, invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account, agents=3)
    note_id = invoicing.seat_change(account, before=5, after=3, corrects=invoice_id)
    with app.app_context():
        note = db.session.get(Invoice, note_id)
        invoice = db.session.get(Invoice, invoice_id)
        assert note.total_minor < 0
        invoice_number, invoice_date = invoice.number, invoice.issued_on

    produced = einvoices.latest(note_id)

    _valid(produced)
    assert produced.text(".//TipoDocumento") == "TD04"
    assert Decimal(produced.text(".//ImportoTotaleDocumento")) > 0
    assert all(Decimal(total) > 0 for total in produced.texts(".//PrezzoTotale"))
    assert produced.text(".//DatiFattureCollegate/IdDocumento") == invoice_number
    assert produced.text(".//DatiFattureCollegate/Data") == invoice_date.isoformat()


def test_purchase_order_and_quote_number(invoicing, einvoices, factory, app):
    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.purchase_order = "PO-2026-4711"
        invoice.quote_number = "Q-2026-000003"
        db.session.commit()

    produced = einvoices.produce(invoice_id)

    assert produced.text(".//DatiOrdineAcquisto/IdDocumento") == "PO-2026-4711"
    assert produced.text(".//DatiContratto/IdDocumento") == "Q-2026-000003"


def test_a_purchase_order_longer_than_the_field_goes_into_the_description(
    invoicing, einvoices, factory, app
):
    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.purchase_order = "BESTELLUNG-2026-000000004711"
        db.session.commit()

    produced = einvoices.produce(invoice_id)

    _valid(produced)
    assert produced.root.find(".//DatiOrdineAcquisto") is None
    assert "Purchase order BESTELLUNG-2026-000000004711" in produced.texts(".//Causale")


def test_each_file_gets_a_new_name_and_supersedes_the_unsent_one(invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account)

    first = einvoices.latest(invoice_id)
    second = einvoices.produce(invoice_id)

    files = einvoices.files(invoice_id)
    assert [file.state for file in files] == [EInvoiceState.SUPERSEDED, EInvoiceState.GENERATED]
    assert first.file_name != second.file_name
    assert first.file_name.startswith("IT12345670017_")
    assert second.text(".//ProgressivoInvio") == second.file_name[14:19]


@pytest.mark.parametrize("setting", ["", "IT01879020517"])
def test_file_names_name_the_transmitter(app, invoicing, einvoices, factory, setting):
    app.config["EINVOICE_TRANSMITTER_ID"] = setting
    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account)

    produced = einvoices.latest(invoice_id)

    expected = setting or "IT12345670017"
    assert produced.file_name.startswith(f"{expected}_")
    assert produced.text(".//IdTrasmittente/IdCodice") == expected[2:]
    assert produced.text(".//CedentePrestatore//IdFiscaleIVA/IdCodice") == "12345670017"
    _valid(produced)


def test_no_files_when_the_seller_is_not_italian(app, invoicing, einvoices, factory):
    app.config["SELLER_COUNTRY"] = "FR"
    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account)

    assert einvoices.files(invoice_id) == []


def test_a_rolled_back_issue_leaves_no_file_and_no_pending_work(app, invoicing, factory):
    from portal.documents.issuing import issue_reversal
    from portal.domain.pricing import ChangeKind

    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        issue_reversal(
            invoice, issued_on=invoice.issued_on, change_kind=ChangeKind.REFUND, paid_with=""
        )
        db.session.rollback()
        db.session.commit()  # nothing left to produce
        files = db.session.scalars(select(EInvoiceFile.invoice_id)).all()
        documents = db.session.scalars(select(Invoice.id)).all()
    assert files == [invoice_id]
    assert documents == [invoice_id]


def _address() -> dict[str, str]:
    return dict(ITALIAN_ADDRESS)


@pytest.mark.parametrize(
    ("change", "code", "rule"),
    [
        # The generic N6 (or N2) instead of its sub-code.
        (
            lambda xml: xml.replace(b"<Natura>N2.1</Natura>", b"<Natura>N6</Natura>"),
            "00445",
            "generic_nature",
        ),
        # 0 % without an exemption code.
        (
            lambda xml: xml.replace(b"<Natura>N2.1</Natura>", b""),
            "00400",
            "zero_rate_without_nature",
        ),
        # A total off by one cent.
        (
            lambda xml: xml.replace(b"<ImponibileImporto>90.00<", b"<ImponibileImporto>90.01<"),
            "00422",
            "taxable_per_rate",
        ),
        # Outside the EU without OO99999999999.
        (
            lambda xml: xml.replace(b"<Nazione>DE</Nazione>", b"<Nazione>US</Nazione>"),
            "",
            "foreign_recipient",
        ),
    ],
)
def test_a_tampered_file_is_refused_by_a_named_rule(
    app, invoicing, einvoices, factory, change, code, rule
):
    from portal.einvoices.produce import check

    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account, agents=6)
    produced = einvoices.latest(invoice_id)
    _valid(produced)
    tampered = change(produced.content)
    assert tampered != produced.content

    with app.app_context():
        problems = check(tampered, "IT12345670017_ZZZZZ.xml", db.session.get(Invoice, invoice_id))

    assert (code, rule) in {(problem["code"], problem["rule"]) for problem in problems}


def test_a_file_name_used_before_and_a_number_already_sent_are_refused(
    app, invoicing, einvoices, factory
):
    from portal.einvoices.produce import check

    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    invoice_id = invoicing.first_purchase(account)
    produced = einvoices.latest(invoice_id)
    with app.app_context():
        file = db.session.scalar(select(EInvoiceFile).where(EInvoiceFile.invoice_id == invoice_id))
        file.state = EInvoiceState.DELIVERED
        db.session.commit()
        problems = check(produced.content, produced.file_name, db.session.get(Invoice, invoice_id))

    rules = {(problem["code"], problem["rule"]) for problem in problems}
    assert ("00002", "file_name") in rules
    assert ("00404", "duplicate") in rules
    # And producing again after delivery is held back as a duplicate, under a new name.
    again = einvoices.produce(invoice_id)
    assert again.state == EInvoiceState.INVALID
    assert [problem["code"] for problem in again.problems] == ["00404"]


def test_a_greek_vat_id_is_stated_with_the_iso_country_code(invoicing, einvoices, factory):
    account = invoicing.customer(factory, "Athína AE", country="GR", vat_id="EL094259216")
    invoice_id = invoicing.first_purchase(account)

    produced = einvoices.latest(invoice_id)

    _valid(produced)
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdPaese") == "GR"
    assert produced.text(".//CessionarioCommittente//IdFiscaleIVA/IdCodice") == "094259216"
    assert produced.text(".//CessionarioCommittente//Denominazione") == "Athína AE"
