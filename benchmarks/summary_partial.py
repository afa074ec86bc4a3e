"""Benchmark: the payment summary partial against a trivial route of the same app.

Serves the app with gunicorn (a production WSGI server) on a throw-away SQLite database,
signs in as a billing admin, then measures requests per second and median latency of

  A. GET /package/edit/summary?...   (htmx partial: loads the account, prices the change)
  B. GET /health                      (trivial route of the same app: the baseline)

in the same run, alternating rounds so machine noise hits both alike, and prints B/A ratios.
It also counts the SQL queries one summary request makes. Goals: rps ratio >= 0.5, <= 3 queries.

Run: .venv/bin/python benchmarks/summary_partial.py [--seconds 5] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUMMARY = "/package/edit/summary?" + urlencode(
    {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "5", "packs": "1"}
)
BASELINE = "/health"
EMAIL = "bench@example.com"
PASSWORD = "benchmark password 123"


def prepare_database(url: str) -> None:
    """Migrate a fresh database and add a Standard customer mid-period."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.domain.catalog import BillingPeriod, Plan
    from portal.domain.periods import period_at
    from portal.extensions import db
    from portal.models import Account, BillingInfo, Role, Subscription, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        account = Account(name="Bench S.r.l.", currency="EUR", credit_minor=0)
        account.billing_info = BillingInfo(
            company="Bench S.r.l.", billing_email="b@example.com", cc_emails=[], country="IT"
        )
        anchor = date.today() - timedelta(days=10)
        current = period_at(anchor, BillingPeriod.MONTHLY, 0)
        account.subscription = Subscription(
            plan=Plan.STANDARD,
            billing_period=BillingPeriod.MONTHLY,
            agents=3,
            packs=0,
            anchor_date=anchor,
            period_start=current.start,
            period_end=current.end,
            agent_unit_minor=1500,
            pack_unit_minor=1000,
            auto_renew=True,
            status="active",
        )
        user = User(email=EMAIL, name="Bench", role=Role.BILLING_ADMIN, account=account)
        user.set_password(PASSWORD)
        db.session.add_all([account, user])
        db.session.commit()
    # Outside the set-up's app context, so each request gets its own session as in production.
    count_queries(app)
    with app.app_context():
        db.engine.dispose()


def count_queries(app) -> None:
    """Count the SQL statements of one summary request (after a warm-up request)."""
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    headers = {"HX-Request": "true"}
    client.get(SUMMARY, headers=headers)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    response = client.get(SUMMARY, headers=headers)
    event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and "<html" not in response.text, response.status_code
    print(f"SQL queries per summary request: {len(statements)} (goal: at most 3)")
    for statement in statements:
        print("   ", " ".join(statement.split())[:110])


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign_in(port: int) -> str:
    """Sign in over HTTP and return the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    form = urlencode({"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    connection.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, response.status
    cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
    return next(c.split(";", 1)[0] for c in cookies if c.startswith("session="))


def measure(port: int, path: str, cookie: str, seconds: float, concurrency: int):
    """Requests per second and latencies of `path` with `concurrency` keep-alive clients."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    headers = {"Cookie": cookie, "HX-Request": "true"}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, statistics.median(latencies)


def main() -> None:
    """Prepare, serve, measure in alternating rounds, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per round and route")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", help="gunicorn -k (sync, gthread)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.update(
        PORTAL_ENV="production",
        SECRET_KEY="benchmark-only-secret-key-0123456789",
        DATABASE_URL=url,
        SESSION_COOKIE_SECURE="false",
        LOGIN_RATE_LIMIT="1000 per minute",
    )
    prepare_database(url)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(args.workers),
            "-k",
            args.worker_class,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        cookie = sign_in(port)
        measure(port, SUMMARY, cookie, 1.0, args.concurrency)  # warm-up
        measure(port, BASELINE, cookie, 1.0, args.concurrency)
        rows = []
        for _ in range(args.rounds):
            summary = measure(port, SUMMARY, cookie, args.seconds, args.concurrency)
            baseline = measure(port, BASELINE, cookie, args.seconds, args.concurrency)
            rows.append((summary, baseline))
        print(
            f"gunicorn -k {args.worker_class} -w {args.workers}, "
            f"client threads={args.concurrency}, "
            f"{args.rounds} rounds of {args.seconds:.0f} s per route"
        )
        print(
            f"{'round':>5} {'summary rps':>12} {'health rps':>11} {'rps ratio':>10} "
            f"{'summary p50 ms':>15} {'health p50 ms':>14}"
        )
        ratios = []
        for index, ((s_rps, s_p50), (b_rps, b_p50)) in enumerate(rows, start=1):
            ratios.append(s_rps / b_rps)
            print(
                f"{index:>5} {s_rps:>12.0f} {b_rps:>11.0f} {s_rps / b_rps:>10.2f} "
                f"{s_p50 * 1000:>15.2f} {b_p50 * 1000:>14.2f}"
            )
        median_ratio = statistics.median(ratios)
        print(f"median rps ratio summary/health: {median_ratio:.2f} (goal: at least 0.5)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
