"""Field errors show on the htmx path as on a full page: wizard quantities and the seat page."""

from __future__ import annotations

import re

import pytest

HX = {"HX-Request": "true"}
STEP_2 = {"plan": "standard", "period": "monthly", "currency": "EUR"}
CASES = [
    ("51", "More than 50 agents? Request a quote", True),
    ("10000", "More than 50 agents? Request a quote", True),
    ("0", "Choose at least 1 agent.", False),
    ("abc", "Enter a whole number of agents.", False),
]


def oob_fields(html: str) -> str:
    """The fields region the summary answer swaps in out of band."""
    match = re.search(r'<div id="quantity-fields" hx-swap-oob="true">.*', html, re.S)
    assert match, "the summary answer carries no fields"
    return match[0]


@pytest.mark.parametrize(("agents", "error", "quote"), CASES)
def test_wizard_summary_swaps_in_the_field_errors(customer, agents, error, quote):
    response = customer.client.get(
        "/package/edit/summary", query_string={**STEP_2, "agents": agents}, headers=HX
    )
    assert response.status_code == 200
    assert "Correct the highlighted fields to see the price." in response.text
    fields = oob_fields(response.text)
    assert error in fields
    assert 'id="agents"' in fields and 'aria-invalid="true"' in fields
    assert ("/package/edit/request-quote" in fields) is quote
    # The full page shows exactly the same fields.
    page = customer.client.get(
        "/package/edit/quantities", query_string={**STEP_2, "agents": agents}
    )
    assert error in page.text


def test_a_corrected_field_clears_its_error(customer):
    response = customer.client.get(
        "/package/edit/summary", query_string={**STEP_2, "agents": "3"}, headers=HX
    )
    fields = oob_fields(response.text)
    assert "aria-invalid" not in fields and "field-error" not in fields
    assert 'value="3"' in fields
    assert 'data-figure="due"' in response.text


@pytest.mark.parametrize(("agents", "error", "quote"), CASES)
def test_seat_page_swaps_in_the_field_errors(standard_customer, agents, error, quote):
    response = standard_customer.client.get(
        "/package/edit/seats", query_string={"agents": agents, "packs": "0"}, headers=HX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="seats"')
    assert error in response.text
    assert 'aria-invalid="true"' in response.text
    assert ("/package/edit/request-quote" in response.text) is quote
