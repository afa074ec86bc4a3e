"""Field errors show on the htmx path as on a full page: wizard quantities and the seat page."""

from __future__ import annotations

import re

import pytest

HX = {"HX-Request": "true"}
STEP_2 = {"plan": "standard", "period": "monthly", "currency": "EUR"}
QUOTE = "For more than 50 agents we prepare an offer for you."
CASES = [
    ("0", "Choose at least 1 agent."),
    ("abc", "Enter a whole number of agents."),
    # What a number field sends for letters, or once cleared: never priced as 1 agent.
    ("", "Enter a whole number of agents."),
    ("-3", "Enter a whole number of agents."),
]


def oob_fields(html: str) -> str:
    """The fields region the summary answer swaps in out of band."""
    match = re.search(r'<div id="quantity-fields" hx-swap-oob="true">.*', html, re.S)
    assert match, "the summary answer carries no fields"
    return match[0]


@pytest.mark.parametrize(("agents", "error"), CASES)
def test_wizard_summary_swaps_in_the_field_errors(customer, agents, error):
    response = customer.client.get(
        "/package/edit/summary", query_string={**STEP_2, "agents": agents}, headers=HX
    )
    assert response.status_code == 200
    assert "Correct the highlighted fields to see the price." in response.text
    fields = oob_fields(response.text)
    assert error in fields
    assert 'id="agents"' in fields and 'aria-invalid="true"' in fields
    assert "/package/edit/request-quote" not in fields
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


@pytest.mark.parametrize(("agents", "error"), CASES)
def test_seat_page_swaps_in_the_field_errors(standard_customer, agents, error):
    response = standard_customer.client.get(
        "/package/edit/seats", query_string={"agents": agents, "packs": "0"}, headers=HX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="seats"')
    assert error in response.text
    assert 'aria-invalid="true"' in response.text
    assert "/package/edit/request-quote" not in response.text


@pytest.mark.parametrize("agents", ["51", "10000"])
def test_more_agents_than_self_serve_is_the_way_to_a_quote_not_an_error(customer, agents):
    """Asking for more than 50 agents is a valid path: a note with the quote link, no error."""
    response = customer.client.get(
        "/package/edit/summary", query_string={**STEP_2, "agents": agents}, headers=HX
    )
    assert "Correct the highlighted fields" not in response.text
    assert "More than 50 agents are priced in a quote" in response.text
    fields = oob_fields(response.text)
    assert QUOTE in fields and "/package/edit/request-quote" in fields
    assert "aria-invalid" not in fields and "field-error" not in fields
    assert 'aria-describedby="agents-note"' in fields
    page = customer.client.get(
        "/package/edit/quantities", query_string={**STEP_2, "agents": agents}
    )
    assert QUOTE in page.text and "field-error" not in page.text


@pytest.mark.parametrize("agents", ["51", "10000"])
def test_seat_page_offers_a_quote_without_an_error(standard_customer, agents):
    response = standard_customer.client.get(
        "/package/edit/seats", query_string={"agents": agents, "packs": "0"}, headers=HX
    )
    assert QUOTE in response.text and "/package/edit/request-quote" in response.text
    assert "aria-invalid" not in response.text and "field-error" not in response.text


def test_packs_are_still_checked_when_the_agents_take_a_quote(customer):
    response = customer.client.get(
        "/package/edit/summary",
        query_string={**STEP_2, "agents": "60", "packs": "99"},
        headers=HX,
    )
    fields = oob_fields(response.text)
    assert QUOTE in fields
    assert 'id="packs-error"' in fields
    assert "Correct the highlighted fields to see the price." in response.text


def test_summary_leaves_out_the_fields_while_the_page_shows_them_right(customer):
    """The page says which fields region it shows; a clean selection leaves it as it is."""
    page = customer.client.get("/package/edit/quantities", query_string={**STEP_2, "agents": "3"})
    shown = re.search(
        r'<input type="hidden" id="fields-shown" name="shown" value="([^"]*)">', page.text
    )
    assert shown and shown[1] == "standard"
    # Outside the form, so Continue does not carry it, and the summary request includes it.
    form = re.search(r'<form[^>]*id="quantities".*?</form>', page.text, re.S)[0]
    assert 'id="fields-shown"' not in form and 'hx-include="#fields-shown"' in form
    query = {**STEP_2, "agents": "4", "shown": "standard"}
    response = customer.client.get("/package/edit/summary", query_string=query, headers=HX)
    assert 'data-figure="due"' in response.text
    assert "quantity-fields" not in response.text and "fields-shown" not in response.text
    # The same numbers after an error: the fields come back, clean, and say so.
    query["shown"] = ""
    response = customer.client.get("/package/edit/summary", query_string=query, headers=HX)
    assert "field-error" not in oob_fields(response.text)
    assert '<input type="hidden" id="fields-shown" name="shown" value="standard"' in response.text


@pytest.mark.parametrize(("agents", "error"), CASES)
def test_an_error_swaps_the_fields_in_whatever_the_page_shows(customer, agents, error):
    query = {**STEP_2, "agents": agents, "shown": "standard"}
    response = customer.client.get("/package/edit/summary", query_string=query, headers=HX)
    fields = oob_fields(response.text)
    assert error in fields and 'aria-invalid="true"' in fields
    # The page is told it shows an error now, so the corrected value swaps the fields again.
    assert '<input type="hidden" id="fields-shown" name="shown" value=""' in fields


def test_back_keeps_what_is_typed_without_the_fields(customer):
    """Back's link comes alone with the summary, carrying the numbers typed now."""
    query = {**STEP_2, "agents": "7", "packs": "2", "shown": "standard"}
    response = customer.client.get("/package/edit/summary", query_string=query, headers=HX)
    assert "quantity-fields" not in response.text
    back = re.search(
        r'<a id="wizard-back" href="([^"]+)" hx-swap-oob="true"[^>]*>Back</a>', response.text
    )
    assert back
    expected = "plan=standard&amp;period=monthly&amp;currency=EUR&amp;agents=7&amp;packs=2"
    assert back[1] == "/package/edit?" + expected
    # On the page, the same link without the out-of-band mark.
    page = customer.client.get("/package/edit/quantities", query_string=query)
    assert '<a id="wizard-back" href="/package/edit?plan=standard&amp;period=monthly' in page.text
