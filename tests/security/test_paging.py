"""Finding 5a: any page number a user can type gets a page, never a 500, in every paged list.

A number past the last page shows the last page (as an old link does); anything that is not a
number written in ASCII digits shows the first page.
"""

from __future__ import annotations

import re

import pytest

from portal.models import Role
from portal.numbers import MAX_ID, MAX_PAGE, page_number
from tests.invoices.conftest import issue  # noqa: F401

# Past the last page: beyond PostgreSQL's INTEGER, SQLite's 64 bits, and far beyond.
PAST_THE_END = ["2", "99", str(2**31), str(2**31 + 1), str(2**63), str(2**64), "9" * 5000]
# Not a page number: the first page.
NOT_A_NUMBER = [
    "0",
    "-1",
    "abc",
    "",
    "1e3",
    " 1",
    "+1",
    "1_0",
    "\uff12",
    "\u00b2",
    "\u0663",
    "0x10",
]


def _pages(owner: bool) -> list[tuple[str, str]]:
    """(url, text the only page shows) per paged list, for its role."""
    if owner:
        return [("/billing/invoices/?page=", "INV-2026-000001"), ("/billing/activity?page=", "")]
    return [
        ("/backoffice/accounts?page=", "Bottega S.r.l."),
        ("/backoffice/quotes?page=", ""),
    ] + [
        (f"/backoffice/accounts/{{account}}?show={section}&page=", "Bottega S.r.l.")
        for section in ("invoices", "credit-notes", "payments", "activity")
    ]


@pytest.mark.parametrize("role", [Role.OWNER, Role.STAFF])
def test_every_page_number_gets_a_page(client, auth, factory, issue, role):  # noqa: F811
    account_id = factory.account("Bottega S.r.l.")
    issue(account_id)
    email = f"{role.value}@example.com"
    factory.user(email, role, account_id if role.is_customer else None)
    auth.login(email)
    for url, shown in _pages(role is Role.OWNER):
        url = url.replace("{account}", str(account_id))
        for page in PAST_THE_END + NOT_A_NUMBER:
            response = client.get(url + page)
            assert response.status_code == 200, (url + page[:30], response.status_code)
            assert shown in response.text, url + page[:30]


def test_the_translation_editor_reads_page_numbers_as_the_other_lists(client, auth, factory):
    factory.user("translator@example.com", Role.TRANSLATOR)
    auth.login("translator@example.com")
    first = client.get("/translations/fr/?page=1")
    assert "Page 1 of" in first.text
    pages = re.search(r"Page 1 of (\d+)", first.text).group(1)
    assert int(pages) > 2
    for page in PAST_THE_END[2:]:
        response = client.get(f"/translations/fr/?page={page}")
        assert response.status_code == 200, page[:30]
        assert f"Page {pages} of {pages}" in response.text, page[:30]
    for page in NOT_A_NUMBER:
        response = client.get(f"/translations/fr/?page={page}")
        assert response.status_code == 200, page
        assert "Page 1 of" in response.text, page


def test_the_furthest_page_keeps_its_offset_an_integer():
    """page_number's ceiling times any list's page size fits PostgreSQL's INTEGER."""
    from portal.activity import log as activity_log
    from portal.backoffice import queries as backoffice
    from portal.catalogs import store as translations
    from portal.invoices import listing as invoices
    from portal.quotes import workflow as quotes

    sizes = [
        activity_log.PAGE_SIZE,
        backoffice.PAGE_SIZE,
        backoffice.DETAIL_PAGE_SIZE,
        invoices.PAGE_SIZE,
        quotes.STAFF_PAGE_SIZE,
        translations.PAGE_SIZE,
    ]
    assert max(sizes) * MAX_PAGE <= MAX_ID
    assert page_number({"page": "9" * 5000}) == MAX_PAGE
    assert page_number({"page": "0003"}) == 3
