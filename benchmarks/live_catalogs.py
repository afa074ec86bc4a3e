"""Benchmark: the payment summary partial with the live catalogs on, against the same app off.

Two gunicorn servers of the same code on the same throw-away SQLite database, one with
LIVE_CATALOGS on (the default) and one with it off. An Italian billing admin asks for the
summary fragment; the database holds translators' edits to Italian entries, one of them shown
in the summary. Rounds alternate between the servers so machine noise hits both alike.
Goal: requests per second with live catalogs on / off >= 0.95.

The wizard keeps rendered summaries per figures and language, so the summary fragment mostly
skips gettext; "My package" (/package) renders its translated texts on every request and is
measured the same way, as the line that shows what the live layer costs a translated page.

Run: .venv/bin/python benchmarks/live_catalogs.py [--seconds 3] [--rounds 5]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from summary_partial import (  # noqa: E402
    EMAIL,
    SUMMARY,
    free_port,
    measure,
    prepare_database,
    sign_in,
)

PACKAGE = "/package"
EDITED_IN_SUMMARY = ("Amount to pay", "Importo da saldare (modifica)")
OTHER_EDITS = 40


def add_translator_edits(url: str) -> None:
    """Make the billing admin Italian and save translators' edits through the service."""
    from pathlib import Path as _Path

    from babel.messages.pofile import read_po
    from sqlalchemy import select

    from portal import create_app
    from portal.catalogs.store import Translator, entry_key, save_translation
    from portal.extensions import db
    from portal.models import Role, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        directory = _Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
        admin = db.session.scalar(select(User).where(User.email == EMAIL))
        admin.locale = "it"
        translator = User(email="t@example.com", name="Bench translator", role=Role.TRANSLATOR)
        translator.set_password("benchmark password 123")
        db.session.add(translator)
        db.session.commit()
        who = Translator(translator.id, translator.name)
        msgid, text = EDITED_IN_SUMMARY
        save_translation(
            directory,
            "it",
            entry_key(None, msgid),
            [text],
            fuzzy=False,
            expected_revision=0,
            translator=who,
        )
        with (directory / "it" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale="it")
        edited = 0
        for message in catalog:
            if edited >= OTHER_EDITS or not message.id or message.pluralizable:
                continue
            if message.id == msgid or message.context:
                continue
            save_translation(
                directory,
                "it",
                entry_key(None, message.id),
                [message.string],
                fuzzy=True,
                expected_revision=0,
                translator=who,
            )
            edited += 1
        db.engine.dispose()


def serve(port: int, live: bool, workers: int) -> subprocess.Popen:
    """A gunicorn server of the portal, with the live catalogs on or off."""
    env = {**os.environ, "LIVE_CATALOGS": "true" if live else "false"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )


def wait_for(port: int) -> None:
    """Until the server accepts connections."""
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")


def summary_text(port: int, cookie: str) -> str:
    """One summary fragment's body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", SUMMARY, headers={"Cookie": cookie, "HX-Request": "true"})
    return connection.getresponse().read().decode()


def report(path: str, ports: dict[str, int], cookies: dict[str, str], args) -> None:
    """Alternate rounds on the two servers for one path; print each round and the ratio."""
    rows = []
    for _ in range(args.rounds):
        on = measure(ports["on"], path, cookies["on"], args.seconds, args.concurrency)
        off = measure(ports["off"], path, cookies["off"], args.seconds, args.concurrency)
        rows.append((on, off))
    print(
        f"{path.split('?')[0]}: gunicorn -w {args.workers}, client threads={args.concurrency}, "
        f"{args.rounds} rounds of {args.seconds:.0f} s per server, "
        f"{OTHER_EDITS + 1} saved edits in Italian"
    )
    print(
        f"{'round':>5} {'live on rps':>12} {'live off rps':>13} {'ratio':>6} "
        f"{'on p50 ms':>10} {'off p50 ms':>11}"
    )
    ratios = []
    for index, ((on_rps, on_p50), (off_rps, off_p50)) in enumerate(rows, start=1):
        ratios.append(on_rps / off_rps)
        print(
            f"{index:>5} {on_rps:>12.0f} {off_rps:>13.0f} {on_rps / off_rps:>6.2f} "
            f"{on_p50 * 1000:>10.2f} {off_p50 * 1000:>11.2f}"
        )
    print(
        f"median rps ratio live on/off for {path.split('?')[0]}: "
        f"{statistics.median(ratios):.2f} (goal: at least 0.95)"
    )


def main() -> None:
    """Prepare, serve twice, measure in alternating rounds, report the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per round and server")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-live-"))
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
    prepare_database(url)
    add_translator_edits(url)
    ports = {"on": free_port(), "off": free_port()}
    servers = [serve(ports["on"], True, args.workers), serve(ports["off"], False, args.workers)]
    try:
        for port in ports.values():
            wait_for(port)
        cookies = {name: sign_in(port) for name, port in ports.items()}
        edited = EDITED_IN_SUMMARY[1]
        assert edited in summary_text(ports["on"], cookies["on"]), "live edit not served"
        assert edited not in summary_text(ports["off"], cookies["off"]), "off still serves it"
        for name, port in ports.items():
            for path in (SUMMARY, PACKAGE):
                measure(port, path, cookies[name], 1.0, args.concurrency)  # warm-up
        for path in (SUMMARY, PACKAGE):
            report(path, ports, cookies, args)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
