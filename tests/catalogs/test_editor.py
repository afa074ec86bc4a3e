"""The editor as a translator uses it: pages, filters, search, saving, checks, history."""

from __future__ import annotations

import pytest

from portal.models import Role
from tests.catalogs.conftest import key_of
from tests.conftest import csrf_token_from

DAYS_LEFT = key_of("%(num)d day left")


def entry_url(language: str, key: str) -> str:
    """The entry's own page."""
    return f"/translations/{language}/entries/{key}"


def save(client, language: str, key: str, *forms: str, fuzzy: bool = False, **extra):
    """Open the entry's page and post its form as a browser without JavaScript does."""
    page = client.get(entry_url(language, key))
    assert page.status_code == 200, page.status_code
    revision = extra.pop("revision", None)
    if revision is None:
        revision = page.text.split('name="revision" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": csrf_token_from(page.text), "revision": revision, **extra}
    data.update({f"translation-{index}": text for index, text in enumerate(forms)})
    if fuzzy:
        data["fuzzy"] = "y"
    return client.post(entry_url(language, key), data=data, headers=extra.pop("headers", None))


def export(client, language: str):
    """Press the catalog page's "Export .po file" button."""
    page = client.get(f"/translations/{language}/")
    assert page.status_code == 200, page.status_code
    token = csrf_token_from(page.text)
    return client.post(f"/translations/{language}/messages.po", data={"csrf_token": token})


@pytest.mark.parametrize("role", [Role.STAFF, Role.OWNER, Role.BILLING_ADMIN, Role.MEMBER])
def test_only_translators_get_in(client, factory, auth, role: Role) -> None:
    account = factory.account() if role.is_customer else None
    factory.user("someone@example.com", role, account)
    auth.login("someone@example.com")
    for url in ("/translations/", "/translations/fr/", entry_url("fr", DAYS_LEFT)):
        assert client.get(url).status_code == 403
    token = csrf_token_from(client.get("/", follow_redirects=True).text)
    exported = client.post("/translations/fr/messages.po", data={"csrf_token": token})
    assert exported.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get("/translations/it/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/translations/en/",
        "/translations/de/",
        entry_url("en", DAYS_LEFT),
        entry_url("fr", "0" * 32),
        entry_url("fr", str(2**64)),
        entry_url("fr", "%00"),
        entry_url("fr", "x" * 5000),
    ],
)
def test_english_and_unknown_entries_are_not_found(client, translator, url: str) -> None:
    assert client.get(url).status_code == 404


def test_english_cannot_be_exported(client, translator) -> None:
    token = csrf_token_from(client.get("/translations/").text)
    response = client.post("/translations/en/messages.po", data={"csrf_token": token})
    assert response.status_code == 404


def test_overview_shows_progress_per_language(client, translator) -> None:
    page = client.get("/translations/").text
    assert "Italian" in page and "French" in page
    assert 'class="catalog-bar"' in page
    # The fr copy has one untranslated entry (the <strong> example).
    assert "1 entry untranslated" in page


def test_entry_shows_source_plural_labels_reference_and_placeholders(client, translator) -> None:
    page = client.get(entry_url("fr", DAYS_LEFT)).text
    assert '<mark class="placeholder">%(num)d</mark> day left' in page
    assert '<mark class="placeholder">%(num)d</mark> days left' in page
    assert "Form 1, used for n = 0, 1" in page  # French: 0 is singular
    assert "Form 2, used for n = 2, 3, 4, 5, …" in page
    assert "Reference: Italian" in page and "giorno rimanente" in page
    assert "templates/dashboard/_package.html" in page
    italian = client.get(entry_url("it", DAYS_LEFT)).text
    assert "Form 1, used for n = 1<" in italian  # Italian: n != 1 is plural
    assert "Form 2, used for n = 0, 2, 3, 4, …" in italian
    english_reference = client.get(entry_url("it", DAYS_LEFT) + "?ref=en").text
    assert "Reference:" not in english_reference


def test_context_comments_and_flags_are_shown(client, translator) -> None:
    page = client.get(entry_url("it", key_of("Open", "example status"))).text
    assert "Context: example status" in page
    assert "Translators: an example entry" in page
    days = client.get(entry_url("it", DAYS_LEFT)).text
    assert '<code class="entry-flag">python-format</code>' in days


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("example status", "Aperta"),  # context
        ("portal/example.py", "bentornato"),  # location
        ("BENTORNATO", "Hello"),  # translation, any case
        ("days left", "giorni rimanenti"),  # source plural
    ],
)
def test_search_covers_source_translation_context_and_location(
    client, translator, query: str, expected: str
) -> None:
    page = client.get("/translations/it/", query_string={"q": query}).text
    assert expected in page


def test_filters(client, translator) -> None:
    untranslated = client.get("/translations/fr/?filter=untranslated").text
    assert "1 entry found" in untranslated and "terms" in untranslated
    assert "0 entries found" in client.get("/translations/fr/?filter=fuzzy").text
    assert "0 entries found" in client.get("/translations/fr/?filter=changed").text
    assert (
        save(client, "fr", DAYS_LEFT, "%(num)d jour", "%(num)d jours", fuzzy=True).status_code
        == 302
    )
    assert "1 entry found" in client.get("/translations/fr/?filter=fuzzy").text
    changed = client.get("/translations/fr/?filter=changed").text
    assert "1 entry found" in changed and "%(num)d jours</textarea>" in changed
    # An unknown filter or a silly page number shows the list, never an error.
    # A NUL byte is refused by the app-wide text guard with its own page.
    refused = client.get("/translations/fr/?filter=%00&page=99999999999999999999")
    assert refused.status_code == 400
    assert "characters that cannot be used" in refused.text
    assert client.get("/translations/fr/?filter=x&page=99999999999999999999").status_code == 200
    assert client.get("/translations/fr/?q=" + "x" * 5000).status_code == 200


def test_errors_filter_finds_a_broken_translation_in_the_file(
    client, translator, catalog_dir
) -> None:
    po = catalog_dir / "it" / "LC_MESSAGES" / "messages.po"
    text = po.read_text()
    po.write_text(text.replace('msgstr "Ciao {name}, bentornato"', 'msgstr "Ciao {nome}"'))
    page = client.get("/translations/it/?filter=errors").text
    assert "1 entry found" in page
    assert "Placeholders of the source are missing: “{name}”." in page


def test_saving_a_plural_entry_without_javascript(client, translator) -> None:
    response = save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore")
    assert response.status_code == 302
    assert response.headers["Location"] == "/translations/fr/"
    listing = client.get(response.headers["Location"]).text
    assert "Translation saved." in listing
    page = client.get(entry_url("fr", DAYS_LEFT)).text
    assert "%(num)d jours encore</textarea>" in page
    assert 'name="revision" value="1"' in page
    assert "History (1 change)" in page
    assert "Tina Translator" in page
    assert "%(num)d jour restant | %(num)d jours restants" in page  # before
    assert "%(num)d jour encore | %(num)d jours encore" in page  # after


def test_saving_with_htmx_replaces_the_entry_in_place(client, translator) -> None:
    response = save(
        client,
        "it",
        key_of("Open", "example status"),
        "Da pagare",
        headers={"HX-Request": "true"},
        confirm="y",  # "Open" is "Aperta" elsewhere: a warning, confirmed
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<article id="entry-')
    assert "Saved." in response.text and "Da pagare</textarea>" in response.text


def test_the_next_field_cannot_redirect_elsewhere(client, translator) -> None:
    response = save(client, "it", DAYS_LEFT, "%(num)d g", "%(num)d gg", next="https://evil.example")
    assert response.headers["Location"] == "/translations/it/"


@pytest.mark.parametrize(
    ("key", "forms", "message"),
    [
        (
            DAYS_LEFT,
            ["jour restant", "%(num)d jours"],
            "Form 1: Placeholders of the source are missing: “%(num)d”.",
        ),
        (
            DAYS_LEFT,
            ["%(num)d jour", "%(nombre)d jours"],
            "Placeholders not in the source: “%(nombre)d”.",
        ),
        (DAYS_LEFT, ["%(num)d jour", ""], "Fill in every plural form, or leave them all empty."),
        (
            DAYS_LEFT,
            ["%(num)d jour", "%(num)d jours", "%(num)d x"],
            "This entry needs 2 plural forms.",
        ),
        (key_of("Hello {name}, welcome back"), ["Bonjour {nom}"], "“{name}”"),
        (key_of("%d days"), ["jours"], "Placeholders of the source are missing: “%d”."),
        (
            key_of("Open", "example status"),
            ["Ouverte à 100%%"],
            "write a percent sign once",
        ),
        (
            key_of("Open", "example status"),
            ["<b>Ouverte</b>"],
            "HTML tags not in the source: “&lt;/b&gt;”, “&lt;b&gt;”.",
        ),
        (key_of("Open", "example status"), ["x" * 5000], "longer than 4000 characters"),
    ],
)
def test_a_failing_check_refuses_the_save(
    client, translator, key: str, forms: list[str], message: str
) -> None:
    response = save(client, "fr", key, *forms)
    assert response.status_code == 422
    assert message in response.text
    assert 'name="revision" value="0"' in response.text
    assert "History" not in client.get(entry_url("fr", key)).text


def test_a_control_character_is_refused_before_the_editor_sees_it(client, translator) -> None:
    # The form refuses it as the entry's problem (422), the text shown again with U+FFFD;
    # nothing is saved.
    response = save(client, "fr", key_of("Open", "example status"), "Ouv\x00erte")
    assert response.status_code == 422
    assert "invisible control or text-direction characters" in response.text
    assert "Ouv\ufffderte" in response.text and "\x00" not in response.text
    assert "History" not in client.get(entry_url("fr", key_of("Open", "example status"))).text


def test_refusals_are_translated(client, factory, auth) -> None:
    factory.user("tr@vendor.example.com", Role.TRANSLATOR, locale="it")
    auth.login("tr@vendor.example.com")
    response = save(client, "fr", DAYS_LEFT, "jour", "%(num)d jours")
    assert response.status_code == 422
    assert "Forma 1:" in response.text


def test_html_the_source_has_is_accepted(client, translator) -> None:
    key = key_of("Read the <strong>terms</strong>")
    assert save(client, "fr", key, "Lisez les <strong>conditions</strong>").status_code == 302


def test_checks_run_as_the_translator_types(client, translator) -> None:
    page = client.get(entry_url("fr", DAYS_LEFT))
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token_from(page.text)}
    url = entry_url("fr", DAYS_LEFT) + "/check"
    bad = client.post(
        url, data={"translation-0": "jour", "translation-1": "jours"}, headers=headers
    )
    assert bad.status_code == 200
    assert f'id="problems-{DAYS_LEFT}"' in bad.text and "“%(num)d”" in bad.text
    good = client.post(
        url,
        data={"translation-0": "%(num)d jour", "translation-1": "%(num)d jours"},
        headers=headers,
    )
    assert "field-error" not in good.text


@pytest.mark.parametrize("revision", [str(2**64), "-1", "abc", "", "5"])
def test_a_forged_revision_is_refused(client, translator, revision: str) -> None:
    response = save(client, "fr", DAYS_LEFT, "%(num)d j", "%(num)d js", revision=revision)
    assert response.status_code == 422
    assert "The form was incomplete" in response.text


def test_a_post_without_csrf_token_is_refused(client, translator) -> None:
    response = client.post(entry_url("fr", DAYS_LEFT), data={"translation-0": "x", "revision": "0"})
    assert response.status_code == 400


def test_progress_follows_saves(client, translator) -> None:
    assert "1 entry untranslated" in client.get("/translations/").text
    save(
        client,
        "fr",
        key_of("Read the <strong>terms</strong>"),
        "Lisez les <strong>conditions</strong>",
    )
    assert "0 entries untranslated" in client.get("/translations/").text
    save(client, "fr", DAYS_LEFT, "%(num)d jour", "%(num)d jours", fuzzy=True)
    assert "1 entry needs review" in client.get("/translations/").text


def test_clearing_a_translation_makes_it_untranslated(client, translator) -> None:
    assert save(client, "it", key_of("%d days"), "").status_code == 302
    assert "</mark> days" in client.get("/translations/it/?filter=untranslated").text
