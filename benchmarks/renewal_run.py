"""Benchmark: `flask billing renew` on N subscriptions due today, PostgreSQL and SQLite.

Seeds N Italian accounts (default 1000), each with a Standard monthly subscription whose period
ends today, a sandbox card that succeeds as default method and invoices by e-mail. The seeded
database is a template (PostgreSQL: a throw-away database on the local server; SQLite: a file in
a temporary folder), copied fresh for every timed run, and dropped at the end. Each run is the
real command in a subprocess (`python -m flask --app portal billing renew`), with the sandbox
gateway and mail going to an aiosmtpd server on loopback in this process. It times

  full  the run with invoice e-mails: every invoice issued and charged, every e-mail (with its
        PDF attachment) accepted by the SMTP server when the command ends;
  db    the database part alone: the same run with `--no-mail` (the e-mails stay queued), or,
        on a commit without that option, with the customers opted out of invoice e-mails;
  two   two processes started together on the database part, against `db`: the scale-up
        is t(db) / t(two) on the same N (goal: at least 1.7 on PostgreSQL);
  start the command once more on the renewed `db` copy, nothing due: the start-up. With N
        other than 1000 the figures per 1000 are the start-up plus the rest scaled to 1000.

in alternating rounds (full, db, two, full, db, two, ...) so machine noise hits them alike, and
checks after each run that every subscription was renewed and charged once (and e-mailed with
a PDF, in `full`). It prints per database: what | before (issue 14) | now (median per 1000
subscriptions) | goal | range (min-max of the rounds).

Run from the project folder: .venv/bin/python -m benchmarks.renewal_run [--n 1000] [--rounds 3]
[--databases postgresql,sqlite]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

POSTGRESQL_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRESQL_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Issue 14's figures, seconds per 1000 subscriptions on PostgreSQL (before this work).
ISSUE_FULL, ISSUE_DB = 100.0, 32.0
GOAL_FULL, GOAL_DB, GOAL_SCALE = 40.0, 15.0, 1.7
SEEDED_TOTAL = 5490  # Standard monthly EUR, 3 agents x EUR 15.00 + 22 % VAT


@dataclass
class Smtp:
    """aiosmtpd on loopback that keeps the messages; they are checked after the timed run.

    Parsing each message (and its PDF) as it arrives cost this process, which shares the
    machine's CPUs with the run being timed, about a tenth of the run's CPU time; the check
    is the same, done once the clock has stopped.
    """

    received: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        """Accept the message and keep it."""
        with self.lock:
            self.received.append(envelope.original_content)
        return "250 2.0.0 OK"

    # Methods, not properties: aiosmtpd looks at every attribute of the handler (evaluating
    # properties) on each connection.
    def counts(self) -> tuple[int, int]:
        """How many messages arrived, and how many of them carry a PDF attachment."""
        with self.lock:
            received = list(self.received)
        return len(received), sum(_carries_pdf(content) for content in received)

    def reset(self) -> None:
        """Forget what was received."""
        with self.lock:
            self.received.clear()


def _carries_pdf(content: bytes) -> bool:
    """Whether the message has an application/pdf attachment that is a PDF."""
    parsed = message_from_bytes(content, policy=policy.default)
    return any(
        part.get_content_type() == "application/pdf" and part.get_content().startswith(b"%PDF")
        for part in parsed.iter_attachments()
    )


@contextmanager
def smtp_server() -> Iterator[tuple[Smtp, int]]:
    """The SMTP server and its port, for the duration of the benchmark."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Smtp()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


class Database:
    """A seeded template and fresh copies of it, for one database kind."""

    kind: str

    def template_url(self) -> str:
        """Where the template is."""
        raise NotImplementedError

    def fresh_copy(self) -> str:
        """A new database with the template's contents; its URL."""
        raise NotImplementedError

    def drop_copy(self, url: str) -> None:
        """Remove one copy."""
        raise NotImplementedError

    def close(self) -> None:
        """Remove the template and every copy."""
        raise NotImplementedError


class PostgreSQL(Database):
    """Throw-away databases on the local server, copied with CREATE DATABASE ... TEMPLATE."""

    kind = "postgresql"

    def __init__(self) -> None:
        self.prefix = f"renewal_bench_{os.getpid()}"
        self.copies = 0
        self._admin(f"DROP DATABASE IF EXISTS {self.prefix}_tpl WITH (FORCE)")
        self._admin(f"CREATE DATABASE {self.prefix}_tpl")

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
            connection.execute(statement)

    def _url(self, name: str) -> str:
        return f"{POSTGRESQL_ADMIN_URL.rsplit('/', 1)[0]}/{name}"

    def template_url(self) -> str:
        return self._url(f"{self.prefix}_tpl")

    def fresh_copy(self) -> str:
        self.copies += 1
        name = f"{self.prefix}_{self.copies}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {self.prefix}_tpl")
        return self._url(name)

    def drop_copy(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def close(self) -> None:
        for number in range(1, self.copies + 1):
            self._admin(f"DROP DATABASE IF EXISTS {self.prefix}_{number} WITH (FORCE)")
        self._admin(f"DROP DATABASE IF EXISTS {self.prefix}_tpl WITH (FORCE)")


class SQLite(Database):
    """A file in a temporary folder, copied per run."""

    kind = "sqlite"

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="renewal-bench-"))
        self.template = self.folder / "template.sqlite3"
        self.copies = 0

    def template_url(self) -> str:
        return f"sqlite:///{self.template}"

    def fresh_copy(self) -> str:
        self.copies += 1
        target = self.folder / f"copy{self.copies}.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def drop_copy(self, url: str) -> None:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _app(url: str):
    """The portal on one database, for seeding and checking (not for the timed runs)."""
    os.environ["PORTAL_ENV"] = "testing"
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})


def seed(url: str, count: int) -> None:
    """Migrate, then add `count` accounts whose monthly period ends today."""
    from flask_migrate import upgrade

    from portal.domain.catalog import BillingPeriod, Plan
    from portal.domain.periods import add_months, period_at
    from portal.extensions import db
    from portal.models import Account, BillingInfo, PaymentMethod, Subscription
    from portal.reference_data import reference

    app = _app(url)
    with app.app_context():
        upgrade()
        prices = reference().prices
        today = datetime.now(UTC).date()
        anchor = add_months(today, -1)
        period = period_at(anchor, BillingPeriod.MONTHLY, 0)
        assert period.end == today, (period, today)
        for number in range(count):
            account = Account(name=f"Rinnovo {number:05d} S.r.l.", currency="EUR", credit_minor=0)
            account.billing_info = BillingInfo(
                company=f"Rinnovo {number:05d} S.r.l.",
                contact_name="Giulia Bianchi",
                billing_email=f"billing{number}@rinnovo.example.com",
                cc_emails=[],
                address="Via Roma 1",
                postal_code="20121",
                city="Milano",
                country="IT",
                invoice_language="it" if number % 2 else "en",
            )
            db.session.add(account)
            db.session.flush()
            db.session.add_all(
                [
                    Subscription(
                        account_id=account.id,
                        plan=Plan.STANDARD,
                        billing_period=BillingPeriod.MONTHLY,
                        agents=3,
                        packs=0,
                        anchor_date=anchor,
                        period_start=period.start,
                        period_end=period.end,
                        agent_unit_minor=prices.agent_price(
                            Plan.STANDARD, BillingPeriod.MONTHLY, "EUR"
                        ),
                        pack_unit_minor=prices.pack_price(
                            Plan.STANDARD, BillingPeriod.MONTHLY, "EUR"
                        ),
                        auto_renew=True,
                        status="active",
                    ),
                    PaymentMethod(
                        account_id=account.id,
                        kind="card",
                        brand="Visa",
                        last4="4242",
                        exp_month=12,
                        exp_year=2035,
                        token=f"tok_succeed_{secrets.token_hex(12)}",
                        is_default=True,
                    ),
                ]
            )
        db.session.commit()
        db.engine.dispose()


def opt_out_of_invoice_emails(url: str) -> None:
    """For a commit without `--no-mail`: nobody receives invoices by e-mail."""
    from portal.extensions import db
    from portal.models import BillingInfo

    app = _app(url)
    with app.app_context():
        db.session.query(BillingInfo).update({BillingInfo.invoices_by_email: False})
        db.session.commit()
        db.engine.dispose()


def check(url: str, count: int, *, mailed: bool, smtp: Smtp | None) -> str | None:
    """None when every subscription was renewed, invoiced and charged once; else what is wrong."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Invoice, OutgoingEmail, Payment, Subscription
    from portal.payments.sandbox import SandboxCharge

    app = _app(url)
    with app.app_context():
        today = datetime.now(UTC).date()
        found = {
            "renewed": db.session.scalar(
                select(func.count())
                .select_from(Subscription)
                .where(Subscription.period_start == today, Subscription.status == "active")
            ),
            "paid invoices": db.session.scalar(
                select(func.count(func.distinct(Invoice.account_id))).where(
                    Invoice.status == "paid", Invoice.total_minor == SEEDED_TOTAL
                )
            ),
            "invoices": db.session.scalar(select(func.count(Invoice.id))),
            "payments": db.session.scalar(
                select(func.count(Payment.id)).where(Payment.status == "succeeded")
            ),
            "charges": db.session.scalar(
                select(func.count())
                .select_from(SandboxCharge)
                .where(SandboxCharge.status == "succeeded")
            ),
        }
        if mailed:
            found["e-mails sent"] = db.session.scalar(
                select(func.count(OutgoingEmail.id)).where(OutgoingEmail.status == "sent")
            )
        db.engine.dispose()
    if smtp is not None:
        found["SMTP messages"], found["with a PDF"] = smtp.counts()
    wrong = {name: value for name, value in found.items() if value != count}
    return None if not wrong else ", ".join(f"{name} {value}" for name, value in wrong.items())


def supports_no_mail() -> bool:
    """Whether this commit's `flask billing renew` has the --no-mail option."""
    help_text = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "billing", "renew", "--help"],
        cwd=ROOT,
        env=_env("sqlite://", None),
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "--no-mail" in help_text


def _env(url: str, smtp_port: int | None) -> dict[str, str]:
    """The environment of a production-like run on one database."""
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "PUBLIC_URL": "http://127.0.0.1",
        "DATABASE_URL": url,
        "PAYMENT_GATEWAY": "sandbox",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_FROM": "invoices@chatdesk.example.com",
        "MAIL_OUTBOX_DIR": tempfile.gettempdir(),
    }
    if smtp_port is not None:
        env["MAIL_SMTP_HOST"] = "127.0.0.1"
        env["MAIL_SMTP_PORT"] = str(smtp_port)
    return env


def run_renew(url: str, processes: int, options: list[str], smtp_port: int | None) -> float:
    """Start the command `processes` times at once; seconds until the last one ended."""
    command = [sys.executable, "-m", "flask", "--app", "portal", "billing", "renew", *options]
    env = _env(url, smtp_port)
    started = time.perf_counter()
    runs = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [run.communicate(timeout=3600) for run in runs]
    elapsed = time.perf_counter() - started
    for run, (out, err) in zip(runs, outputs, strict=True):
        if run.returncode != 0:
            raise SystemExit(f"renew failed ({run.returncode}):\n{out}\n{err[-3000:]}")
    return elapsed


@dataclass
class Rounds:
    """Seconds per run of each measure."""

    full: list[float] = field(default_factory=list)
    db: list[float] = field(default_factory=list)
    two: list[float] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)  # the command with nothing due


def bench(database: Database, count: int, rounds: int, smtp: Smtp, port: int) -> Rounds:
    """Alternating rounds of the three measures on fresh copies of one seeded template."""
    no_mail = supports_no_mail()
    seed(database.template_url(), count)
    measured = Rounds()

    def timed(name: str, processes: int, mailed: bool) -> float:
        url = database.fresh_copy()
        try:
            options: list[str] = []
            if not mailed:
                if no_mail:
                    options = ["--no-mail"]
                else:
                    opt_out_of_invoice_emails(url)
            smtp.reset()
            seconds = run_renew(url, processes, options, port if mailed else None)
            wrong = check(url, count, mailed=mailed, smtp=smtp if mailed else None)
            if wrong:
                raise SystemExit(f"{database.kind} {name}: not every subscription renewed: {wrong}")
            print(f"  {database.kind} {name}: {seconds:.1f} s", file=sys.stderr, flush=True)
            if name == "db":
                # Again on the renewed copy: nothing is due, what is left is the start-up.
                measured.startup.append(run_renew(url, 1, options, None))
            return seconds
        finally:
            database.drop_copy(url)

    for _round in range(rounds):
        measured.full.append(timed("full", 1, mailed=True))
        measured.db.append(timed("db", 1, mailed=False))
        measured.two.append(timed("two processes", 2, mailed=False))
    return measured


def _per_thousand(seconds: list[float], startup: float, count: int) -> list[float]:
    """Seconds for 1000 subscriptions: the start-up once, the rest scaled from `count`."""
    return [startup + max(value - startup, 0.0) * 1000 / count for value in seconds]


def rows(kind: str, measured: Rounds, count: int) -> list[tuple[str, str, str, str, str]]:
    """The table rows of one database."""
    startup = statistics.median(measured.startup)
    full = _per_thousand(measured.full, startup, count)
    db = _per_thousand(measured.db, startup, count)
    scale = [one / two for one, two in zip(measured.db, measured.two, strict=True)]
    before = kind == "postgresql"

    def span(values: list[float], unit: str, digits: int = 1) -> str:
        return f"{min(values):.{digits}f}-{max(values):.{digits}f} {unit}"

    return [
        (
            f"`flask billing renew`, {kind}, with invoice e-mails (s per 1000)",
            f"~{ISSUE_FULL:.0f} s" if before else "-",
            f"{statistics.median(full):.1f} s",
            f"<= {GOAL_FULL:.0f} s",
            span(full, "s"),
        ),
        (
            f"the same, {kind}, database part alone (s per 1000)",
            f"~{ISSUE_DB:.0f} s" if before else "-",
            f"{statistics.median(db):.1f} s",
            f"<= {GOAL_DB:.0f} s",
            span(db, "s"),
        ),
        (
            f"the same, {kind}, two processes together / one",
            "-",
            f"{statistics.median(scale):.2f} x",
            f">= {GOAL_SCALE} x",
            span(scale, "x", 2),
        ),
        (
            f"start-up of the command, {kind} (nothing due; counted once in each figure above)",
            "-",
            f"{startup:.1f} s",
            "-",
            span(measured.startup, "s"),
        ),
    ]


def print_table(table: list[tuple[str, str, str, str, str]], count: int, rounds: int) -> None:
    """A Markdown table, medians of the rounds and their range."""
    header = ("what", "before (issue 14)", "now (median)", "goal", "range")
    print(
        f"\n`flask billing renew`, {count} subscriptions, {rounds} round(s), {os.cpu_count()} CPUs"
    )
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in table:
        print("| " + " | ".join(row) + " |")


def _postgresql_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(POSTGRESQL_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the rounds on each database, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="subscriptions due (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--databases", default="postgresql,sqlite")
    options = parser.parse_args(argv)
    kinds = [kind.strip() for kind in options.databases.split(",") if kind.strip()]
    makers: dict[str, Callable[[], Database]] = {"postgresql": PostgreSQL, "sqlite": SQLite}
    table: list[tuple[str, str, str, str, str]] = []
    with smtp_server() as (smtp, port):
        for kind in kinds:
            if kind == "postgresql" and not _postgresql_reachable():
                print(
                    f"PostgreSQL not reachable at {POSTGRESQL_ADMIN_URL}: skipped", file=sys.stderr
                )
                continue
            database = makers[kind]()
            try:
                measured = bench(database, options.n, options.rounds, smtp, port)
            finally:
                database.close()
            table.extend(rows(kind, measured, options.n))
    print_table(table, options.n, options.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
