"""Database connections: a read-only fragment costs one round trip, and a connection the server
dropped while idle is replaced before a request uses it (PostgreSQL; SQLite has no server)."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.models import Role
from tests.conftest import POSTGRESQL_ADMIN_URL

pytestmark = pytest.mark.postgresql_only("SQLite has no server round trips or connections to drop")

SUMMARY = "/package/edit/summary?plan=pro&period=monthly&currency=EUR&agents=7&packs=1"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def billing_admin(factory, auth, clock):
    """A signed-in billing admin of a Standard customer ten days into the period."""
    account_id = factory.account("Acme S.r.l.", currency="EUR")
    factory.subscription(account_id, anchor=clock.today() - timedelta(days=10))
    factory.user("admin@acme.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("admin@acme.example.com")
    return account_id


def _autocommit_per_statement(app, client, path: str, headers=None) -> list[bool]:
    """For each statement one request sends: was its connection outside a transaction?"""
    with app.app_context():
        engine = db.engine
    seen: list[bool] = []

    def record(_connection, cursor, *_args) -> None:
        seen.append(cursor.connection.autocommit)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, (path, response.status_code)
    return seen


def test_the_summary_sends_its_one_query_without_begin_or_rollback(app, client, billing_admin):
    client.get(SUMMARY, headers=HTMX)
    assert _autocommit_per_statement(app, client, SUMMARY.replace("=7", "=8"), HTMX) == [True]


def test_pages_still_read_in_one_transaction_after_a_summary(app, client, billing_admin):
    """The connection goes back to the pool as it came: the next page reads one snapshot."""
    client.get(SUMMARY, headers=HTMX)
    seen = _autocommit_per_statement(app, client, "/package")
    assert seen and not any(seen)


def test_the_back_office_list_reads_without_a_transaction(app, client, factory, auth):
    """Its page, count and attention figures come from one statement: one snapshot."""
    factory.account("Acme S.r.l.", currency="EUR")
    factory.user("staff@vendor.example.com", Role.STAFF)
    auth.login("staff@vendor.example.com")
    client.get("/backoffice/accounts")
    seen = _autocommit_per_statement(app, client, "/backoffice/accounts?q=acme")
    assert seen and all(seen)


def _ping_count(app, monkeypatch) -> list[int]:
    """Count the pings the pool sends from now on."""
    with app.app_context():
        dialect = db.engine.dialect
    pings: list[int] = []
    real_ping = dialect.do_ping

    def counted(dbapi_connection) -> bool:
        pings.append(1)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_a_connection_handed_back_moments_ago_is_not_pinged(
    app, client, billing_admin, monkeypatch
):
    client.get("/package")
    pings = _ping_count(app, monkeypatch)
    for _ in range(3):
        assert client.get(SUMMARY, headers=HTMX).status_code == 200
    assert pings == []


def _terminate_the_app_s_connections(app) -> int:
    """What a server restart or an idle timeout does to the pooled connections."""
    with app.app_context():
        name = db.engine.url.database
    with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


@pytest.mark.parametrize("app_config", [{"DATABASE_PING_AFTER_IDLE_SECONDS": 0}])
def test_a_connection_dropped_while_idle_is_replaced_before_a_request_uses_it(
    app, client, billing_admin, monkeypatch
):
    assert client.get("/package").status_code == 200
    assert _terminate_the_app_s_connections(app) >= 1
    pings = _ping_count(app, monkeypatch)
    response = client.get("/package")
    assert response.status_code == 200
    assert "Acme S.r.l." in response.text
    assert pings, "the idle connection was used without a ping"
