"""The staff's back office in Italian and French (issue 26, items 13 to 16): accented names
are found, the quote form shows its errors, its request and its price, accounts are picked
by search, closed quotes are duplicated, and the account page tells the contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def staff_page(chromium, live_url, factory, request) -> Iterator[Page]:
    """A signed-in member of staff speaking the language and at the width the test names."""
    language, viewport = request.param
    email = f"staff-{language}@vendor.example.com"
    factory.user(email, Role.STAFF, locale=language)
    context = chromium.new_context(locale=f"{language}-IT", viewport=viewport)
    page = context.new_page()
    sign_in(page, live_url, email)
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("staff_page", [("it", DESKTOP)], indirect=True)
def test_exact_polish_and_czech_names_are_found(staff_page, live_url, factory):
    factory.account("Zakład Usług Łódź Sp. z o.o.", country="PL")
    factory.account("Šťastný a syn s.r.o.", country="CZ")
    factory.account("Lodi Forniture S.r.l.")
    page = staff_page
    for query, found in [
        ("Łódź", "Zakład Usług Łódź Sp. z o.o."),
        ("Zakład Usług Łódź Sp. z o.o.", "Zakład Usług Łódź Sp. z o.o."),
        ("Šťastný", "Šťastný a syn s.r.o."),
        ("stastny", "Šťastný a syn s.r.o."),
    ]:
        page.goto(f"{live_url}/backoffice/accounts")
        page.fill("#q", query)
        page.press("#q", "Enter")
        page.wait_for_load_state()
        expect(page.locator("main table tbody tr")).to_have_count(1)
        expect(page.locator("main table tbody")).to_contain_text(found)
    shoot(page, "staff-search-it")
