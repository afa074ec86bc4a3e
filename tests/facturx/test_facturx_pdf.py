"""The Factur-X PDF checked part by part, as veraPDF would (it is not available here):
every font embedded, an sRGB output intent, PDF/A-3b metadata, factur-x.xml attached."""

from __future__ import annotations

import io

import pypdf
import pytest
from lxml import etree

from portal.documents.pdf import invoice_pdf_bytes
from portal.einvoices import en16931, files
from portal.einvoices.facturx_pdf import NotPdfA, facturx_pdf
from portal.extensions import db
from portal.models import Invoice
from tests.documents.conftest import embedded_fonts, pdf_text

pytestmark = pytest.mark.usefixtures("backend")

XMP = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}


@pytest.fixture
def german_invoice(factory, invoicing) -> int:
    """A reverse-charge invoice to a German business, in German."""
    account = invoicing.customer(
        factory, "Müller GmbH", country="DE", vat_id="DE136695976", language="de"
    )
    return invoicing.first_purchase(account, agents=3)


@pytest.fixture
def made(app, german_invoice) -> dict[str, bytes]:
    """The plain PDF, the CII and the Factur-X PDF of the German invoice."""
    with app.app_context():
        invoice = db.session.get(Invoice, german_invoice)
        return {
            "plain": invoice_pdf_bytes(invoice),
            "cii": en16931.cii_xml(en16931.einvoice_of(invoice)),
            "facturx": files.facturx_bytes(invoice),
        }


def _reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def test_every_font_is_embedded_and_helvetica_is_gone(made):
    # The plain PDF names ReportLab's Helvetica without drawing with it; the Factur-X does not.
    assert embedded_fonts(made["plain"])["Helvetica"] is False
    fonts = embedded_fonts(made["facturx"])
    assert fonts, "no fonts found"
    assert all(fonts.values()), fonts
    assert not any("Helvetica" in name for name in fonts)


def test_the_text_is_the_invoices(made):
    assert pdf_text(made["facturx"]) == pdf_text(made["plain"])
    assert "INV-2026-000001" in pdf_text(made["facturx"])


def test_an_srgb_output_intent(made):
    root = _reader(made["facturx"]).trailer["/Root"]
    [intent] = [item.get_object() for item in root["/OutputIntents"]]
    assert intent["/Type"] == "/OutputIntent"
    assert intent["/S"] == "/GTS_PDFA1"
    assert "sRGB" in intent["/OutputConditionIdentifier"]
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3
    icc = profile.get_data()
    assert icc[36:40] == b"acsp"  # an ICC profile's signature
    assert icc[16:20] == b"RGB "  # of an RGB colour space
    assert int.from_bytes(icc[:4], "big") == len(icc)


def test_pdfa3b_and_factur_x_metadata(made):
    reader = _reader(made["facturx"])
    root = reader.trailer["/Root"]
    xmp = etree.fromstring(root["/Metadata"].get_object().get_data())
    assert xmp.xpath("string(//pdfaid:part | //@pdfaid:part)", namespaces=XMP) == "3"
    assert xmp.xpath("string(//pdfaid:conformance | //@pdfaid:conformance)", namespaces=XMP) == "B"
    assert xmp.xpath("string(//fx:DocumentFileName)", namespaces=XMP) == "factur-x.xml"
    assert xmp.xpath("string(//fx:ConformanceLevel)", namespaces=XMP) == "EN 16931"
    assert xmp.xpath("string(//fx:DocumentType)", namespaces=XMP) == "INVOICE"
    assert root["/Lang"] == "de"
    assert reader.pdf_header == "%PDF-1.7"
    # The document information says what the XMP says, and nothing it does not.
    info = reader.metadata
    assert info.title == xmp.xpath("string(//dc:title//rdf:li)", namespaces=XMP)
    assert "INV-2026-000001" in info.title
    assert info.author == xmp.xpath("string(//dc:creator//rdf:li)", namespaces=XMP)
    assert info.producer == xmp.xpath("string(//pdf:Producer)", namespaces=XMP)
    assert info.creator == xmp.xpath("string(//xmp:CreatorTool)", namespaces=XMP)
    assert "/Keywords" not in info
    assert "/Trapped" not in info


def test_factur_x_xml_is_attached_as_data_and_reads_back_equal(made):
    reader = _reader(made["facturx"])
    assert reader.attachments["factur-x.xml"] == [made["cii"]]
    root = reader.trailer["/Root"]
    [filespec] = [item.get_object() for item in root["/AF"].get_object()]
    assert filespec["/F"] == filespec["/UF"] == "factur-x.xml"
    assert filespec["/AFRelationship"] == "/Data"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"


def test_text_drawn_with_an_unembedded_font_is_refused(app, made, german_invoice):
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    drawing.drawString(100, 700, "Helvetica, not embedded")
    drawing.save()
    with app.app_context():
        values = en16931.einvoice_of(db.session.get(Invoice, german_invoice))
    with pytest.raises(NotPdfA, match="not embedded"):
        facturx_pdf(buffer.getvalue(), made["cii"], values, "de")
