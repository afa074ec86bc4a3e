"""What every benchmark shares: throw-away databases, seeded data, gunicorn, wrk, the table.

Databases are created per run (a SQLite file, a PostgreSQL database on the test server) and
dropped afterwards. The app is served by gunicorn with 2 sync workers, the production settings
of the README; wrk (Debian's /usr/bin/wrk) is the load generator.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
# What wrk sends as a browser would (Chromium's own value); the rows print it.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
POSTGRESQL_ADMIN_URL = os.environ.get(
    "TEST_POSTGRESQL_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "benchmark password 123"
SMALL = "bench@example.com"  # a customer with one invoice
BIG = "big@example.com"  # a customer with 2 000 invoices
ONE_PAGE = "onepage@example.com"  # a customer with one full page of invoices (20)
ONE_PAGE_INVOICES = 20
STAFF = "staff@example.com"
SUMMARY_CUSTOMERS = 8  # customers whose packages differ, for summary cache misses
BIG_INVOICES = 2000
BACKOFFICE_ACCOUNTS = 5000
WORKERS = 2  # gunicorn sync workers per served app
SERVER_ENV = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789",
    # Served and loaded on loopback ports: the one host where production accepts http.
    "PUBLIC_URL": "http://127.0.0.1",
    # The in-process rows' Flask test clients name the host `localhost`.
    "ALLOWED_HOSTS": "localhost",
    "SESSION_COOKIE_SECURE": "false",
    "STRICT_TRANSPORT_SECURITY": "false",
}


def summary_email(index: int) -> str:
    """The sign-in of the index-th summary customer."""
    return f"summary{index}@example.com"


# --- databases -------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, empty database URL of `kind` (sqlite or postgresql), dropped afterwards."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"portal_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRESQL_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgresql_available() -> bool:
    """Whether the PostgreSQL server answers."""
    try:
        import psycopg

        with psycopg.connect(POSTGRESQL_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def make_app(url: str) -> Any:
    """The portal app on `url`, configured as the servers are."""
    os.environ.update(SERVER_ENV)
    os.environ["DATABASE_URL"] = url
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def seed(url: str) -> dict[str, int]:
    """Migrate and fill the database every benchmark uses; return ids they need."""
    import logging

    from flask_migrate import upgrade

    app = make_app(url)
    with app.app_context():
        logging.disable(logging.INFO)
        upgrade()
        logging.disable(logging.NOTSET)
        ids = _seed_customers(app)
        _seed_backoffice_accounts()
        from portal.extensions import db

        db.engine.dispose()
    return ids


def _customer(email: str, name: str, role: Any, agents: int, days_in: int) -> Any:
    """A customer account on Standard monthly, `days_in` days into its period, with a user."""
    from portal.domain.catalog import BillingPeriod, Plan
    from portal.domain.periods import period_at
    from portal.extensions import db
    from portal.models import Account, BillingInfo, PaymentMethod, Subscription, User
    from portal.models.payment import MethodKind

    account = Account(name=name, currency="EUR", credit_minor=0)
    account.billing_info = BillingInfo(
        company=name, billing_email=email, cc_emails=[], country="IT", vat_id="IT00743110157"
    )
    anchor = date.today() - timedelta(days=days_in)
    current = period_at(anchor, BillingPeriod.MONTHLY, 0)
    account.subscription = Subscription(
        plan=Plan.STANDARD,
        billing_period=BillingPeriod.MONTHLY,
        agents=agents,
        packs=0,
        anchor_date=anchor,
        period_start=current.start,
        period_end=current.end,
        agent_unit_minor=1500,
        pack_unit_minor=1000,
        auto_renew=True,
        status="active",
    )
    user = User(email=email, name=name, role=role, account=account)
    user.set_password(PASSWORD)
    db.session.add_all([account, user])
    db.session.flush()
    method = PaymentMethod(
        account_id=account.id,
        kind=MethodKind.CARD,
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=date.today().year + 3,
        holder=name,
        token=f"tok_{uuid.uuid4().hex}",
        is_default=True,
    )
    db.session.add(method)
    return account


def _invoice_rows(account_id: int, count: int, first_sequence: int) -> list[dict[str, Any]]:
    """`count` paid monthly invoices of one account, one a day back from today."""
    today = date.today()
    rows = []
    for index in range(count):
        issued = today - timedelta(days=index)
        sequence = first_sequence + index
        rows.append(
            {
                "account_id": account_id,
                "kind": "invoice",
                "year": issued.year,
                "sequence": sequence,
                "number": f"B{account_id}-{sequence:06d}",
                "issued_on": issued,
                "period_start": issued,
                "period_end": issued + timedelta(days=30),
                "currency": "EUR",
                "net_minor": 4500,
                "vat_minor": 990,
                "total_minor": 5490,
                "credit_used_minor": 0,
                "amount_due_minor": 5490,
                "vat_rate": 22,
                "tax_kind": "domestic",
                "status": "open" if index % 10 == 3 else "paid",
                "paid_with": "Visa •••• 4242",
                "change_kind": "renewal",
                "seller": {"name": "Chatdesk S.r.l.", "address": "Via Example 1"},
                "customer": {"company": "Bench", "country": "IT"},
                "language": "en",
                "note": "",
            }
        )
    return rows


def _seed_customers(app: Any) -> dict[str, int]:
    """The small and big customers, the summary customers and a staff user."""
    from sqlalchemy import insert, select

    from portal.documents.pdf import invoice_pdf_bytes
    from portal.extensions import db
    from portal.models import Invoice, InvoiceLine, Role, User

    small = _customer(SMALL, "Bench S.r.l.", Role.BILLING_ADMIN, 3, 10)
    big = _customer(BIG, "Big Customer S.p.A.", Role.BILLING_ADMIN, 12, 10)
    one_page = _customer(ONE_PAGE, "One Page S.r.l.", Role.BILLING_ADMIN, 5, 10)
    for index in range(SUMMARY_CUSTOMERS):
        _customer(
            summary_email(index), f"Summary {index}", Role.BILLING_ADMIN, 2 + index, 1 + index
        )
    staff = User(email=STAFF, name="Staff", role=Role.STAFF)
    staff.set_password(PASSWORD)
    db.session.add(staff)
    db.session.flush()
    db.session.execute(insert(Invoice), _invoice_rows(small.id, 1, 1))
    db.session.execute(insert(Invoice), _invoice_rows(big.id, BIG_INVOICES, 100))
    db.session.execute(insert(Invoice), _invoice_rows(one_page.id, ONE_PAGE_INVOICES, 5000))
    invoice = db.session.scalar(select(Invoice).where(Invoice.account_id == small.id))
    today = date.today()
    db.session.add(
        InvoiceLine(
            invoice_id=invoice.id,
            position=1,
            kind="agents",
            plan="standard",
            billing_period="monthly",
            quantity=3,
            unit_minor=1500,
            start=today,
            end=today + timedelta(days=30),
            amount_minor=4500,
        )
    )
    db.session.flush()
    db.session.refresh(invoice)
    with app.test_request_context():
        invoice_pdf_bytes(invoice)  # drawn once, as the mail job does after issuing it
    db.session.commit()
    return {"small_account": small.id, "big_account": big.id, "small_invoice": invoice.id}


def _seed_backoffice_accounts() -> None:
    """Enough accounts for the back office list (plain rows, inserted in bulk)."""
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import Account, BillingInfo, Subscription

    first = (db.session.scalar(select(Account.id).order_by(Account.id.desc()).limit(1)) or 0) + 1
    count = BACKOFFICE_ACCOUNTS - (first - 1)
    today = date.today()
    db.session.execute(
        insert(Account),
        [
            {"id": first + i, "name": f"Company {i:05d} Ltd", "currency": "EUR", "credit_minor": 0}
            for i in range(count)
        ],
    )
    db.session.execute(
        insert(BillingInfo),
        [
            {
                "account_id": first + i,
                "company": f"Company {i:05d} Ltd",
                "billing_email": f"billing{i}@company{i}.example.com",
                "cc_emails": [],
                "country": "IT",
                "vat_id": f"IT{i:011d}",
            }
            for i in range(count)
        ],
    )
    db.session.execute(
        insert(Subscription),
        [
            {
                "account_id": first + i,
                "plan": "standard" if i % 3 else "pro",
                "billing_period": "monthly",
                "agents": 1 + i % 40,
                "packs": 0,
                "anchor_date": today - timedelta(days=i % 28),
                "period_start": today - timedelta(days=i % 28),
                "period_end": today - timedelta(days=i % 28) + timedelta(days=30),
                "agent_unit_minor": 1500,
                "pack_unit_minor": 1000,
                "auto_renew": True,
                "status": ("active", "active", "active", "past_due", "blocked")[i % 5],
            }
            for i in range(count)
            if i % 7
        ],
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


# --- signing in ------------------------------------------------------------------------------


def _csrf_token(html: str) -> str:
    """The CSRF token of a form."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def client_sign_in(client: Any, email: str) -> None:
    """Sign a Flask test client in."""
    token = _csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code


def http_sign_in(port: int, email: str) -> str:
    """Sign in over HTTP; return the Cookie header value of the session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/login")
    response = connection.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    form = urlencode({"csrf_token": _csrf_token(body), "email": email, "password": PASSWORD})
    connection.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 302, response.status
    cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
    return next(c.split(";", 1)[0] for c in cookies if c.startswith("session="))


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    """Until something listens on `port` (or the process died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class Server:
    """A running server process."""

    process: subprocess.Popen
    port: int

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the arbiter)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@contextlib.contextmanager
def gunicorn(
    target: str, env: dict[str, str] | None = None, workers: int = WORKERS
) -> Iterator[Server]:
    """`target` served by gunicorn with `workers` sync workers on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV, **(env or {})},
    )
    try:
        _wait_for(port, process)
        yield Server(process, port)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@contextlib.contextmanager
def tiny_servers(count: int = 2) -> Iterator[int]:
    """`count` asyncio processes answering "ok" on one port (SO_REUSEPORT)."""
    port = free_port()
    processes = [
        subprocess.Popen([sys.executable, "-m", "benchmarks.tiny_server", str(port)], cwd=ROOT)
        for _ in range(count)
    ]
    try:
        _wait_for(port, processes[0])
        time.sleep(0.3)
        yield port
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


# --- wrk -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    requests: int
    errors: int
    # What the summary script counted from the portal's Server-Timing (0 for other scripts).
    cache_hits: int = 0
    cache_misses: int = 0
    # What the mixed script counted: PDFs the portal drew for the run, and stored ones served.
    pdfs_drawn: int = 0
    pdfs_stored: int = 0


def wrk(
    port: int,
    path: str,
    seconds: float,
    *,
    connections: int = 4,
    cookie: str | None = None,
    script: str | None = None,
    script_args: tuple[str, ...] = (),
    stop_line: str | None = None,
) -> Load:
    """Run wrk (one thread) against 127.0.0.1:`port`.

    With `stop_line`, wrk is interrupted as soon as its script prints that line: a script
    that stops its thread after a number of requests leaves wrk asleep until the end of the
    duration, its connections open, and gunicorn kills a sync worker that waits on one for
    longer than its timeout (which put a fresh worker in the memory row).
    """
    command = [
        WRK,
        "-t",
        "1",
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--latency",
    ]
    command += ["--timeout", "10s"]
    # Every browser asks for brotli: the portal's compression is part of what it costs.
    command += ["-H", f"Accept-Encoding: {ACCEPT_ENCODING}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(LUA / script)]
    command.append(f"http://127.0.0.1:{port}{path}")
    if script_args:
        command += ["--", *script_args]
    if stop_line is None:
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        returncode, output, errors_text = finished.returncode, finished.stdout, finished.stderr
    else:
        returncode, output, errors_text = _wrk_until(command, stop_line)
    if returncode != 0:
        raise RuntimeError(f"wrk failed: {errors_text.strip() or output.strip()}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += int(socket_errors.group(1)) + int(socket_errors.group(4))
    cache = re.search(r"summary cache: (\d+) hits, (\d+) misses", output)
    hits, misses = (int(cache.group(1)), int(cache.group(2))) if cache else (0, 0)
    drawn = stored = 0
    mixed = re.search(
        r"mixed: (\d+) summary misses, (\d+) hits, (\d+) PDFs drawn, (\d+) stored", output
    )
    if mixed:
        misses, hits, drawn, stored = (int(group) for group in mixed.groups())
    return Load(rps, float(p50.group(1)) * scale, requests, failed, hits, misses, drawn, stored)


def _wrk_until(command: list[str], stop_line: str) -> tuple[int, str, str]:
    """Run wrk; interrupt it (it then prints its statistics) when it prints `stop_line`."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.strip() == stop_line:
            process.send_signal(signal.SIGINT)
            break
    lines.append(process.stdout.read())
    errors_text = process.stderr.read()
    return process.wait(), "".join(lines), errors_text


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """The median of rounds and their range."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        """Middle value."""
        return statistics.median(self.values)

    def text(self, digits: int = 2, unit: str = "") -> str:
        """'0.61 (0.58-0.64)'."""
        low, high = min(self.values), max(self.values)
        if len(self.values) == 1:
            return f"{self.median:.{digits}f}{unit}"
        return f"{self.median:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f})"


def alternate(rounds: int, *measures: Callable[[], float]) -> list[Spread]:
    """Run the measures in alternating rounds (A B A B ...), one Spread per measure."""
    values: list[list[float]] = [[] for _ in measures]
    for _ in range(rounds):
        for index, measure in enumerate(measures):
            values[index].append(measure())
    return [Spread(tuple(found)) for found in values]


@dataclass
class Row:
    """One line of the table."""

    what: str
    goal: str
    measured: str
    baseline: str
    met: bool | None
    notes: list[str] = field(default_factory=list)


def print_row(row: Row) -> None:
    """Print a row as soon as it is known (the run is long)."""
    verdict = {True: "met", False: "NOT MET", None: "-"}[row.met]
    print(f"| {row.what} | {row.goal} | {row.measured} | {row.baseline} | {verdict} |", flush=True)
    for note in row.notes:
        print(f"|   {note} | | | | |", flush=True)


TABLE_HEAD = (
    "| what | goal | measured: median of rounds (range) | baseline in the same run | goal |\n"
    "| --- | --- | --- | --- | --- |"
)
