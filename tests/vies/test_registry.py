"""The SOAP client against the fake registry: valid, invalid, every fault, a timeout."""

from __future__ import annotations

import pytest

from portal import vies
from portal.domain.vat_registry import RegistryVerdict
from tests.vies.conftest import GERMAN_VAT_ID
from tests.vies.fake_vies import GARBAGE, HTTP_503, INVALID, SLOW

OUTAGE_FAULTS = [
    "MS_UNAVAILABLE",
    "TIMEOUT",
    "MS_MAX_CONCURRENT_REQ",
    "GLOBAL_MAX_CONCURRENT_REQ",
    "SERVICE_UNAVAILABLE",
    "SERVER_BUSY",
]


def _ask(app, vat_id=GERMAN_VAT_ID):
    with app.app_context():
        return vies.ask(vat_id)


def test_valid_answer_has_the_consultation_number_name_and_address(app, fake_vies, clock):
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.VALID
    assert answer.consultation_number.startswith("WAPIAAAAW")
    assert answer.name == "MUSTER GMBH"
    assert answer.address == "HAUPTSTRASSE 1 10115 BERLIN"
    assert answer.checked_at == clock()
    # Asked with the seller as requester: the registry's proof needs it.
    (request,) = fake_vies.requests
    assert request.operation == "checkVatApprox"
    assert request.fields["countryCode"] == "DE"
    assert request.fields["vatNumber"] == "136695976"
    assert (
        request.fields["requesterCountryCode"] + request.fields["requesterVatNumber"]
        == (app.config["SELLER_VAT_ID"])
    )


def test_invalid_answer(app, fake_vies):
    fake_vies.answers[GERMAN_VAT_ID] = INVALID
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.INVALID
    assert answer.name == answer.address == ""  # "---" means none


@pytest.mark.parametrize("fault", OUTAGE_FAULTS)
def test_each_outage_fault_is_unknown_with_its_reason(app, fake_vies, fault):
    fake_vies.answers[GERMAN_VAT_ID] = fault
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.UNKNOWN
    assert answer.reason == fault
    assert answer.consultation_number == ""


def test_invalid_input_is_the_customers_error_not_an_outage(app, fake_vies):
    fake_vies.answers[GERMAN_VAT_ID] = "INVALID_INPUT"
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.INVALID
    assert answer.reason == "INVALID_INPUT"


def test_a_refused_requester_asks_again_without_it(app, fake_vies):
    fake_vies.answers[GERMAN_VAT_ID] = "INVALID_REQUESTER_INFO"
    answer = _ask(app)
    # The fake refuses both operations alike here: still no answer about the customer.
    assert answer.verdict is RegistryVerdict.UNKNOWN
    assert answer.reason == "INVALID_REQUESTER_INFO"
    assert [r.operation for r in fake_vies.requests] == ["checkVatApprox", "checkVat"]


def test_a_timeout_is_unknown(app, fake_vies):
    fake_vies.answers[GERMAN_VAT_ID] = SLOW
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.UNKNOWN
    assert answer.reason == vies.NO_ANSWER


@pytest.mark.parametrize("behaviour", [HTTP_503, GARBAGE])
def test_an_answer_that_is_no_soap_is_unknown(app, fake_vies, behaviour):
    fake_vies.answers[GERMAN_VAT_ID] = behaviour
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.UNKNOWN
    assert answer.reason


def test_an_unreachable_registry_is_unknown(app, fake_vies):
    app.config["VIES_WSDL_URL"] = "http://127.0.0.1:9/checkVatService.wsdl"
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.UNKNOWN
    assert answer.reason == vies.UNREACHABLE


def test_without_a_seller_vat_id_the_plain_check_is_used(app, fake_vies):
    app.config["SELLER_VAT_ID"] = ""
    answer = _ask(app)
    assert answer.verdict is RegistryVerdict.VALID
    assert answer.consultation_number == ""
    assert answer.name == "MUSTER GMBH"
    assert [r.operation for r in fake_vies.requests] == ["checkVat"]
