"""EN 16931 e-invoices of issued documents: the CII (Factur-X) and the UBL pass their XSD and
the EN 16931 rules (schematron, run offline with Saxon) with no fatal failure, and state the
document's own amounts to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from facturx import xml_check_xsd
from lxml import etree

from portal.einvoices import en16931
from portal.einvoices.en16931 import Flavor, einvoice_of
from portal.einvoices.rules import fatal_failures, rule_failures
from portal.extensions import db
from portal.models import Invoice, InvoiceStatus
from tests.documents.conftest import Invoicing

pytestmark = pytest.mark.usefixtures("backend")

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
TOTALS = SETTLEMENT + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
DOCUMENTS = ["german", "italian", "italian_open", "credit_note", "american", "french_consumer"]


@pytest.fixture
def documents(factory, invoicing: Invoicing) -> dict[str, int]:
    """A DE reverse-charge invoice, Italian domestic ones (paid, open) and a credit note of one,
    a US invoice in dollars (outside the EU's scope), a French consumer's."""
    german = invoicing.customer(
        factory, "Müller GmbH", country="DE", vat_id="DE136695976", language="de"
    )
    italian = invoicing.customer(
        factory,
        "Bottega Forlì S.r.l.",
        country="IT",
        vat_id="IT00743110157",
        language="it",
        address="Via Dante 2",
        postal_code="20121",
        city="Milano",
    )
    american = invoicing.customer(factory, "Acme Inc.", country="US", language="en")
    french = invoicing.customer(factory, "Chloé Lefèvre", country="FR", language="fr")
    italian_invoice = invoicing.seat_change(italian, before=3, after=5)
    return {
        "german": invoicing.first_purchase(german, agents=3),
        "italian": italian_invoice,
        "italian_open": invoicing.first_purchase(
            italian, agents=7, packs=2, status=InvoiceStatus.OPEN, credit_minor=500
        ),
        "credit_note": invoicing.seat_change(italian, before=5, after=3, corrects=italian_invoice),
        "american": invoicing.first_purchase(american, agents=2, packs=1, currency="USD"),
        "french_consumer": invoicing.first_purchase(french, agents=1),
    }


def _stored(app, invoice_id: int) -> tuple[en16931.EInvoice, dict[str, int], str]:
    """The e-invoice values, the stored amounts and the kind of a document."""
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        amounts = {
            "net": invoice.net_minor,
            "vat": invoice.vat_minor,
            "total": invoice.total_minor,
            "lines": sum(line.amount_minor for line in invoice.lines),
        }
        return einvoice_of(invoice), amounts, str(invoice.kind)


def _minor(tree: etree._Element, path: str) -> int:
    """The amount at `path` in minor units."""
    [text] = tree.xpath(path + "/text()", namespaces=NS)
    return int(Decimal(str(text)) * 100)


@pytest.mark.parametrize("which", DOCUMENTS)
def test_the_cii_passes_the_xsd_and_the_en16931_rules(app, documents, which):
    values, _amounts, _kind = _stored(app, documents[which])
    cii = en16931.cii_xml(values)
    assert xml_check_xsd(cii, flavor="factur-x", level="en16931")
    assert fatal_failures(cii, Flavor.CII) == []


@pytest.mark.parametrize("which", DOCUMENTS)
def test_the_ubl_passes_the_xsd_and_the_en16931_rules(app, documents, which):
    values, _amounts, kind = _stored(app, documents[which])
    ubl = en16931.ubl_xml(values)
    root = etree.fromstring(ubl)
    flavor = "ubl-2.1-creditnote" if kind == "credit_note" else "ubl-2.1-invoice"
    assert etree.QName(root).localname == ("CreditNote" if kind == "credit_note" else "Invoice")
    assert xml_check_xsd(ubl, flavor=flavor)
    assert fatal_failures(ubl, Flavor.UBL) == []


@pytest.mark.parametrize("which", DOCUMENTS)
def test_the_amounts_are_the_documents_to_the_cent(app, documents, which):
    values, stored, kind = _stored(app, documents[which])
    sign = -1 if kind == "credit_note" else 1
    cii = etree.fromstring(en16931.cii_xml(values))
    assert _minor(cii, TOTALS + "/ram:LineTotalAmount") == sign * stored["lines"]
    assert _minor(cii, TOTALS + "/ram:TaxBasisTotalAmount") == sign * stored["net"]
    assert _minor(cii, TOTALS + "/ram:TaxTotalAmount") == sign * stored["vat"]
    assert _minor(cii, TOTALS + "/ram:GrandTotalAmount") == sign * stored["total"]
    # One rate per document: its breakdown is the whole document.
    [breakdown] = cii.xpath(SETTLEMENT + "/ram:ApplicableTradeTax", namespaces=NS)
    assert _minor(breakdown, "ram:BasisAmount") == sign * stored["net"]
    assert _minor(breakdown, "ram:CalculatedAmount") == sign * stored["vat"]
    ubl = etree.fromstring(en16931.ubl_xml(values))
    assert _minor(ubl, "//cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == sign * stored["net"]
    assert _minor(ubl, "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == sign * stored["total"]
    assert _minor(ubl, "/*/cac:TaxTotal/cbc:TaxAmount") == sign * stored["vat"]


def test_reverse_charge_is_category_ae_with_both_vat_ids_and_its_reason(app, documents):
    values, _stored_amounts, _kind = _stored(app, documents["german"])
    cii = etree.fromstring(en16931.cii_xml(values))
    [tax] = cii.xpath(SETTLEMENT + "/ram:ApplicableTradeTax", namespaces=NS)
    assert tax.findtext("ram:CategoryCode", namespaces=NS) == "AE"
    assert tax.findtext("ram:ExemptionReasonCode", namespaces=NS) == "VATEX-EU-AE"
    assert tax.findtext("ram:ExemptionReason", namespaces=NS) == "Reverse charge"
    vat_ids = cii.xpath(
        "//ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()", namespaces=NS
    )
    assert vat_ids == ["IT12345670017", "DE136695976"]


def test_outside_the_eu_is_category_o_without_vat_ids(app, documents):
    values, _stored_amounts, _kind = _stored(app, documents["american"])
    cii = etree.fromstring(en16931.cii_xml(values))
    categories = cii.xpath("//ram:ApplicableTradeTax/ram:CategoryCode/text()", namespaces=NS)
    assert set(categories) == {"O"}
    assert cii.xpath("//ram:ID[@schemeID='VA']", namespaces=NS) == []
    # The seller is still identified (BR-CO-26), by its tax registration.
    assert cii.xpath("//ram:ID[@schemeID='FC']/text()", namespaces=NS) == ["IT12345670017"]
    assert cii.xpath("string(//ram:InvoiceCurrencyCode)", namespaces=NS) == "USD"


def test_a_credit_note_is_381_and_names_the_invoice_it_corrects(app, documents):
    values, _stored_amounts, _kind = _stored(app, documents["credit_note"])
    cii = etree.fromstring(en16931.cii_xml(values))
    assert cii.xpath("string(//rsm:ExchangedDocument/ram:TypeCode)", namespaces=NS) == "381"
    assert cii.xpath(
        "string(//ram:InvoiceReferencedDocument/ram:IssuerAssignedID)", namespaces=NS
    ) == ("INV-2026-000001")
    ubl = etree.fromstring(en16931.ubl_xml(values))
    assert ubl.xpath("string(//cac:BillingReference//cbc:ID)", namespaces=NS) == ("INV-2026-000001")


def test_an_open_invoice_says_what_is_due_and_when(app, documents):
    values, stored, _kind = _stored(app, documents["italian_open"])
    cii = etree.fromstring(en16931.cii_xml(values))
    assert _minor(cii, TOTALS + "/ram:TotalPrepaidAmount") == 500
    assert _minor(cii, TOTALS + "/ram:DuePayableAmount") == stored["total"] - 500
    assert cii.xpath("string(//ram:DueDateDateTime/*)", namespaces=NS) == "20261113"


def test_a_subscription_states_its_service_dates(app, documents):
    values, _stored_amounts, _kind = _stored(app, documents["italian"])
    cii = etree.fromstring(en16931.cii_xml(values))
    delivery = "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/*/text()"
    assert cii.xpath(delivery, namespaces=NS) == ["20261101"]
    period = SETTLEMENT + "/ram:BillingSpecifiedPeriod/*/*/text()"
    assert cii.xpath(period, namespaces=NS) == ["20261101", "20261201"]


def test_the_rules_catch_a_total_off_by_one_cent(app, documents):
    values, _stored_amounts, _kind = _stored(app, documents["italian"])
    cii = etree.fromstring(en16931.cii_xml(values))
    [grand] = cii.xpath(TOTALS + "/ram:GrandTotalAmount", namespaces=NS)
    grand.text = str(Decimal(grand.text) + Decimal("0.01"))
    failures = rule_failures(etree.tostring(cii), Flavor.CII)
    assert {failure.rule for failure in failures if failure.fatal} >= {"BR-CO-15"}


def test_the_purchase_order_quote_and_note_are_carried(app, documents, invoicing):
    invoicing.update(
        documents["italian"], purchase_order="PO-77/B", quote_number="SQ-2026-000003", note="Grazie"
    )
    values, _stored_amounts, _kind = _stored(app, documents["italian"])
    cii = en16931.cii_xml(values)
    tree = etree.fromstring(cii)
    assert (
        tree.xpath("string(//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID)", namespaces=NS)
        == "PO-77/B"
    )
    notes = tree.xpath("//rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()", namespaces=NS)
    assert notes == ["Quote SQ-2026-000003", "Grazie"]
    assert fatal_failures(cii, Flavor.CII) == []
    assert fatal_failures(en16931.ubl_xml(values), Flavor.UBL) == []


def test_xml_that_fails_its_xsd_is_refused(app, documents):
    values, _stored_amounts, _kind = _stored(app, documents["italian"])
    cii = etree.fromstring(en16931.cii_xml(values))
    [currency] = cii.xpath(SETTLEMENT + "/ram:InvoiceCurrencyCode", namespaces=NS)
    currency.getparent().remove(currency)
    with pytest.raises(en16931.SchemaError, match="InvoiceCurrencyCode"):
        en16931.check_schema(etree.tostring(cii), Flavor.CII, values.type_code)
