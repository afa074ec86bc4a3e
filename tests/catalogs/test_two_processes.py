"""Two real server processes on one database: an edit saved on one shows on the other."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal.models import Role
from tests.catalogs.conftest import key_of
from tests.clock import Clock, server_clock
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PROMISED_DELAY = 3.0  # CATALOG_CHECK_SECONDS' default, what the README promises
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app_config() -> dict[str, object]:
    """The servers serve the repository's catalogs: so does this app."""
    return {}


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def servers(
    database_urls: dict[str, str], backend: str, tmp_path: Path, clock: Clock
) -> Iterator[list[str]]:
    """Two gunicorn processes of the portal on the test's database (SQLite or PostgreSQL)."""
    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "two-processes-test-secret-key-0123456789",
        "DATABASE_URL": database_urls[backend],
        "SESSION_COOKIE_SECURE": "false",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        **server_clock(clock),
    }
    env.pop("CATALOG_CHECK_SECONDS", None)
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
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
            env=env,
        )
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def browser() -> urllib.request.OpenerDirector:
    """An HTTP client that keeps cookies, speaking French."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    opener.addheaders = [("Accept-Language", "fr")]
    return opener


def get(opener: urllib.request.OpenerDirector, url: str) -> str:
    """A page's text."""
    with opener.open(url, timeout=10) as response:
        return response.read().decode()


def post(opener: urllib.request.OpenerDirector, url: str, form: dict[str, str]) -> int:
    """Submit a form; the status after redirects."""
    data = urlencode(form).encode()
    with opener.open(url, data=data, timeout=10) as response:
        return response.status


def test_an_edit_saved_on_one_server_is_served_by_the_other(factory, servers) -> None:
    factory.user("tina@vendor.example.com", Role.TRANSLATOR, name="Tina")
    first, second = servers
    translator = browser()
    token = CSRF.search(get(translator, f"{first}/login")).group(1)
    post(
        translator,
        f"{first}/login",
        {"csrf_token": token, "email": "tina@vendor.example.com", "password": PASSWORD},
    )
    visitor = browser()
    assert "Mot de passe" in get(visitor, f"{second}/login")  # the other process is warm

    entry = f"{first}/translations/fr/entries/{key_of('Password')}"
    page = get(translator, entry)
    status = post(
        translator,
        entry,
        {
            "csrf_token": CSRF.search(page).group(1),
            "revision": "0",
            "translation-0": "Code secret",
            "confirm": "y",  # "Mot de passe" elsewhere: a warning, confirmed
        },
    )
    saved_at = time.monotonic()
    assert status == 200  # followed the redirect to the list
    while "Code secret" not in get(visitor, f"{second}/login"):
        waited = time.monotonic() - saved_at
        assert waited < PROMISED_DELAY + 1.0, "the second server did not serve the edit in time"
        time.sleep(0.1)
    # No restart happened, and the first server serves it too.
    assert "Code secret" in get(browser(), f"{first}/login")
