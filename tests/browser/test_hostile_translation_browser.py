"""Issue 21, finding 1, in the browser: an Italian translator's text cannot act as a customer.

The attack that worked: a translation of "Main menu" (an attribute on every page) that broke
out of its attribute and made the owner's own browser invite an outsider as billing admin,
with the page's CSRF header. Saved through the editor now, it is text: the owner's pages show
it literally and send nothing. Markup is refused by the editor with a message.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User
from tests.browser.htmx_saves import save_and_wait
from tests.catalogs.conftest import copy_catalogs, key_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

MAIN_MENU = key_of("Main menu")
ATTACK = (
    'Menu" hx-post="/team/invite" hx-vals=\'{"email": "mallory@evil.example", '
    '"name": "Mallory", "role": "billing_admin"}\' hx-trigger="load once" hx-swap="none'
)


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, object]:
    """A private copy of the catalogs: the test saves into them."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(copy_catalogs(tmp_path / "translations"))}


@pytest.fixture
def people(factory) -> None:
    """An Italian translator, and the Italian owner of a company."""
    factory.user("marco@vendor.example.com", Role.TRANSLATOR, name="Marco", locale="it")
    account = factory.account("Trattoria Dante")
    factory.user("owner@dante.example.com", Role.OWNER, account, locale="it")


def sign_in(page, live_url: str, email: str) -> None:
    """Fill in the sign-in form."""
    page.goto(f"{live_url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()


def save_translation(page, live_url: str, text: str) -> None:
    """The translator types `text` for "Main menu" and presses Salva."""
    page.goto(f"{live_url}/translations/it/?q=Main+menu")
    entry = page.locator(f"#entry-{MAIN_MENU}")
    entry.locator(f"#text-{MAIN_MENU}-0").fill(text)
    # Under load the customer's page was drawn before the save had landed: wait for it.
    save_and_wait(page, entry.locator("button[type=submit]"))


def test_an_attribute_break_out_saved_by_a_translator_does_nothing(
    app, chromium, live_url, people
) -> None:
    translator = chromium.new_context(locale="it-IT").new_page()
    sign_in(translator, live_url, "marco@vendor.example.com")
    save_translation(translator, live_url, ATTACK)
    # It is plain text with quotes in it: the editor takes it, and the portal serves it.
    expect(translator.locator(f"#text-{MAIN_MENU}-0")).to_have_value(ATTACK)

    owner_context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    owner = owner_context.new_page()
    sent: list[str] = []
    owner.on("request", lambda request: sent.append(f"{request.method} {request.url}"))
    sign_in(owner, live_url, "owner@dante.example.com")
    for path in ("/package", "/team/", "/billing/invoices/"):
        owner.goto(f"{live_url}{path}")
        nav = owner.locator("nav.app-nav")
        expect(nav).to_have_attribute("aria-label", ATTACK)
        for attribute in ("hx-post", "hx-vals", "hx-trigger", "hx-swap"):
            assert nav.get_attribute(attribute) is None, (path, attribute)
        expect(owner.locator("main h1")).to_be_visible()
    time.sleep(1)  # what an htmx "load" trigger would have sent is sent by now

    assert not [request for request in sent if "/team/invite" in request], sent
    assert all(request.startswith("GET ") or "/login" in request for request in sent), sent
    with app.app_context():
        invited = db.session.scalar(
            select(func.count(User.id)).where(User.email == "mallory@evil.example")
        )
    assert invited == 0
    owner_context.close()


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("Menu <!-- ", "Una traduzione è testo semplice"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "Tag HTML"),
        ("Menu <img src=x onerror=alert(1)", "Una traduzione è testo semplice"),
    ],
)
def test_markup_is_refused_by_the_editor_with_a_message(
    app, chromium, live_url, people, text: str, refusal: str
) -> None:
    translator = chromium.new_context(locale="it-IT").new_page()
    sign_in(translator, live_url, "marco@vendor.example.com")
    save_translation(translator, live_url, text)
    expect(translator.locator(f"#entry-{MAIN_MENU} .entry-problems")).to_contain_text(refusal)

    owner = chromium.new_context(locale="it-IT").new_page()
    sign_in(owner, live_url, "owner@dante.example.com")
    owner.goto(f"{live_url}/package")
    expect(owner.locator("nav.app-nav")).to_have_attribute("aria-label", "Menu principale")
    expect(owner.locator("main h1")).to_be_visible()
