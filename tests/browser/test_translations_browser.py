"""A French translator fixes a plural entry in place, a French customer sees it, a broken
placeholder is refused as it is typed and when saved."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.catalogs.conftest import copy_catalogs, key_of
from tests.clock import Clock, clock_on
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DAYS_LEFT = key_of("%(num)d day left")
# Set SCREENSHOT_DIR to look at the editor at phone and desktop widths.
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture
def clock() -> Clock:
    """22 November 2026: the package has 21 days left."""
    return clock_on(date(2026, 11, 22))


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, object]:
    """A private copy of the catalogs."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(copy_catalogs(tmp_path / "translations"))}


@pytest.fixture
def people(factory) -> None:
    """A French translator and a French customer on Standard."""
    factory.user("lea@vendor.example.com", Role.TRANSLATOR, name="Léa", locale="fr")
    account = factory.account("Boulangerie Martin")
    factory.subscription(account, anchor=date(2026, 11, 13))
    factory.user("paul@martin.example.com", Role.OWNER, account, locale="fr")


def sign_in(page, live_url: str, email: str) -> None:
    """Fill in the sign-in form."""
    page.goto(f"{live_url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()


def test_french_translator_fixes_a_plural_entry(chromium, live_url, people) -> None:
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_url, "lea@vendor.example.com")
        page.goto(f"{live_url}/translations/")
        expect(page.locator("h1")).to_have_text("Traductions")
        page.goto(f"{live_url}/translations/fr/?q=day+left")
        entry = page.locator(f"#entry-{DAYS_LEFT}")
        expect(entry).to_contain_text("Forme 1, utilisée pour n = 0, 1")
        expect(entry.locator("mark.placeholder").first).to_have_text("%(num)d")

        plural = entry.locator(f"#text-{DAYS_LEFT}-1")
        # A broken placeholder: the check answers while typing...
        plural.fill("%(nombre)d jours encore")
        expect(entry.locator(".entry-problems")).to_contain_text(
            "Espaces réservés absents du texte source : « %(nombre)d »."
        )
        # ...and the save is refused, with the text kept in the field.
        with page.expect_response(re.compile(rf"/entries/{DAYS_LEFT}(\?|$)")) as refused:
            entry.locator("button[type=submit]").click()
        assert refused.value.status == 422
        expect(page.locator(f"#entry-{DAYS_LEFT} .entry-problems")).to_contain_text(
            "Il manque des espaces réservés du texte source"
        )
        expect(page.locator(f"#text-{DAYS_LEFT}-1")).to_have_value("%(nombre)d jours encore")
        assert "/translations/fr/" in page.url  # still the list: swapped in place

        page.locator(f"#text-{DAYS_LEFT}-0").fill("%(num)d jour encore")
        page.locator(f"#text-{DAYS_LEFT}-1").fill("%(num)d jours encore")
        expect(page.locator(f"#entry-{DAYS_LEFT} .entry-problems .field-error")).to_have_count(0)
        confirm = page.locator(f"#entry-{DAYS_LEFT} input[name=confirm]")
        if confirm.count():  # "encore" where the source says "left": a warning, confirmed
            confirm.check()
        page.locator(f"#entry-{DAYS_LEFT} button[type=submit]").click()
        expect(page.locator(f"#entry-{DAYS_LEFT} .entry-saved")).to_have_text("Enregistrée.")
        expect(page.locator(f"#entry-{DAYS_LEFT} .entry-history summary")).to_have_text(
            "Historique (1 modification)"
        )
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/editor-1280.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=f"{SCREENSHOTS}/editor-390.png", full_page=True)
    finally:
        context.close()

    customer = chromium.new_context(locale="fr-FR")
    page = customer.new_page()
    try:
        sign_in(page, live_url, "paul@martin.example.com")
        page.wait_for_url(re.compile(r"/package$"))
        expect(page.locator("main")).to_contain_text("21 jours encore")
    finally:
        customer.close()


OPEN = key_of("Open", "example status")


def test_french_translator_confirms_a_warning(chromium, live_url, people) -> None:
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_url, "lea@vendor.example.com")
        page.goto(f"{live_url}/translations/fr/?q=example+status")
        entry = page.locator(f"#entry-{OPEN}")
        entry.locator(f"#text-{OPEN}-0").fill("Ouverte:")
        # The warning shows while typing, with the confirmation beside it.
        problems = entry.locator(".entry-problems")
        expect(problems).to_contain_text("Le français met une espace insécable avant « : ».")
        expect(problems.locator("input[name=confirm]")).to_be_visible()
        # Styled as a warning: its own colour and bar, not the page's plain text.
        warning = problems.locator(".field-warning").first
        expect(warning).to_have_css("color", "rgb(122, 79, 0)")
        expect(warning).to_have_css("border-left-color", "rgb(224, 168, 0)")
        with page.expect_response(re.compile(rf"/entries/{OPEN}(\?|$)")) as asked:
            entry.locator("button[type=submit]").click()
        assert asked.value.status == 422  # not saved without the confirmation
        entry = page.locator(f"#entry-{OPEN}")
        expect(entry.locator(".entry-problems")).to_contain_text("Espacement")
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/warning-1280.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            entry.scroll_into_view_if_needed()
            page.screenshot(path=f"{SCREENSHOTS}/warning-390.png", full_page=True)
        entry.locator("input[name=confirm]").check()
        entry.locator("button[type=submit]").click()
        expect(page.locator(f"#entry-{OPEN} .entry-saved")).to_have_text(
            "Enregistrée.", timeout=30_000
        )
        expect(page.locator(f"#text-{OPEN}-0")).to_have_value("Ouverte:")
    finally:
        context.close()


MY_PACKAGE = key_of("My package")


def test_french_translator_keeps_to_the_glossary_and_customers_keep_the_reviewed_text(
    chromium, live_url, people
) -> None:
    """The glossary beside the entry, its warning while typing, "needs review" ticked: the
    customer keeps the reviewed "Mon forfait" until the translator reviews the new text."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_url, "lea@vendor.example.com")
        page.goto(f"{live_url}/translations/fr/")
        page.get_by_role("button", name="Glossaire", exact=True).click()
        expect(page.locator("h1")).to_contain_text("Glossaire")
        page.fill("#term", "package")
        page.fill("#translation", "forfait")
        page.fill("#variants", "forfaits")
        page.fill("#note", "Jamais « abonnement » : c'est ce que le client a acheté.")
        page.get_by_role("button", name="Ajouter le terme").click()
        expect(page.locator(".glossary-table")).to_contain_text("forfait")

        page.goto(f"{live_url}/translations/fr/?q=My+package")
        entry = page.locator(f"#entry-{MY_PACKAGE}")
        expect(entry.locator(".entry-glossary")).to_contain_text("package → forfait")
        entry.locator(f"#text-{MY_PACKAGE}-0").fill("Mon abonnement")
        problems = entry.locator(".entry-problems")
        expect(problems).to_contain_text("Glossaire non respecté")
        expect(problems).to_contain_text("« package → forfait »")
        entry.locator("input[name=fuzzy]").check()
        problems.locator("input[name=confirm]").check()
        entry.locator("button[type=submit]").click()
        entry = page.locator(f"#entry-{MY_PACKAGE}")
        expect(entry.locator(".entry-saved")).to_have_text("Enregistrée.", timeout=30_000)
        expect(entry.locator(".badge-fuzzy")).to_have_text("À revoir")
        expect(entry.locator(".entry-reviewed")).to_have_text("Mon forfait")
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/glossary-fuzzy-1280.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            entry.scroll_into_view_if_needed()
            page.screenshot(path=f"{SCREENSHOTS}/glossary-fuzzy-390.png", full_page=True)
    finally:
        context.close()

    customer = chromium.new_context(locale="fr-FR")
    page = customer.new_page()
    try:
        sign_in(page, live_url, "paul@martin.example.com")
        page.wait_for_url(re.compile(r"/package$"))
        expect(page.locator("h1")).to_have_text("Mon forfait")  # the reviewed text
        expect(page.locator("body")).not_to_contain_text("Mon abonnement")
        expect(page.locator("body")).not_to_contain_text("My package")
    finally:
        customer.close()
