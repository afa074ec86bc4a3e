"""Waiting for an htmx save in the translators' editor."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def save_and_wait(page: Page, button: Locator) -> None:
    """Press an entry's Save and wait for its answer to be swapped in. htmx saves in place:
    there is no navigation to wait for, and typing (or another user looking) before the answer
    lands races it under load."""
    with page.expect_response(
        lambda response: (
            response.request.method == "POST"
            and "/entries/" in response.url
            and not response.url.split("?", 1)[0].endswith("/check")
        )
    ):
        button.click()
    page.wait_for_load_state()
