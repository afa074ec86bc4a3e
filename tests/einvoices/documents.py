"""FatturaPA test documents: the smallest FPR12 invoice the schema accepts, with parts to vary."""

from __future__ import annotations

DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<p:FatturaElettronica versione="FPR12"
    xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2">
  <FatturaElettronicaHeader>
    <DatiTrasmissione>
      <IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>01234567890</IdCodice></IdTrasmittente>
      <ProgressivoInvio>00001</ProgressivoInvio>
      <FormatoTrasmissione>FPR12</FormatoTrasmissione>
      <CodiceDestinatario>{recipient}</CodiceDestinatario>
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
        <IdFiscaleIVA><IdPaese>{country}</IdPaese><IdCodice>{buyer_id}</IdCodice></IdFiscaleIVA>
        <Anagrafica><Denominazione>{buyer}</Denominazione></Anagrafica>
      </DatiAnagrafici>
      <Sede><Indirizzo>Via Dante 2</Indirizzo><CAP>{postcode}</CAP><Comune>Milano</Comune>
        <Nazione>{country}</Nazione></Sede>
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
        <Quantita>3.00</Quantita><PrezzoUnitario>15.00</PrezzoUnitario>
        <PrezzoTotale>{line_total}</PrezzoTotale>
        <AliquotaIVA>{rate}</AliquotaIVA>{nature}
      </DettaglioLinee>
      <DatiRiepilogo>
        <AliquotaIVA>{rate}</AliquotaIVA>{nature}<ImponibileImporto>{taxable}</ImponibileImporto>
        <Imposta>{tax}</Imposta>
      </DatiRiepilogo>
    </DatiBeniServizi>
  </FatturaElettronicaBody>
</p:FatturaElettronica>
"""

# An Italian business buying Standard with 3 agents at 22 %.
ITALIAN_B2B = {
    "recipient": "0000000",
    "country": "IT",
    "buyer_id": "09876543210",
    "buyer": "Bottega Forlì S.r.l.",
    "postcode": "20121",
    "kind": "TD01",
    "number": "<Numero>2026/000001</Numero>",
    "line_total": "45.00",
    "rate": "22.00",
    "nature": "",
    "taxable": "45.00",
    "tax": "9.90",
}


def document(**changes: str) -> bytes:
    """The Italian B2B invoice with some parts changed."""
    return DOCUMENT.format(**{**ITALIAN_B2B, **changes}).encode()
