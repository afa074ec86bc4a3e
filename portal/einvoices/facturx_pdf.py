"""The Factur-X PDF: the invoice's own PDF as PDF/A-3, with its CII XML attached.

The invoice PDF (portal.documents.pdf, stored and reused) is left as drawn; this module
makes a copy of it PDF/A-3b: every font is checked to be embedded (the template draws with
DejaVu Sans only), an sRGB output intent is added (the ICC profile made by Pillow, none
shipped in the repository), and the pinned `factur-x` library attaches `factur-x.xml` with
AFRelationship /Data and writes the XMP metadata (pdfaid part 3, conformance B, and the
Factur-X extension schema).
"""

from __future__ import annotations

import io
from functools import cache

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from portal.einvoices.en16931 import PROFILE, EInvoice

FILENAME = "factur-x.xml"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
# The operators that draw text with the current font.
# What factur-x writes as pdf:Producer in the XMP; the document information must agree.
XMP_PRODUCER = "pypdf"
# Document information entries factur-x leaves in (empty keywords, ReportLab's trapping
# flag) that its XMP does not state: PDF/A wants the two to agree.
INFO_NOT_IN_XMP = {"/Keywords", "/Trapped"}
TEXT_SHOWING = {b"Tj", b"TJ", b"'", b'"'}


class NotPdfA(ValueError):
    """The PDF has something PDF/A forbids that this module does not repair."""


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile, made by Pillow's littleCMS."""
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _font_program_embedded(font: DictionaryObject) -> bool:
    """Whether a font dictionary carries its font program."""
    descendants = font.get("/DescendantFonts")
    described = descendants[0].get_object() if descendants else font
    descriptor = described.get("/FontDescriptor")
    return descriptor is not None and any(
        key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def _page_fonts(page: PageObject) -> DictionaryObject:
    """A page's font resources (an empty dictionary when it has none)."""
    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources else None
    return fonts.get_object() if fonts is not None else DictionaryObject()


def unembedded_fonts(reader: PdfReader) -> list[str]:
    """The base names of the fonts some page lists without their font program."""
    return [
        str(font.get_object().get("/BaseFont", "?")).lstrip("/")
        for page in reader.pages
        for font in _page_fonts(page).values()
        if not _font_program_embedded(font.get_object())
    ]


def _drop_unembedded_fonts(writer: PdfWriter) -> None:
    """Take out the fonts a page selects but draws nothing with.

    ReportLab starts every page and frame by selecting Helvetica (`/F1 12 Tf`) before the
    template's DejaVu Sans takes over: Helvetica, a base-14 font, is never embedded, and a
    PDF/A must not name a font it does not embed. Its selections are removed when no text is
    shown while it is the current font; if some text is, the PDF is refused instead.
    """
    for page in writer.pages:
        fonts = _page_fonts(page)
        missing = {
            name for name, font in fonts.items() if not _font_program_embedded(font.get_object())
        }
        if not missing:
            continue
        content = ContentStream(page.get_contents(), writer)
        kept = []
        current: object = None
        saved: list[object] = []
        for operands, operator in content.operations:
            if operator == b"q":
                saved.append(current)
            elif operator == b"Q" and saved:
                current = saved.pop()
            elif operator == b"Tf":
                current = operands[0]
                if current in missing:
                    continue
            elif operator in TEXT_SHOWING and current in missing:
                raise NotPdfA(f"text drawn with a font that is not embedded: {current}")
            kept.append((operands, operator))
        content.operations = kept
        page.replace_contents(content)
        for name in missing:
            del fonts[NameObject(name)]


def _as_pdfa(pdf: bytes) -> bytes:
    """The attached PDF with what PDF/A-3 still wants: every font embedded, an sRGB output
    intent (for its device colours), a PDF 1.7 header, and the document information agreeing
    with the XMP metadata factur-x wrote (same producer, no keywords the XMP lacks)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pdf_header = b"%PDF-1.7"
    _drop_unembedded_fonts(writer)
    icc = DecodedStreamObject()
    icc.set_data(srgb_profile())
    profile = icc.flate_encode()
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/Info"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    info = {
        str(key): value
        for key, value in (writer.metadata or {}).items()
        if key not in INFO_NOT_IN_XMP
    }
    writer.metadata = {**info, "/Producer": XMP_PRODUCER}
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def facturx_pdf(pdf: bytes, cii: bytes, values: EInvoice, language: str) -> bytes:
    """The Factur-X PDF of a document from its PDF and its CII XML (already checked)."""
    from facturx import generate_from_binary

    seller = values.seller.name
    attached: bytes = generate_from_binary(
        pdf,
        cii,
        flavor="factur-x",
        level=PROFILE,
        check_xsd=False,  # cii_xml checked it against the XSD when it wrote it
        check_schematron=False,
        pdf_metadata={
            "author": seller,
            "title": f"{seller}: {values.number}",
            "subject": f"Factur-X {values.number} {values.issued_on.isoformat()} {seller}",
        },
        lang=language.replace("_", "-"),
        afrelationship="data",
    )
    return _as_pdfa(attached)
