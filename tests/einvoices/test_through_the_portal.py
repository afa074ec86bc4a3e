"""Documents issued through the portal get their e-invoice in the same transaction: a wizard
purchase, a reissue's pair (the credit note cancelling the invoice, the invoice replacing it)
and a renewal; each file valid, naming the documents it refers to."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account, EInvoiceFile, EInvoiceState
from tests.einvoices.conftest import Produced
from tests.invoices.test_reissue import GERMANY, ITALY, buy, confirm, documents, save_billing
from tests.wizard.conftest import customer, standard_customer  # noqa: F401

ITALIAN_BUSINESS = {**ITALY, "vat_id": "IT00743110157", "recipient_code": "M5UXCR1"}


def _latest(app, invoice_id: int) -> Produced:
    with app.app_context():
        file = db.session.scalars(
            select(EInvoiceFile)
            .where(EInvoiceFile.invoice_id == invoice_id)
            .order_by(EInvoiceFile.id.desc())
        ).first()
        assert file is not None, "the document has no e-invoice"
        return Produced(file.file_name, file.state, file.problems, file.content)


def test_a_purchase_issues_its_einvoice(app, customer):  # noqa: F811
    save_billing(customer, ITALIAN_BUSINESS)
    buy(customer)
    [invoice] = documents(app)

    produced = _latest(app, invoice.id)

    assert produced.state == EInvoiceState.GENERATED, produced.problems
    assert produced.text(".//Numero") == invoice.number
    assert produced.text(".//ImportoTotaleDocumento") == "36.60"
    assert produced.text(".//CessionarioCommittente//IdCodice") == "00743110157"


def test_a_reissue_pair_refers_to_the_invoice_it_cancels(app, customer):  # noqa: F811
    save_billing(customer, ITALIAN_BUSINESS)
    buy(customer)
    save_billing(customer, GERMANY)
    [first] = documents(app)
    page = customer.client.get(f"/billing/invoices/{first.id}/reissue")
    assert confirm(customer.client, first.id, page.text).status_code == 302
    old, note, new = documents(app)

    cancelling, replacing = _latest(app, note.id), _latest(app, new.id)

    assert cancelling.state == replacing.state == EInvoiceState.GENERATED
    assert cancelling.text(".//TipoDocumento") == "TD04"
    assert cancelling.text(".//ImportoTotaleDocumento") == "36.60"
    assert cancelling.text(".//DatiRiepilogo/AliquotaIVA") == "22.00"
    # The note goes to whom the invoice was addressed; the new invoice to the new details.
    assert cancelling.text(".//CessionarioCommittente//IdCodice") == "00743110157"
    assert replacing.text(".//CessionarioCommittente//IdPaese") == "DE"
    assert cancelling.text(".//DatiFattureCollegate/IdDocumento") == old.number
    assert replacing.text(".//TipoDocumento") == "TD01"
    assert replacing.text(".//DatiFattureCollegate/IdDocumento") == old.number
    assert replacing.text(".//Natura") == "N2.1"
    assert replacing.text(".//ImportoTotaleDocumento") == "30.00"
    assert len({_latest(app, doc.id).file_name for doc in (old, note, new)}) == 3


def test_a_renewal_issues_its_einvoice_once(app, clock, standard_customer):  # noqa: F811
    from datetime import date

    from tests.renewal.test_renewal_run import at, run

    with app.app_context():
        info = db.session.get(Account, standard_customer.account_id).billing_info
        info.vat_id, info.postal_code, info.city = "IT00743110157", "20121", "Milano"
        db.session.commit()
    standard_customer.add_card()
    at(clock, date(2026, 12, 1))
    run(app)
    run(app)
    [renewal] = documents(app)

    produced = _latest(app, renewal.id)

    assert produced.state == EInvoiceState.GENERATED, produced.problems
    assert produced.text(".//DettaglioLinee/DataInizioPeriodo") == "2026-12-01"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EInvoiceFile)) == 1
