"""EN 16931 e-invoice tests: issued documents to write as CII, UBL and Factur-X, and a
signed-in billing admin to choose the format and download the files."""

from __future__ import annotations

from tests.documents.conftest import invoicing
from tests.wizard.conftest import customer

__all__ = ["customer", "invoicing"]
