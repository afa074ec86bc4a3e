"""One pager for every long list, its "Newer" and "Older" in the words of its list (issue 25):
French "Plus récentes" for invoices, "Plus récents" for quotes (devis)."""

from __future__ import annotations

from pathlib import Path

import pytest

import portal.backoffice.queries
import portal.invoices.listing
import portal.quotes.workflow
from tests.invoices.conftest import issue  # noqa: F401
from tests.quotes.conftest import Setting, setting  # noqa: F401

TEMPLATES = Path(__file__).parents[2] / "templates"
FRENCH = {"Accept-Language": "fr"}


@pytest.fixture
def one_per_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists of one row a page, so two rows make two pages."""
    monkeypatch.setattr(portal.quotes.workflow, "STAFF_PAGE_SIZE", 1)
    monkeypatch.setattr(portal.invoices.listing, "PAGE_SIZE", 1)
    monkeypatch.setattr(portal.backoffice.queries, "DETAIL_PAGE_SIZE", 1)


def test_the_pager_is_written_once():
    copies = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if 'rel="next"' in path.read_text(encoding="utf-8")
    ]
    assert copies == ["_pagination.html"]


def test_french_quotes_are_newer_and_older_in_the_masculine(setting: Setting, one_per_page):  # noqa: F811
    setting.as_staff()
    setting.new_draft()
    setting.new_draft()
    first = setting.client.get("/backoffice/quotes", headers=FRENCH).text
    assert ">Plus anciens</a>" in first and "Page 1 sur 2" in first
    second = setting.client.get("/backoffice/quotes?page=2", headers=FRENCH).text
    assert ">Plus récents</a>" in second
    assert "Plus anciennes" not in first + second and "Plus récentes" not in second


def test_french_invoices_are_newer_and_older_in_the_feminine(
    setting: Setting,  # noqa: F811
    issue,  # noqa: F811
    one_per_page,
):
    issue(setting.account_id)
    issue(setting.account_id)
    setting.as_admin()
    first = setting.client.get("/billing/invoices/", headers=FRENCH).text
    assert ">Plus anciennes</a>" in first
    second = setting.client.get("/billing/invoices/?page=2", headers=FRENCH).text
    assert ">Plus récentes</a>" in second
    setting.as_staff()
    account = f"/backoffice/accounts/{setting.account_id}?show=invoices"
    staff_first = setting.client.get(account, headers=FRENCH).text
    assert ">Plus anciennes</a>" in staff_first
    italian = setting.client.get(account, headers={"Accept-Language": "it"}).text
    assert ">Meno recenti</a>" in italian
