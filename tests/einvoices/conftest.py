"""Issued documents and their FatturaPA files: the documents tests' invoicing, then the XML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import select

from portal.einvoices.produce import produce_einvoice
from portal.extensions import db
from portal.models import EInvoiceFile, Invoice
from tests.documents.conftest import Invoicing

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
