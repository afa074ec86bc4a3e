"""Fixtures shared by the app tests: one app per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

os.environ["PORTAL_ENV"] = "testing"
os.environ.pop("DATABASE_URL", None)

import psycopg
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.periods import period_at
from portal.extensions import db
from portal.models import Account, BillingInfo, PaymentMethod, Role, Subscription, User
from portal.reference_data import reference
from tests.clock import Clock

POSTGRESQL_ADMIN_URL = os.environ.get(
    "TEST_POSTGRESQL_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# One database per test process (the test command starts one per CPU), so two runs or two
# processes never drop each other's.
POSTGRESQL_TEST_DATABASE = f"portal_test_{os.getpid()}"
PASSWORD = "correct horse battery staple"
FAST_PASSWORD_HASH = "pbkdf2:sha256:1000"
_postgresql_state: dict[str, str | None] = {"error": None}


def _postgresql_error() -> str | None:
    """None when the PostgreSQL server answers, else why it does not."""
    try:
        with psycopg.connect(POSTGRESQL_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip() or type(error).__name__


def _compile_catalogs() -> None:
    """Build any .mo file older than its .po, so a plain `pytest` sees the translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


def pytest_configure(config: pytest.Config) -> None:
    """In CI PostgreSQL is required; elsewhere its tests are skipped when it is missing."""
    if not hasattr(config, "workerinput"):
        # Once, in the main process: pytest-xdist's workers start after it, and two of them
        # writing the same .mo file could let a third read half of it.
        _compile_catalogs()
    _postgresql_state["error"] = _postgresql_error()
    if _postgresql_state["error"] and os.environ.get("CI") == "true":
        raise pytest.UsageError(
            f"CI=true but PostgreSQL is not reachable at {POSTGRESQL_ADMIN_URL}: "
            f"{_postgresql_state['error']}"
        )


def pytest_report_header(config: pytest.Config) -> str:
    """Say which databases this run uses."""
    if _postgresql_state["error"]:
        return f"databases: SQLite; PostgreSQL SKIPPED ({_postgresql_state['error']})"
    return "databases: SQLite and PostgreSQL"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat the PostgreSQL skip at the end, where it is seen."""
    if _postgresql_state["error"]:
        terminalreporter.write_line(
            f"PostgreSQL was not reachable: its tests were skipped ({_postgresql_state['error']})."
        )


def _create_postgresql_database() -> str:
    """A fresh, empty test database on the local server."""
    with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {POSTGRESQL_TEST_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {POSTGRESQL_TEST_DATABASE}")
    base = POSTGRESQL_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{POSTGRESQL_TEST_DATABASE}"


def _drop_postgresql_database() -> None:
    """Remove this run's test database."""
    with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {POSTGRESQL_TEST_DATABASE} WITH (FORCE)")


def _migrate(url: str) -> None:
    """Build the schema the way production does: `flask db upgrade`."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrated databases, built once per run; PostgreSQL only when reachable."""
    urls: dict[str, str] = {}
    sqlite_file = tmp_path_factory.mktemp("sqlite") / "portal.sqlite3"
    urls["sqlite"] = f"sqlite:///{sqlite_file}"
    if not _postgresql_state["error"]:
        urls["postgresql"] = _create_postgresql_database()
    for url in urls.values():
        _migrate(url)
    yield urls
    if "postgresql" in urls:
        _drop_postgresql_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request: pytest.FixtureRequest) -> str:
    """The database the test runs on; every app test runs on both."""
    if request.param == "postgresql" and _postgresql_state["error"]:
        pytest.skip(f"PostgreSQL not reachable: {_postgresql_state['error']}")
    only = request.node.get_closest_marker("postgresql_only")
    if request.param == "sqlite" and only:
        pytest.skip(only.args[0] if only.args else "PostgreSQL row locks: SQLite has none")
    return request.param


def _empty_tables() -> None:
    """Remove every row, so each test starts from an empty, migrated schema."""
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our table names
    db.session.commit()


@pytest.fixture
def clock() -> Clock:
    """The app's now and today (13 November 2026, 10:00 UTC); a test module overrides it to
    start elsewhere, and tests move it instead of sleeping."""
    return Clock()


@pytest.fixture
def app_config() -> dict[str, object]:
    """Extra settings for this test's app; override in a test module to change them."""
    return {}


@pytest.fixture
def app(
    backend: str, database_urls: dict[str, str], app_config: dict, clock: Clock, tmp_path: Path
) -> Iterator[Flask]:
    """A fresh app on an emptied database, with its own mail outbox, pinned to `clock`."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_urls[backend],
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            # A salted hash still, but cheap: scrypt made half the suite's time.
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
            "NOW": clock,
            "TODAY": clock.today,
            **app_config,
        }
    )
    with app.app_context():
        _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without JavaScript."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """The `flask` command line."""
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token a page put in its forms, as a browser would send it back."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def post_form(client: FlaskClient, page_url: str, action_url: str, data: dict, **kwargs):
    """Open a page, then submit a form from it with the token it carries."""
    page = client.get(page_url, follow_redirects=True)
    return client.post(
        action_url, data={"csrf_token": csrf_token_from(page.text), **data}, **kwargs
    )


@dataclass
class Auth:
    """Sign in and out as a user would."""

    client: FlaskClient

    def login(self, email: str, password: str = PASSWORD, **headers: str):
        """Fill in the sign-in form."""
        return post_form(
            self.client,
            "/login",
            "/login",
            {"email": email, "password": password},
            headers=headers or None,
        )

    def logout(self):
        """Press Sign out."""
        return post_form(self.client, "/", "/logout", {}, follow_redirects=False)


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    """Sign-in helper bound to the test client."""
    return Auth(client)


@dataclass
class Factory:
    """Builds accounts, users and subscriptions directly, for test set-up."""

    app: Flask

    def account(
        self,
        name: str = "Acme S.r.l.",
        *,
        country: str = "IT",
        vat_id: str | None = None,
        currency: str | None = None,
        credit_minor: int = 0,
    ) -> int:
        """A customer account with billing info; returns its id."""
        with self.app.app_context():
            account = Account(name=name, currency=currency, credit_minor=credit_minor)
            account.billing_info = BillingInfo(
                company=name,
                billing_email=f"billing@{abs(hash(name)) % 10**8}.example.com",
                cc_emails=[],
                country=country,
                vat_id=vat_id,
                invoice_language="en",
            )
            db.session.add(account)
            db.session.commit()
            return account.id

    def user(
        self,
        email: str,
        role: Role,
        account_id: int | None = None,
        *,
        name: str | None = None,
        locale: str | None = None,
    ) -> int:
        """A user with the shared test password; returns its id."""
        with self.app.app_context():
            user = User(
                email=email,
                name=name or email.split("@")[0].title(),
                role=role,
                account_id=account_id,
                locale=locale,
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            return user.id

    def subscription(
        self,
        account_id: int,
        *,
        plan: Plan = Plan.STANDARD,
        period: BillingPeriod = BillingPeriod.MONTHLY,
        agents: int = 3,
        packs: int = 0,
        anchor: date,
        currency: str = "EUR",
        auto_renew: bool = True,
        status: str = "active",
    ) -> None:
        """A subscription whose first period starts on `anchor`, at list prices."""
        with self.app.app_context():
            prices = reference().prices
            current = period_at(anchor, period, 0)
            account = db.session.get(Account, account_id)
            assert account is not None
            account.currency = currency
            db.session.add(
                Subscription(
                    account_id=account_id,
                    plan=plan,
                    billing_period=period,
                    agents=agents,
                    packs=packs,
                    anchor_date=anchor,
                    period_start=current.start,
                    period_end=current.end,
                    agent_unit_minor=prices.agent_price(plan, period, currency),
                    pack_unit_minor=prices.pack_price(plan, period, currency),
                    auto_renew=auto_renew,
                    status=status,
                )
            )
            db.session.commit()

    def default_card(self, account_id: int, behaviour: str = "succeed") -> str:
        """A default sandbox Visa that behaves as named when charged; returns its token."""
        token = f"tok_{behaviour}_{secrets.token_hex(12)}"
        with self.app.app_context():
            db.session.add(
                PaymentMethod(
                    account_id=account_id,
                    kind="card",
                    brand="Visa",
                    last4="4242",
                    exp_month=12,
                    exp_year=2030,
                    token=token,
                    is_default=True,
                )
            )
            db.session.commit()
        return token


@pytest.fixture
def factory(app: Flask) -> Factory:
    """Test data builder."""
    return Factory(app)


@pytest.fixture
def project_root() -> Path:
    """The repository's top folder."""
    return Path(__file__).resolve().parent.parent


def at_once(*calls):
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def later(delay_ms: int, call):
    """The call, made `delay_ms` milliseconds after it is started (a staggered `at_once`)."""

    def run():
        if delay_ms:
            time.sleep(delay_ms / 1000)
        return call()

    return run


@pytest.fixture
def mail_left_queued(monkeypatch: pytest.MonkeyPatch) -> None:
    """E-mails stay queued for `flask mail deliver` instead of being sent after each payment:
    for race tests that loop many trials, drawing each one's PDF took most of their time."""
    from portal.mail import outbox as mailer

    monkeypatch.setattr(mailer, "_deliver", lambda limit, only_ids: mailer.DeliveryReport())
