"""The exchange system's content checks, as the portal's named rules: documents that pass the
schema but would be refused are caught before they are sent."""

from __future__ import annotations

import pytest
from lxml import etree

from portal.einvoices.schema import schema_errors
from portal.einvoices.sdi_rules import RuleFailure, sdi_failures
from tests.einvoices.documents import document

FILE = "IT01234567890_00001.xml"
# A German business: reverse charge, VAT outside Italy's scope for B2B services (N2.1).
GERMAN_B2B = {
    "recipient": "XXXXXXX",
    "country": "DE",
    "buyer_id": "123456789",
    "buyer": "Müller Software GmbH",
    "postcode": "00000",
    "rate": "0.00",
    "nature": "<Natura>N2.1</Natura>",
    "taxable": "45.00",
    "tax": "0.00",
}
# A US business: outside the EU, identified as OO99999999999.
AMERICAN_B2B = {**GERMAN_B2B, "country": "US", "buyer_id": "OO99999999999", "buyer": "Acme Inc."}


def _failures(xml: bytes, file_name: str = FILE, **known) -> list[RuleFailure]:
    return sdi_failures(etree.fromstring(xml), file_name, **known)


@pytest.mark.parametrize(
    "changes",
    [{}, GERMAN_B2B, AMERICAN_B2B, {"kind": "TD04"}],
    ids=["Italian B2B", "German B2B (N2.1)", "US business", "credit note"],
)
def test_good_documents_pass_the_schema_and_every_rule(changes):
    xml = document(**changes)
    assert schema_errors(xml) == []
    assert _failures(xml) == []


@pytest.mark.parametrize(
    ("changes", "code", "rule"),
    [
        (
            {"nature": "<Natura>N6</Natura>", "rate": "0.00", "tax": "0.00"},
            "00445",
            "generic_nature",
        ),
        ({"rate": "0.00", "tax": "0.00"}, "00400", "zero_rate_without_nature"),
        ({"nature": "<Natura>N2.1</Natura>"}, "00401", "nature_with_a_rate"),
        ({"taxable": "45.01", "tax": "9.90"}, "00422", "taxable_per_rate"),
        ({"tax": "9.91"}, "00421", "tax_per_rate"),
        ({"line_total": "45.01", "taxable": "45.01", "tax": "9.90"}, "00423", "line_total"),
        ({**AMERICAN_B2B, "buyer_id": "987654321"}, "", "foreign_recipient"),
        ({**GERMAN_B2B, "recipient": "0000000"}, "", "foreign_recipient"),
        ({**GERMAN_B2B, "postcode": "10115"}, "", "foreign_recipient"),
    ],
    ids=[
        "generic N6",
        "0 % without exemption code",
        "exemption code with a rate",
        "taxable off by a cent",
        "tax off by a cent",
        "line total off by a cent",
        "non-EU business without OO99999999999",
        "foreign customer without XXXXXXX",
        "foreign customer with its own postcode",
    ],
)
def test_each_bad_document_is_refused_by_its_named_rule(changes, code, rule):
    xml = document(**changes)
    failures = _failures(xml)
    # Only that rule (it may find the fault on the line and on the rate's summary alike).
    assert {(failure.code, failure.rule) for failure in failures} == {(code, rule)}, failures
    assert schema_errors(xml) == []  # the schema alone would let it through


@pytest.mark.parametrize(
    "file_name",
    ["01234567890_00001.xml", "IT01234567890_000001.xml", "IT01234567890_0000!.xml",
     "IT09999999999_00001.xml", "IT01234567890_00001.XML"],
    ids=["no country", "progressive too long", "not a letter or digit", "another transmitter",
         "upper-case extension"],
)  # fmt: skip
def test_a_bad_file_name_is_refused(file_name):
    assert [(f.code, f.rule) for f in _failures(document(), file_name)] == [("00001", "file_name")]


def test_a_file_name_is_never_used_twice():
    failures = _failures(document(), used_file_names={FILE})
    assert [(f.code, f.rule) for f in failures] == [("00002", "file_name")]


def test_a_number_already_sent_that_year_is_a_duplicate():
    failures = _failures(document(), issued_numbers={(2026, "2026/000001")})
    assert [(f.code, f.rule) for f in failures] == [("00404", "duplicate")]
    assert _failures(document(), issued_numbers={(2025, "2026/000001")}) == []
