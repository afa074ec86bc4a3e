"""The FatturaPA schema comes from its pinned package, is checked by sha256 and used offline."""

from __future__ import annotations

import pytest

from portal.einvoices import schema
from portal.einvoices.schema import SchemaUnavailable, schema_errors, schema_file
from tests.einvoices.documents import document


def _document(
    kind: str = "TD01",
    number: str = "<Numero>2026/000001</Numero>",
    buyer: str = "Bottega Forlì S.r.l.",
) -> bytes:
    return document(kind=kind, number=number, buyer=buyer)


def test_the_schema_files_are_the_pinned_ones():
    for name in (schema.FATTURAPA_XSD, schema.XMLDSIG_XSD):
        assert schema_file(name).is_file()


def test_a_minimal_invoice_and_credit_note_follow_the_schema():
    assert schema_errors(_document()) == []
    assert schema_errors(_document(kind="TD04")) == []


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (_document(number=""), "Numero"),
        (_document(kind="TD99"), "TipoDocumento"),
        (b"<p:FatturaElettronica", "not well-formed"),
        # Text is Basic Latin and Latin-1 only: a Polish name must be written in those letters
        # in the XML (the PDF keeps it as it is).
        (_document(buyer="Zakład Usług Łódź Sp. z o.o."), "Denominazione"),
    ],
    ids=["no number", "unknown document kind", "not XML", "letters beyond Latin-1"],
)
def test_what_the_schema_refuses_is_named(document, error):
    errors = schema_errors(document)
    assert errors and any(error in message for message in errors), errors


def test_a_changed_schema_file_is_refused(monkeypatch):
    monkeypatch.setitem(schema.SHA256, schema.FATTURAPA_XSD, "0" * 64)
    with pytest.raises(SchemaUnavailable, match="sha256"):
        schema_file(schema.FATTURAPA_XSD)


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    hostile = (
        _document()
        .replace(
            b'<?xml version="1.0" encoding="UTF-8"?>',
            f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'.encode(),
        )
        .replace(b"Venditore S.r.l.", b"&x;")
    )
    errors = schema_errors(hostile)
    assert errors == ["a document type declaration is not allowed"]
    from lxml import etree

    parsed = etree.fromstring(hostile, schema._parser())
    assert b"TOP-SECRET" not in etree.tostring(parsed)


def test_a_polish_name_written_in_latin1_letters_passes():
    from portal.domain.latin1 import latin1_text

    assert schema_errors(_document(buyer=latin1_text("Zakład Usług Łódź Sp. z o.o."))) == []
