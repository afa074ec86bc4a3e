"""The FatturaPA schema comes from its pinned package, is checked by sha256 and used offline."""

from __future__ import annotations

import pytest

from portal.einvoices import schema
from portal.einvoices.schema import SchemaUnavailable, schema_errors, schema_file

# The smallest FPR12 invoice the schema accepts: one line at 22 %.
MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<p:FatturaElettronica versione="FPR12"
    xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2">
  <FatturaElettronicaHeader>
    <DatiTrasmissione>
      <IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>01234567890</IdCodice></IdTrasmittente>
      <ProgressivoInvio>00001</ProgressivoInvio>
      <FormatoTrasmissione>FPR12</FormatoTrasmissione>
      <CodiceDestinatario>0000000</CodiceDestinatario>
    </DatiTrasmissione>
    <CedentePrestatore>
      <DatiAnagrafici>
        <IdFiscaleIVA><IdPaese>IT</IdPaese><IdCodice>01234567890</IdCodice></IdFiscaleIVA>
        <Anagrafica><Denominazione>Venditore S.r.l.</Denominazione></Anagrafica>
        <RegimeFiscale>RF01</RegimeFiscale>
      </DatiAnagrafici>
      <Sede><Indirizzo>Via Roma 1</Indirizzo><CAP>47121</CAP><Comune>Forlì</Comune>
        <Nazione>IT</Nazione></Sede>
    </CedentePrestatore>
    <CessionarioCommittente>
      <DatiAnagrafici>
        <IdFiscaleIVA><IdPaese>IT</IdPaese><IdCodice>09876543210</IdCodice></IdFiscaleIVA>
        <Anagrafica><Denominazione>{buyer}</Denominazione></Anagrafica>
      </DatiAnagrafici>
      <Sede><Indirizzo>Via Dante 2</Indirizzo><CAP>20121</CAP><Comune>Milano</Comune>
        <Nazione>IT</Nazione></Sede>
    </CessionarioCommittente>
  </FatturaElettronicaHeader>
  <FatturaElettronicaBody>
    <DatiGenerali>
      <DatiGeneraliDocumento>
        <TipoDocumento>{kind}</TipoDocumento><Divisa>EUR</Divisa><Data>2026-12-07</Data>
        {number}
      </DatiGeneraliDocumento>
    </DatiGenerali>
    <DatiBeniServizi>
      <DettaglioLinee>
        <NumeroLinea>1</NumeroLinea><Descrizione>Standard, 3 agenti</Descrizione>
        <PrezzoUnitario>45.00</PrezzoUnitario><PrezzoTotale>45.00</PrezzoTotale>
        <AliquotaIVA>22.00</AliquotaIVA>
      </DettaglioLinee>
      <DatiRiepilogo>
        <AliquotaIVA>22.00</AliquotaIVA><ImponibileImporto>45.00</ImponibileImporto>
        <Imposta>9.90</Imposta><EsigibilitaIVA>I</EsigibilitaIVA>
      </DatiRiepilogo>
    </DatiBeniServizi>
  </FatturaElettronicaBody>
</p:FatturaElettronica>
"""


def _document(
    kind: str = "TD01",
    number: str = "<Numero>2026/000001</Numero>",
    buyer: str = "Bottega Forlì S.r.l.",
) -> bytes:
    return MINIMAL.format(kind=kind, number=number, buyer=buyer).encode()


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
