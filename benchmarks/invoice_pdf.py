"""Benchmark: downloading an invoice PDF against xhtml2pdf converting the same HTML directly.

On a throw-away SQLite database with one Italian invoice (a seat change: lines, a discount,
VAT, a note, a Polish company name), signed in as its billing admin, it times in one run

  A. GET /billing/invoices/<id>/pdf on a first render (the stored PDF deleted before each)
  B. GET /billing/invoices/<id>/pdf again (the stored PDF is served)
  C. pisa.CreatePDF on the invoice's HTML (render_invoice_html once, outside the timing)

in alternating rounds, so machine noise hits all three alike, and prints the medians and the
ratios A/C and B/C. Goals: first render at most 1.3 x direct, repeat at most 0.1 x direct.

The requests go through the Flask test client in the benchmark's own process (the default),
or over HTTP to gunicorn with --server gunicorn.

Run: .venv/bin/python benchmarks/invoice_pdf.py [--rounds 30] [--server testclient|gunicorn]
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EMAIL = "bench@example.com"
PASSWORD = "benchmark password 123"
GOAL_FIRST = 1.3
GOAL_REPEAT = 0.1


def prepare_database(app) -> int:
    """Migrate, add an Italian customer with a seat-change invoice; return the invoice id."""
    from flask_migrate import upgrade

    from portal.documents.issuing import issue_document
    from portal.domain.catalog import BillingPeriod, Plan
    from portal.domain.periods import Period
    from portal.domain.pricing import Configuration, CurrentSubscription, price_change
    from portal.domain.tax import determine_tax
    from portal.extensions import db
    from portal.models import Account, BillingInfo, InvoiceStatus, Role, User
    from portal.reference_data import reference

    with app.app_context():
        upgrade()
        company = "Zakład Usług Łódź Sp. z o.o."
        account = Account(name=company, currency="EUR", credit_minor=0)
        account.billing_info = BillingInfo(
            company=company,
            contact_name="Paweł Żółć",
            billing_email="b@example.com",
            cc_emails=[],
            address="ul. Piotrkowska 1",
            postal_code="90-001",
            city="Łódź",
            country="IT",
            invoice_language="it",
        )
        user = User(email=EMAIL, name="Bench", role=Role.BILLING_ADMIN, account=account)
        user.set_password(PASSWORD)
        db.session.add_all([account, user])
        db.session.flush()
        data = reference()
        period = Period(date(2026, 11, 1), date(2026, 12, 1))
        breakdown = price_change(
            current=CurrentSubscription(
                configuration=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 3, 1),
                period=period,
                anchor=period.start,
                currency="EUR",
                agent_unit_minor=1500,
                pack_unit_minor=1000,
            ),
            target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 5, 2),
            today=date(2026, 11, 13),
            currency="EUR",
            prices=data.prices,
            tax=determine_tax(
                seller_country=data.seller_country,
                customer_country="IT",
                customer_vat_id=None,
                rates=data.vat_rates,
            ),
        )
        invoice = issue_document(
            account,
            breakdown,
            issued_on=date(2026, 11, 13),
            paid_with="Visa •••• 4242",
            status=InvoiceStatus.PAID,
        )
        invoice.note = "Ordine d'acquisto 4711 <rif. interno> & consegna"
        db.session.commit()
        return invoice.id


def login_form(body: str) -> dict[str, str]:
    """The sign-in form's fields, with the CSRF token the page carries."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    return {"csrf_token": token, "email": EMAIL, "password": PASSWORD}


def test_client_downloader(app, url: str) -> Callable[[], bytes]:
    """GET the PDF through the Flask test client, signed in."""
    client = app.test_client()
    signed_in = client.post("/login", data=login_form(client.get("/login").text))
    assert signed_in.status_code == 302, signed_in.status_code

    def download() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.data

    return download


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_downloader(port: int, url: str) -> Callable[[], bytes]:
    """GET the PDF over HTTP from gunicorn on a keep-alive connection, signed in."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    connection.request(
        "POST",
        "/login",
        body=urlencode(login_form(body)),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, response.status
    cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
    session = next(c.split(";", 1)[0] for c in cookies if c.startswith("session="))

    def download() -> bytes:
        connection.request("GET", url, headers={"Cookie": session})
        response = connection.getresponse()
        data = response.read()
        assert response.status == 200, response.status
        return data

    return download


def timed(action: Callable[[], object]) -> tuple[float, object]:
    """Seconds the action took, and its result."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    """Prepare, measure in alternating rounds, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--server", choices=("testclient", "gunicorn"), default="testclient")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-pdf-"))
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.update(
        PORTAL_ENV="production",
        SECRET_KEY="benchmark-only-secret-key-0123456789",
        PUBLIC_URL="http://127.0.0.1",
        ALLOWED_HOSTS="localhost",  # what the in-process test client names
        DATABASE_URL=url,
        SESSION_COOKIE_SECURE="false",
        LOGIN_RATE_LIMIT="1000 per minute",
    )
    from xhtml2pdf import pisa

    from portal import create_app
    from portal.documents import pdf as documents
    from portal.extensions import db
    from portal.models import Invoice, InvoicePdf
    from portal.pdf import font_directory, render_options

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    invoice_id = prepare_database(app)
    path = f"/billing/invoices/{invoice_id}/pdf"

    with app.app_context():
        html = documents.render_invoice_html(db.session.get(Invoice, invoice_id))
        options = render_options(font_directory(app.config["VENDOR_DIR"]))

    def direct() -> bytes:
        output = io.BytesIO()
        status = pisa.CreatePDF(html, dest=output, **options)
        assert not status.err
        return output.getvalue()

    def forget_stored_pdf() -> None:
        with app.app_context():
            db.session.query(InvoicePdf).filter_by(invoice_id=invoice_id).delete()
            db.session.commit()

    server = None
    if args.server == "gunicorn":
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        download = gunicorn_downloader(port, path)
        where = "gunicorn -w 1 (sync) over HTTP on 127.0.0.1, one keep-alive client"
    else:
        download = test_client_downloader(app, path)
        where = "Flask test client, in the benchmark's process"

    try:
        # Warm-up: templates compiled, fonts registered, connections open.
        forget_stored_pdf()
        download()
        download()
        direct()
        first: list[float] = []
        repeat: list[float] = []
        direct_times: list[float] = []
        for _ in range(args.rounds):
            forget_stored_pdf()
            seconds, first_bytes = timed(download)
            first.append(seconds)
            seconds, repeat_bytes = timed(download)
            repeat.append(seconds)
            seconds, direct_bytes = timed(direct)
            direct_times.append(seconds)
            assert first_bytes == repeat_bytes == direct_bytes, "the PDF bytes differ"
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)

    a, b, c = (statistics.median(times) * 1000 for times in (first, repeat, direct_times))
    print(f"requests: {where}; database: SQLite; {args.rounds} rounds, medians")
    print(f"PDF: {len(first_bytes)} bytes, identical from all three paths")
    print(f"A. download, first render (no stored PDF): {a:8.2f} ms")
    print(f"B. download, repeat (stored PDF):          {b:8.2f} ms")
    print(f"C. pisa.CreatePDF on the same HTML:        {c:8.2f} ms")
    verdict = {True: "ok", False: "MISSED"}
    print(f"A/C = {a / c:.2f} (goal: first render at most {GOAL_FIRST} x direct) ", end="")
    print(verdict[a / c <= GOAL_FIRST])
    print(f"B/C = {b / c:.3f} (goal: repeat at most {GOAL_REPEAT} x direct) ", end="")
    print(verdict[b / c <= GOAL_REPEAT])


if __name__ == "__main__":
    main()
