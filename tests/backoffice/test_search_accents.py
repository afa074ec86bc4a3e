"""The account search ignores case and accents, ł and ß included, on both databases."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import create_app
from portal.extensions import db
from portal.models import Account, BillingInfo
from tests.backoffice.conftest import add_accounts
from tests.conftest import POSTGRESQL_ADMIN_URL

ROW = re.compile(r'<a href="/backoffice/accounts/(\d+)">([^<]+)</a>')

NAMES = {
    "polish": "Zakład Usług Łódź Sp. z o.o.",
    "czech": "Šťastný a Dvořák s.r.o.",
    "french": "Société Générale d'Œuvres",
    "italian": "Caffè Nicolò S.r.l.",
    "german": "Großhandel Müller GmbH",
    "danish": "Ærø Færger ApS",
}


def _names(html: str) -> list[str]:
    return [name.replace("&#39;", "'") for _id, name in ROW.findall(html)]


@pytest.fixture
def accented(factory) -> dict[str, int]:
    return {key: factory.account(name) for key, name in NAMES.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Łódź", "polish"),
        ("łódź", "polish"),
        ("ŁÓDŹ", "polish"),
        ("lodz", "polish"),
        ("LODZ", "polish"),
        ("Zakład Usług Łódź Sp. z o.o.", "polish"),
        ("zaklad uslug", "polish"),
        ("Šťastný", "czech"),
        ("stastny", "czech"),
        ("DVOŘÁK", "czech"),
        ("Société Générale", "french"),
        ("societe generale d'oeuvres", "french"),
        ("Œuvres", "french"),
        ("Caffè Nicolò", "italian"),
        ("caffe nicolo", "italian"),
        ("Großhandel", "german"),
        ("grosshandel muller", "german"),
        ("Ærø", "danish"),
        ("aero faerger", "danish"),
    ],
)
def test_exact_and_plain_names_both_find_the_account(client, staff, accented, query, expected):
    response = client.get("/backoffice/accounts", query_string={"q": query})
    assert response.status_code == 200
    assert _names(response.text) == [NAMES[expected]]


def test_a_renamed_company_is_found_by_its_new_name(app, client, staff, accented):
    with app.app_context():
        info = db.session.get(BillingInfo, accented["italian"])
        info.company = "Pâtisserie Élodie"
        db.session.commit()
    response = client.get("/backoffice/accounts", query_string={"q": "patisserie elodie"})
    assert _names(response.text) == [NAMES["italian"]]
    assert _names(client.get("/backoffice/accounts?q=caffe").text) == [NAMES["italian"]]


def test_accounts_inserted_in_bulk_are_folded_too(app, client, staff):
    add_accounts(app, 3, prefix="Łąka")
    response = client.get("/backoffice/accounts", query_string={"q": "laka 0000"})
    assert len(_names(response.text)) == 3


@pytest.fixture
def scratch_url(backend, tmp_path) -> Iterator[str]:
    """An empty database of the test's kind, for migrating step by step."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"portal_scratch_{os.getpid()}"
    with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    yield f"{POSTGRESQL_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_migration_folds_the_rows_that_exist(backend, scratch_url):
    """Rows written before the folded columns existed are folded by the migration itself."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "TESTING": True})
    with app.app_context():
        upgrade(revision="9d41b7e2c6a8")
        db.session.execute(
            text(
                "INSERT INTO accounts (id, name, credit_minor, created_at)"
                " VALUES (7, 'Łódź Šťastný', 0, CURRENT_TIMESTAMP)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO billing_info (account_id, company, contact_name, billing_email,"
                " cc_emails, address, postal_code, city, country, invoice_language,"
                " invoices_by_email) VALUES (7, 'Crème Brûlée', '', 'b@example.com', '[]', '',"
                " '', '', 'PL', 'pl', true)"
            )
        )
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(Account.name_search).where(Account.id == 7)) == (
            "lodz stastny"
        )
        company = select(BillingInfo.company_search).where(BillingInfo.account_id == 7)
        assert db.session.scalar(company) == "creme brulee"
        if backend == "postgresql":
            indexes = db.session.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'")
            ).all()
            assert "ix_accounts_name_search_trgm" in indexes
            assert "ix_accounts_name_trgm" not in indexes
        db.session.remove()
        db.engine.dispose()
