"""Saved edits reach the pages: at once in the saving process, within the check delay elsewhere."""

from __future__ import annotations

import time
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import event

from portal import create_app
from portal.catalogs.store import Translator, entry_key, save_translation
from portal.extensions import db
from portal.models import Role, TranslationEdit
from tests.catalogs.conftest import TRANSLATOR, key_of
from tests.catalogs.test_editor import save
from tests.clock import Clock, clock_on
from tests.conftest import Auth

DAYS_LEFT = key_of("%(num)d day left")
CUSTOMER = "marie@client.example.com"


@pytest.fixture
def clock() -> Clock:
    """22 November 2026: the package has 21 days left."""
    return clock_on(date(2026, 11, 22))


@pytest.fixture
def app_config(catalog_dir) -> dict[str, object]:
    """The private catalogs."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(catalog_dir)}


@pytest.fixture
def customer(app: Flask, factory) -> Flask:
    """A French-speaking owner of a Standard account; returns a client signed in as them."""
    account = factory.account("Société Exemple")
    factory.subscription(account, anchor=date(2026, 11, 13))
    factory.user(CUSTOMER, Role.OWNER, account, locale="fr")
    client = app.test_client()
    Auth(client).login(CUSTOMER)
    return client


def test_an_edit_is_served_to_customers_at_once(client, translator, customer) -> None:
    assert "21 jours restants" in customer.get("/package").text
    assert (
        save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore").status_code
        == 302
    )
    assert "21 jours encore" in customer.get("/package").text


def test_a_fuzzy_edit_keeps_the_last_reviewed_text_for_customers(
    client, translator, customer
) -> None:
    # Needs review: customers keep the catalog file's reviewed text, not the English.
    save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore", fuzzy=True)
    assert "21 jours restants" in customer.get("/package").text
    # Reviewed: served. A newer proposal marked fuzzy waits; the reviewed one stays.
    save(client, "fr", DAYS_LEFT, "%(num)d jour de plus", "%(num)d jours de plus")
    assert "21 jours de plus" in customer.get("/package").text
    save(client, "fr", DAYS_LEFT, "%(num)d jour à venir", "%(num)d jours à venir", fuzzy=True)
    assert "21 jours de plus" in customer.get("/package").text
    page = client.get(f"/translations/fr/entries/{DAYS_LEFT}").text
    assert "customers keep seeing the last reviewed translation" in page
    assert '<p class="entry-reviewed" lang="fr">%(num)d jours de plus</p>' in page
    # Reviewing the proposal (unticking "needs review") serves it.
    save(client, "fr", DAYS_LEFT, "%(num)d jour à venir", "%(num)d jours à venir")
    assert "21 jours à venir" in customer.get("/package").text


def test_a_cleared_edit_shows_the_english_source(client, translator, customer) -> None:
    save(client, "fr", DAYS_LEFT, "", "")
    assert "21 days left" in customer.get("/package").text
    # Fuzzy over a cleared (reviewed-empty) entry: still the English, never a blank.
    save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore", fuzzy=True)
    assert "21 days left" in customer.get("/package").text
    page = client.get(f"/translations/fr/entries/{DAYS_LEFT}").text
    assert "customers see the English source until a translation is reviewed" in page


def test_an_edit_failing_the_checks_is_not_served(app, customer) -> None:
    # An edit that bypassed the checks (written by another tool, or saved before a check
    # existed) must not break the page: the catalog file's translation is served instead.
    with app.app_context():
        db.session.add(
            TranslationEdit(
                language="fr",
                entry_key=entry_key(None, "%(num)d day left"),
                msgid="%(num)d day left",
                msgid_plural="%(num)d days left",
                strings=["%(nombre)d jour", "%(nombre)d jours"],
                updated_by_name="import",
            )
        )
        db.session.commit()
        from portal.catalogs.store import _raise_version

        _raise_version("fr")
        db.session.commit()
    app.extensions["live_catalogs"].invalidate()  # as if the check delay had passed
    response = customer.get("/package")
    assert response.status_code == 200
    assert "21 jours restants" in response.text


def test_another_process_serves_the_edit_within_the_check_delay(
    app: Flask, client, translator, customer, database_urls, backend, catalog_dir, clock
) -> None:
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_urls[backend],
            "BABEL_TRANSLATION_DIRECTORIES": str(catalog_dir),
            "NOW": clock,
            "TODAY": clock.today,
            "CATALOG_CHECK_SECONDS": 1.0,
        }
    )
    other_customer = other.test_client()
    Auth(other_customer).login(CUSTOMER)
    assert "21 jours restants" in other_customer.get("/package").text
    save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore")
    saved_at = time.monotonic()
    while "21 jours encore" not in other_customer.get("/package").text:
        assert time.monotonic() - saved_at < 2.5, "the other process never picked up the edit"
        time.sleep(0.1)
    with other.app_context():
        db.engine.dispose()


def test_live_catalogs_can_be_switched_off(
    app_config, database_urls, backend, factory, app
) -> None:
    off = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_urls[backend],
            **app_config,
            "LIVE_CATALOGS": False,
        }
    )
    assert "live_catalogs" not in off.extensions
    assert "live_catalogs" in app.extensions


def test_no_query_per_request_between_checks(app: Flask, client, translator) -> None:
    save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore")
    app.extensions["live_catalogs"].check_seconds = 60
    anonymous = app.test_client()
    headers = {"Accept-Language": "fr"}
    anonymous.get("/login", headers=headers)  # reads the version once, builds the overlay
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for _ in range(20):
            assert anonymous.get("/login", headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not [s for s in statements if "catalog_versions" in s or "translation_edits" in s]


def test_the_version_is_read_again_after_the_delay(app: Flask, client, translator) -> None:
    live = app.extensions["live_catalogs"]
    live.check_seconds = 0.2
    client.get("/translations/", headers={"Accept-Language": "fr"})
    checked = live._checked_at
    time.sleep(0.3)
    client.get("/translations/")
    assert live._checked_at > checked


SUMMARY = "/package/edit/summary?plan=standard&period=monthly&currency=EUR&agents=5&packs=0"


def test_a_cached_summary_fragment_shows_a_later_edit(client, translator, customer) -> None:
    headers = {"HX-Request": "true"}
    assert "Montant à payer" in customer.get(SUMMARY, headers=headers).text
    save(client, "fr", key_of("Amount to pay"), "Reste à payer")
    assert "Reste à payer" in customer.get(SUMMARY, headers=headers).text


def change_plural_in_file(catalog_dir) -> None:
    """What `pybabel update` does when a plural source changes: new text, marked fuzzy."""
    po = catalog_dir / "fr" / "LC_MESSAGES" / "messages.po"
    text = po.read_text()
    old = '#, python-format\nmsgid "%(num)d day left"\nmsgid_plural "%(num)d days left"'
    new = '#, fuzzy, python-format\nmsgid "%(num)d day left"\nmsgid_plural "%(num)d days remaining"'
    assert old in text
    po.write_text(text.replace(old, new))


def test_an_edit_whose_plural_source_changed_stays_visible(client, translator, catalog_dir) -> None:
    assert (
        save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore").status_code
        == 302
    )
    change_plural_in_file(catalog_dir)

    stale = client.get("/translations/fr/?filter=obsolete").text
    assert "1 entry found" in stale
    assert "The source of this entry changed after it was edited here." in stale
    assert '<p class="entry-kept">%(num)d jours encore</p>' in stale
    assert "</mark> days remaining" in stale

    # Saving on the entry's revision replaces the stale edit; it fits the new source again.
    assert (
        save(client, "fr", DAYS_LEFT, "%(num)d jour", "%(num)d jours restants").status_code == 302
    )
    assert "0 entries found" in client.get("/translations/fr/?filter=obsolete").text


def test_the_live_layer_skips_edits_made_for_another_plural(
    app: Flask, factory, catalog_dir
) -> None:
    user_id = factory.user(TRANSLATOR, Role.TRANSLATOR)
    with app.app_context():
        save_translation(
            catalog_dir,
            "fr",
            DAYS_LEFT,
            ["%(num)d jour encore", "%(num)d jours encore"],
            fuzzy=False,
            expected_revision=0,
            translator=Translator(user_id, "Tina"),
        )
    change_plural_in_file(catalog_dir)
    account = factory.account("Société Exemple")
    factory.subscription(account, anchor=date(2026, 11, 13))
    factory.user(CUSTOMER, Role.OWNER, account, locale="fr")
    customer = app.test_client()
    Auth(customer).login(CUSTOMER)
    page = customer.get("/package").text
    assert "21 jours restants" in page and "jours encore" not in page
