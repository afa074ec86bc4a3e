"""What keeps pages fast, checked deterministically: SQL per page, cached assets, compression."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import brotli
import pytest
from sqlalchemy import event

from portal.domain.periods import add_months
from portal.extensions import db
from portal.models import Role
from portal.renewal.run import run_renewals
from tests.clock import app_today
from tests.wizard.conftest import Customer

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
def billing_admin(app, factory, auth, clock):
    """A signed-in billing admin of a Standard customer ten days into the period."""
    account_id = factory.account("Acme S.r.l.", currency="EUR")
    factory.subscription(account_id, anchor=clock.today() - timedelta(days=10))
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


@pytest.mark.parametrize("path", CUSTOMER_PAGES.values(), ids=CUSTOMER_PAGES.keys())
def test_customer_pages_take_at_most_two_queries(app, client, billing_admin, path):
    client.get(path)  # the live catalogs' version check may fall on the first request
    statements = statements_of(app, client, path)
    assert len(statements) <= 2, statements


def _signed_in(factory, auth, role: Role, account_id: int) -> None:
    """A user of the account with `role`, signed in."""
    factory.user("someone@acme.example.com", role, account_id)
    auth.login("someone@acme.example.com")


def _running(app, factory, auth, role: Role, **subscription) -> str:
    """Standard, ten days into the period, a default card; returns a text the page shows."""
    account_id = factory.account("Acme S.r.l.")
    factory.subscription(account_id, anchor=app_today(app) - timedelta(days=10), **subscription)
    factory.default_card(account_id)
    _signed_in(factory, auth, role, account_id)
    return "Next payment" if role.manages_billing else "Chatbot conversations"


def _auto_renewal_off(app, factory, auth) -> str:
    """A billing admin whose package will not renew."""
    _running(app, factory, auth, Role.BILLING_ADMIN, auto_renew=False)
    return "Nothing will be charged: auto-renewal is off"


def _free(app, factory, auth) -> str:
    """A billing admin of a Free account."""
    _signed_in(factory, auth, Role.BILLING_ADMIN, factory.account("Acme S.r.l."))
    return "You are on the Free package"


def _past_due(app, factory, auth) -> str:
    """The renewal yesterday was declined: past due, its invoice open."""
    account_id = factory.account("Acme S.r.l.")
    yesterday = app_today(app) - timedelta(days=1)
    factory.subscription(account_id, anchor=add_months(yesterday, -1))
    factory.default_card(account_id, "decline")
    with app.app_context():
        run_renewals(yesterday, send_mail=lambda _ids: None)
    _signed_in(factory, auth, Role.BILLING_ADMIN, account_id)
    return "is unpaid"


def _within_the_refund_window(app, factory, auth) -> str:
    """Bought Standard through the wizard a moment ago."""
    account_id = factory.account("Acme S.r.l.")
    _signed_in(factory, auth, Role.BILLING_ADMIN, account_id)
    customer = Customer(auth.client, app, account_id)
    customer.add_card()
    selection = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "2"}
    assert customer.pay(customer.payment_form(**selection)).status_code == 302
    return "Request a full refund"


MY_PACKAGE_STATES = {
    "owner": lambda app, factory, auth: _running(app, factory, auth, Role.OWNER),
    "billing admin": lambda app, factory, auth: _running(app, factory, auth, Role.BILLING_ADMIN),
    "member": lambda app, factory, auth: _running(app, factory, auth, Role.MEMBER),
    "free account": _free,
    "auto-renewal off": _auto_renewal_off,
    "past due with an open invoice": _past_due,
    "within the refund window": _within_the_refund_window,
}


@pytest.mark.parametrize("set_up", MY_PACKAGE_STATES.values(), ids=MY_PACKAGE_STATES.keys())
def test_my_package_takes_at_most_two_queries_in_every_state(app, client, factory, auth, set_up):
    """The user with the account, then one query for all billing shows (none for members)."""
    shown = set_up(app, factory, auth)
    client.get("/package")
    statements = statements_of(app, client, "/package")
    assert shown in client.get("/package").text
    assert len(statements) <= 2, statements


def test_a_member_s_package_reads_nothing_of_billing(app, client, factory, auth):
    _running(app, factory, auth, Role.MEMBER)
    client.get("/package")
    statements = statements_of(app, client, "/package")
    # The user with the account and its package, then whom to ask about billing (names and
    # addresses of the owner and billing admins: users, no billing figure).
    assert len(statements) == 2, statements
    assert "FROM users" in statements[1] and "JOIN" not in statements[1], statements[1]
    page = client.get("/package").text
    assert "Chatbot conversations" in page
    assert "Next payment" not in page and "Visa" not in page


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


def _hashed_asset_urls(client) -> dict[str, str]:
    page = client.get("/package").text
    urls = re.findall(r'(?:href|src)="(/(?:static|vendor)/[^"]+)"', page)
    return {url.split("?")[0].rsplit("/", 1)[1]: url for url in urls}


def test_scripts_and_stylesheets_travel_at_brotli_11_compressed_once(client, billing_admin):
    from portal.assets import _PRECOMPRESSED

    urls = _hashed_asset_urls(client)
    for name, url in urls.items():
        if not name.endswith((".css", ".js")):
            continue
        plain = client.get(url).get_data()
        br = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert br.headers["Content-Encoding"] == "br"
        assert brotli.decompress(br.get_data()) == plain
        assert br.get_data() == brotli.compress(plain, quality=11)
        gz = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.get_data()) == plain
        assert "Accept-Encoding" in br.headers["Vary"]
        assert br.headers["Content-Length"] == str(len(br.get_data()))
    compressed = len(_PRECOMPRESSED)
    client.get(urls["htmx.min.js"], headers={"Accept-Encoding": "br"})
    assert len(_PRECOMPRESSED) == compressed  # compressed once, then kept


def test_assets_carry_only_the_headers_that_act_on_them(client, billing_admin):
    """A script or stylesheet is no document: no CSP or framing rules; never revalidated while
    its hash is current, so no validators either. Pages and images keep everything."""
    urls = _hashed_asset_urls(client)
    script = client.get(urls["htmx.min.js"], headers={"Accept-Encoding": "br"})
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert script.headers["Referrer-Policy"] == "same-origin"
    for name in ("Content-Security-Policy", "X-Frame-Options", "ETag", "Last-Modified"):
        assert name not in script.headers, name
    image = client.get(urls["favicon.svg"])
    assert "Content-Security-Policy" in image.headers
    page = client.get("/package")
    assert "Content-Security-Policy" in page.headers and "X-Frame-Options" in page.headers
    unhashed = client.get("/static/css/portal.css", headers={"Accept-Encoding": "br"})
    assert unhashed.headers["Cache-Control"] == "no-cache"
    assert unhashed.headers["ETag"].endswith(':br"')


def test_health_needs_no_session_and_keeps_the_security_headers(client, billing_admin):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.text == "ok"
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers
