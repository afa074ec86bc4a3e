"""A live portal on a local port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def backend() -> str:
    """Browser tests run against the embedded SQLite database."""
    return "sqlite"


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """Serve the test app on a free local port for the length of the test; the links it hands
    out (e-mails, the sandbox gateway's pages and return addresses) lead there."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app.config["PUBLIC_URL"]
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def browser_environment() -> dict[str, str]:
    """The browser's environment: this one, without libfaketime (scripts/test-on-date moves
    the clock of the portal and the tests; Chromium stalls under it, and a browser's clock is
    the visitor's own anyway)."""
    return {
        name: value
        for name, value in os.environ.items()
        if name != "LD_PRELOAD" and not name.startswith("FAKETIME")
    }


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium under Playwright (Playwright's own browser download is not used)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required in CI: {CHROMIUM} is missing")
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=browser_environment()
        )
        yield browser
        browser.close()


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form with the test password and wait for the page after it."""
    from tests.conftest import PASSWORD

    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_load_state()


def shoot(page, name: str) -> None:
    """Screenshots at phone and desktop width into $SCREENSHOTS_DIR, when it is set."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
