"""The exchange system's (SdI) receipts for the files the portal sent, read safely.

SdI answers each file with a message named after it (`IT01234567890_00001_RC_001.xml`), whose
root element says what happened; the element names are those of SdI's `MessaggiTypes` schema
(v1.1, as the Agenzia delle Entrate publishes it):

- `RicevutaConsegna` (RC): delivered to the recipient;
- `NotificaMancataConsegna` (MC): not deliverable; SdI keeps it available to the recipient;
- `NotificaScarto` (NS): rejected, with `ListaErrori/Errore/Codice` and `Descrizione`.

Each carries `IdentificativoSdI` (SdI's id of the file) and `NomeFile` (the name it was sent
under). The root is in the namespace SdI writes today
(`http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/v1.0`) or the one of the schema's
first publication (`http://www.fatturapa.gov.it/sdi/messaggi/v1.0`); its children are
unqualified. Other messages (outcome notices, expiry of terms) say nothing the portal acts on
and are refused as unknown, never guessed at.

Receipts come from outside: the parser never reaches the network, never loads a DTD nor
expands an entity, and refuses a document type declaration or a file above MAX_RECEIPT_BYTES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from lxml import etree

NAMESPACES = frozenset(
    {
        "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/v1.0",
        "http://www.fatturapa.gov.it/sdi/messaggi/v1.0",
    }
)
# A receipt is a few kilobytes (its signature included); anything far bigger is no receipt.
MAX_RECEIPT_BYTES = 1024 * 1024
# <sent file name without .xml>_<message kind>_<progressive>.xml
RECEIPT_FILE_NAME = re.compile(
    r"(?P<sent>IT[0-9A-Z]{11,16}_[0-9A-Za-z]{1,5})_(?P<kind>[A-Z]{2})_(?P<progressive>[0-9]{3})\.xml"
)
# SdI's identifier of a file: digits (12 today); the column holds 20.
SDI_ID = re.compile(r"[0-9]{1,20}")
MAX_DESCRIPTION = 500


class ReceiptKind(StrEnum):
    """The receipts the portal acts on, by SdI's two-letter code."""

    DELIVERED = "RC"
    NOT_DELIVERABLE = "MC"
    REJECTED = "NS"


ROOT_ELEMENTS = {
    "RicevutaConsegna": ReceiptKind.DELIVERED,
    "NotificaMancataConsegna": ReceiptKind.NOT_DELIVERABLE,
    "NotificaScarto": ReceiptKind.REJECTED,
}


class BadReceipt(ValueError):
    """A file in the inbox that is not a receipt the portal can apply (the message says why)."""


@dataclass(frozen=True)
class ReceiptError:
    """One of a rejection's errors: SdI's code and its own description."""

    code: str
    description: str


@dataclass(frozen=True)
class Receipt:
    """What a receipt says about one sent file."""

    kind: ReceiptKind
    sdi_id: str
    file_name: str  # the name the file was sent under
    errors: tuple[ReceiptError, ...] = field(default=())
    description: str = ""  # MC's optional Descrizione


def _parser() -> etree.XMLParser:
    """A parser that never reaches the network, loads no DTD and expands no entity."""
    return etree.XMLParser(
        no_network=True,
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _text(element: etree._Element, name: str) -> str:
    """The text of the unqualified child `name` ('' when absent)."""
    found = element.find(name)
    return " ".join((found.text or "").split()) if found is not None else ""


def parse_receipt(content: bytes, inbox_name: str = "") -> Receipt:
    """The receipt in `content`, or BadReceipt saying why it is none the portal applies.

    `inbox_name` is the name the receipt came under: when it follows SdI's pattern, its kind
    and sent file must agree with the content.
    """
    if len(content) > MAX_RECEIPT_BYTES:
        raise BadReceipt(f"larger than {MAX_RECEIPT_BYTES} bytes")
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as error:
        raise BadReceipt(f"not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:
        raise BadReceipt("a document type declaration is not allowed in a receipt")
    qualified = etree.QName(root)
    if qualified.namespace not in NAMESPACES:
        raise BadReceipt(f"not an SdI message: root {qualified.text!r}")
    kind = ROOT_ELEMENTS.get(qualified.localname)
    if kind is None:
        raise BadReceipt(f"an SdI message the portal does not apply: {qualified.localname}")
    sdi_id = _text(root, "IdentificativoSdI")
    if not SDI_ID.fullmatch(sdi_id):
        raise BadReceipt(f"IdentificativoSdI missing or not a number: {sdi_id[:40]!r}")
    file_name = _text(root, "NomeFile")
    if not file_name:
        raise BadReceipt("NomeFile missing")
    errors: tuple[ReceiptError, ...] = ()
    if kind is ReceiptKind.REJECTED:
        errors = tuple(
            ReceiptError(_text(error, "Codice")[:10], _text(error, "Descrizione")[:MAX_DESCRIPTION])
            for error in root.findall("ListaErrori/Errore")
        )
        if not errors or not all(error.code for error in errors):
            raise BadReceipt("NotificaScarto without ListaErrori/Errore/Codice")
    named = RECEIPT_FILE_NAME.fullmatch(inbox_name)
    if named is not None:
        if named["kind"] != kind.value:
            raise BadReceipt(f"named {named['kind']} but its content is {qualified.localname}")
        if f"{named['sent']}.xml" != file_name:
            raise BadReceipt(f"named after {named['sent']}.xml but about {file_name}")
    return Receipt(
        kind,
        sdi_id,
        file_name,
        errors,
        _text(root, "Descrizione")[:MAX_DESCRIPTION] if kind is not ReceiptKind.REJECTED else "",
    )
