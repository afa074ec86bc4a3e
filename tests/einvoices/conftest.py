"""E-invoice files of issued documents read back as XML, the outbox and inbox folders, and
SdI's receipts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import delete, select

from portal.einvoices.produce import produce_einvoice
from portal.extensions import db
from portal.models import EInvoiceFile, EInvoiceState, Invoice
from tests.documents.conftest import Invoicing
from tests.einvoices.documents import document
from tests.invoices.conftest import issue  # noqa: F401

SENDER = "IT01234567890"


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, object]:
    """This test's own outbox and inbox."""
    return {
        "EINVOICE_TRANSMITTER": "folder",
        "EINVOICE_OUTBOX": str(tmp_path / "einvoices" / "outbox"),
        "EINVOICE_INBOX": str(tmp_path / "einvoices" / "inbox"),
    }


@dataclass
class Folders:
    """The folders the test's app sends to and reads from."""

    outbox: Path
    inbox: Path

    def drop(self, name: str, content: bytes) -> Path:
        """Put a receipt into the inbox, as the exchange system's channel does."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        path = self.inbox / name
        path.write_bytes(content)
        return path


@pytest.fixture
def folders(app) -> Folders:
    """The outbox and inbox of the test's app."""
    return Folders(Path(app.config["EINVOICE_OUTBOX"]), Path(app.config["EINVOICE_INBOX"]))


@pytest.fixture
def einvoice_file(app):
    """Give a document a file in a state: `einvoice_file(invoice_id, "00001", state=...)`.

    The document's files are set by the test: any it got when issued are removed first.
    """

    def make(
        invoice_id: int,
        progressive: str,
        *,
        state: EInvoiceState = EInvoiceState.GENERATED,
        problems: list[dict[str, str]] | None = None,
        keep_earlier: bool = False,
    ) -> str:
        with app.app_context():
            if not keep_earlier:
                db.session.execute(
                    delete(EInvoiceFile).where(EInvoiceFile.invoice_id == invoice_id)
                )
            file_name = f"{SENDER}_{progressive}.xml"
            db.session.add(
                EInvoiceFile(
                    invoice_id=invoice_id,
                    file_name=file_name,
                    progressive=progressive,
                    content=document(),
                    state=state,
                    problems=problems or [],
                )
            )
            db.session.commit()
            return file_name

    return make


DUPLICATE_INVOICE = (
    "<Errore><Codice>00404</Codice><Descrizione>Fattura duplicata</Descrizione></Errore>"
)
MESSAGES = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/v1.0"


def receipt(kind: str, file_name: str, sdi_id: str = "111222333", **parts: str) -> bytes:
    """An SdI message about a sent file, as SdI writes it: RC, MC or NS."""
    root = {"RC": "RicevutaConsegna", "MC": "NotificaMancataConsegna", "NS": "NotificaScarto"}[kind]
    body = {
        "RC": "<DataOraConsegna>2026-11-13T11:00:00.000+01:00</DataOraConsegna>"
        "<Destinatario><Codice>0000000</Codice><Descrizione>Bottega</Descrizione></Destinatario>",
        "MC": "<Descrizione>Casella PEC piena</Descrizione>",
        "NS": "<ListaErrori>{errors}</ListaErrori>".format(
            errors=parts.get("errors", DUPLICATE_INVOICE)
        ),
    }[kind]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ns3:{root} xmlns:ns3="{MESSAGES}" '
        'xmlns:ns2="http://www.w3.org/2000/09/xmldsig#" versione="1.0">'
        f"<IdentificativoSdI>{sdi_id}</IdentificativoSdI><NomeFile>{file_name}</NomeFile>"
        "<DataOraRicezione>2026-11-13T10:30:00.000+01:00</DataOraRicezione>"
        f"{body}<MessageId>987654</MessageId></ns3:{root}>"
    ).encode()


def receipt_name(file_name: str, kind: str, number: int = 1) -> str:
    """The name SdI gives a receipt: the sent file's name, the kind, a progressive."""
    return f"{file_name.removesuffix('.xml')}_{kind}_{number:03d}.xml"


NS = {"p": "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"}


@dataclass
class Produced:
    """One stored file, read back."""

    file_name: str
    state: str
    problems: list[dict[str, Any]]
    content: bytes

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.content)

    def text(self, path: str) -> str:
        found = self.root.find(path)
        return (found.text or "") if found is not None else ""

    def texts(self, path: str) -> list[str]:
        return [element.text or "" for element in self.root.findall(path)]


@dataclass
class EInvoices:
    """Reads a document's files, or produces a new one after changing its customer snapshot."""

    app: Flask

    def files(self, invoice_id: int) -> list[Produced]:
        with self.app.app_context():
            return [
                Produced(file.file_name, file.state, file.problems, file.content)
                for file in db.session.scalars(
                    select(EInvoiceFile)
                    .where(EInvoiceFile.invoice_id == invoice_id)
                    .order_by(EInvoiceFile.id)
                )
            ]

    def latest(self, invoice_id: int) -> Produced:
        return self.files(invoice_id)[-1]

    def produce(self, invoice_id: int, **customer: Any) -> Produced:
        """A new file after changing the document's customer snapshot (what billing info
        would have given it when issued)."""
        with self.app.app_context():
            invoice = db.session.get(Invoice, invoice_id)
            if customer:
                invoice.customer = {**invoice.customer, **customer}
            file = produce_einvoice(invoice)
            db.session.commit()
            return Produced(file.file_name, file.state, file.problems, file.content)


@pytest.fixture
def invoicing(app: Flask) -> Invoicing:
    return Invoicing(app)


@pytest.fixture
def einvoices(app: Flask) -> EInvoices:
    return EInvoices(app)
