"""SdI's receipts read as the exchange system writes them, and anything else refused with a
reason, never guessed at nor fetched."""

from __future__ import annotations

import pytest

from portal.einvoices.receipts import (
    MAX_RECEIPT_BYTES,
    BadReceipt,
    ReceiptError,
    ReceiptKind,
    parse_receipt,
)
from tests.einvoices.conftest import DUPLICATE_INVOICE, receipt, receipt_name

SENT = "IT01234567890_0000A.xml"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("RC", ReceiptKind.DELIVERED),
        ("MC", ReceiptKind.NOT_DELIVERABLE),
        ("NS", ReceiptKind.REJECTED),
    ],
)
def test_each_receipt_says_its_kind_sdi_id_and_file(code, kind):
    found = parse_receipt(receipt(code, SENT, sdi_id="123456789012"), receipt_name(SENT, code))
    assert (found.kind, found.sdi_id, found.file_name) == (kind, "123456789012", SENT)


def test_a_rejection_lists_every_error_with_its_code_and_description():
    errors = DUPLICATE_INVOICE + (
        "<Errore><Codice>00423</Codice><Descrizione>2.2.1.11 PrezzoTotale non calcolato"
        "</Descrizione><Suggerimento>Ricalcolare</Suggerimento></Errore>"
    )
    found = parse_receipt(receipt("NS", SENT, errors=errors))
    assert found.errors == (
        ReceiptError("00404", "Fattura duplicata"),
        ReceiptError("00423", "2.2.1.11 PrezzoTotale non calcolato"),
    )


def test_the_first_published_namespace_is_read_too():
    old = receipt("RC", SENT).replace(
        b"http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/v1.0",
        b"http://www.fatturapa.gov.it/sdi/messaggi/v1.0",
    )
    assert parse_receipt(old).kind is ReceiptKind.DELIVERED


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (receipt("RC", SENT).replace(b"ivaservizi.agenziaentrate", b"example"), "not an SdI"),
        (
            receipt("RC", SENT).replace(b"RicevutaConsegna", b"NotificaDecorrenzaTermini"),
            "does not apply: NotificaDecorrenzaTermini",
        ),
        (receipt("RC", SENT, sdi_id="12ab"), "IdentificativoSdI"),
        (receipt("RC", "").replace(b"<NomeFile></NomeFile>", b""), "NomeFile missing"),
        (receipt("NS", SENT, errors=""), "without ListaErrori"),
        (b"<?xml version='1.0'?><a>" + b"x" * MAX_RECEIPT_BYTES + b"</a>", "larger than"),
        (
            b'<!DOCTYPE r [<!ENTITY big "xxxxxxxx">]>' + receipt("RC", SENT).split(b"?>", 1)[1],
            "document type declaration",
        ),
    ],
    ids=["other namespace", "unapplied message", "bad id", "no file", "no errors", "huge", "DTD"],
)
def test_anything_else_is_refused_with_why(content, reason):
    with pytest.raises(BadReceipt, match=reason):
        parse_receipt(content)


def test_a_receipt_named_for_another_file_or_kind_is_refused():
    with pytest.raises(BadReceipt, match=r"named after IT01234567890_0000B\.xml"):
        parse_receipt(receipt("RC", SENT), "IT01234567890_0000B_RC_001.xml")
    with pytest.raises(BadReceipt, match="named MC"):
        parse_receipt(receipt("RC", SENT), receipt_name(SENT, "MC"))


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("12345")
    content = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY id SYSTEM "file://{secret}">]>'.encode()
        + receipt("RC", SENT, sdi_id="&id;").split(b"?>", 1)[1]
    )
    with pytest.raises(BadReceipt) as refused:
        parse_receipt(content)
    assert "12345" not in str(refused.value)
