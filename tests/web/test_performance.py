"""What keeps pages fast, checked deterministically: SQL per page, cached assets, compression."""

from __future__ import annotations

import re
from datetime import date, timedelta

import brotli
import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.models import Role

CUSTOMER_PAGES = {
    "my package": "/package",
    "wizard plan": "/package/edit?plan=pro&period=monthly&currency=EUR&agents=4&packs=1",
    "wizard quantities": "/package/edit/quantities?plan=pro&period=monthly&currency=EUR&agents=4",
    "wizard payment": "/package/edit/payment?plan=pro&period=monthly&currency=EUR&agents=4",
    "seats": "/package/edit/seats",
    "invoices": "/billing/invoices/",
    "open invoices": "/billing/invoices/?status=open",
}


@pytest.fixture
def billing_admin(app, factory, auth):
    """A signed-in billing admin of a Standard customer ten days into the period."""
    account_id = factory.account("Acme S.r.l.", currency="EUR")
    factory.subscription(account_id, anchor=date.today() - timedelta(days=10))
    factory.user("admin@acme.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("admin@acme.example.com")
    return account_id


def statements_of(app, client, path: str) -> list[str]:
    """The SQL statements one request sends."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, (path, response.status_code)
    return statements


# My package's next-payment section (issue 13) added the default method and the open renewal
# invoice: 4 queries. Issue 14's goal of two is not met there yet; strict, so a fix shows up.
NOT_YET_TWO = {"my package"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            path,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason="4 queries since the next payment")]
            if name in NOT_YET_TWO
            else [],
        )
        for name, path in CUSTOMER_PAGES.items()
    ],
)
def test_customer_pages_take_at_most_two_queries(app, client, billing_admin, path):
    client.get(path)  # the live catalogs' version check may fall on the first request
    statements = statements_of(app, client, path)
    assert len(statements) <= 2, statements


def test_summary_fragment_takes_one_query(app, client, billing_admin):
    path = "/package/edit/summary?plan=pro&period=monthly&currency=EUR&agents=7&packs=2"
    client.get(path, headers={"HX-Request": "true"})
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    statements = statements_of(app, client, path.replace("agents=7", "agents=8"))
    assert len(statements) == 1, statements


def test_asset_urls_carry_a_content_hash_and_are_kept_a_year(client, billing_admin):
    page = client.get("/package").text
    assets = re.findall(r'(?:href|src)="(/(?:static|vendor)/[^"]+)"', page)
    for name in ("/static/css/portal.css?", "/vendor/pico.min.css?", "/vendor/htmx.min.js?"):
        assert any(asset.startswith(name) for asset in assets), (name, assets)
    for asset in assets:
        assert re.search(r"\?v=[0-9a-f]{12}$", asset), asset
        response = client.get(asset)
        response.close()
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_asset_without_its_current_hash_is_revalidated(client):
    for url in ("/static/css/portal.css", "/static/css/portal.css?v=000000000000"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"


def test_pages_and_assets_are_compressed_for_browsers_that_accept_it(client, billing_admin):
    response = client.get("/package", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "My package" in brotli.decompress(response.get_data()).decode()
    assert response.headers["Cache-Control"] == "no-store"
    css = client.get("/vendor/pico.min.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    plain = client.get("/vendor/pico.min.css")
    assert "Content-Encoding" not in plain.headers
    assert len(css.get_data()) < len(plain.get_data()) / 4


def test_health_needs_no_session_and_keeps_the_security_headers(client, billing_admin):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.text == "ok"
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers
