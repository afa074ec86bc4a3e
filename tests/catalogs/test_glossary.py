"""The glossary as translators keep it: pages, beside the entries, the check, import, export."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.catalogs.glossary import GLOSSARY_FILE, read_glossary_file
from portal.domain.glossary import Term, split_variants
from portal.domain.translation_checks import glossary_problems
from tests.catalogs.conftest import REPO_TRANSLATIONS, key_of
from tests.catalogs.test_editor import entry_url, save
from tests.conftest import csrf_token_from

OPEN_INVOICES = key_of("Open invoices")


def add(client, language: str, **fields: str):
    """Fill in and send the glossary page's "Add a term" form."""
    page = client.get(f"/translations/{language}/glossary")
    data = {"csrf_token": csrf_token_from(page.text), "revision": "0", **fields}
    return client.post(f"/translations/{language}/glossary", data=data)


def change(client, language: str, term_id: int, revision: int | None = None, **fields: str):
    """Open a term's page and send its form, with the revision seen (or the one given)."""
    url = f"/translations/{language}/glossary/{term_id}"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    seen = page.text.split('name="revision" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": csrf_token_from(page.text), "revision": revision or seen, **fields}
    return client.post(url, data=data)


def term_id_of(client, language: str, term: str) -> int:
    """The id of a term, read off the glossary page's "Change" link."""
    page = client.get(f"/translations/{language}/glossary").text
    row = page.split(f'<td data-label="English term" lang="en">{term}</td>', 1)[0]
    return int(row.rsplit('<tr id="term-', 1)[1].split('"', 1)[0])


def test_a_translator_adds_a_term_and_sees_it_beside_the_entries(client, translator) -> None:
    response = add(
        client,
        "it",
        term="open invoice",
        translation="fattura da pagare",
        variants="fatture da pagare",
        note="Not “in sospeso”.",
    )
    assert response.status_code == 302
    page = client.get("/translations/it/glossary").text
    assert "fattura da pagare" in page and "Not “in sospeso”." in page
    entry = client.get(entry_url("it", OPEN_INVOICES)).text
    assert 'class="entry-glossary"' in entry
    assert '<span lang="en">open invoice</span> → <strong lang="it">fattura da pagare</strong>' in (
        entry
    )


def test_a_translation_not_following_the_glossary_is_warned_then_saved_if_confirmed(
    client, translator
) -> None:
    add(
        client,
        "it",
        term="open invoice",
        translation="fattura da pagare",
        variants="fatture da pagare",
    )
    warned = save(client, "it", OPEN_INVOICES, "Fatture in sospeso")
    assert warned.status_code == 422
    assert "Glossary not followed" in warned.text
    assert "“open invoice → fattura da pagare”" in warned.text
    # The filter of that check lists it once confirmed.
    assert save(client, "it", OPEN_INVOICES, "Fatture in sospeso", confirm="y").status_code == 302
    listed = client.get("/translations/it/?filter=glossary").text
    assert "1 entry found" in listed and "Fatture in sospeso" in listed
    # Keeping to the glossary clears it.
    assert save(client, "it", OPEN_INVOICES, "Fatture da pagare").status_code == 302
    assert "0 entries found" in client.get("/translations/it/?filter=glossary").text


def test_the_live_check_names_the_glossary_term(client, translator) -> None:
    add(client, "fr", term="support", translation="assistance")
    key = key_of("Contact support")
    page = client.get(entry_url("fr", key))
    response = client.post(
        f"/translations/fr/entries/{key}/check",
        data={"csrf_token": csrf_token_from(page.text), "translation-0": "Contactez le support"},
    )
    assert "support → assistance" in response.text


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"term": "", "translation": "fattura"}, "Enter the English term."),
        ({"term": "invoice", "translation": ""}, "Enter how the catalog translates the term."),
        ({"term": "<b>invoice</b>", "translation": "fattura"}, "A term is words"),
        ({"term": "invoice.*", "translation": "fattura"}, "A term is words"),
        ({"term": "x" * 81, "translation": "fattura"}, "80"),
        ({"term": "invoice", "translation": "fattura", "note": "n" * 5000}, "500"),
        ({"term": "invoice", "translation": "fatt\x00ura"}, "invisible control"),
    ],
)
def test_a_bad_term_is_refused_with_its_reason_and_keeps_what_was_typed(
    client, translator, fields: dict[str, str], error: str
) -> None:
    response = add(client, "it", **fields)
    assert response.status_code == 422
    assert error in response.text
    assert "The glossary has no terms yet." in response.text


def test_the_same_term_in_another_case_is_refused(client, translator) -> None:
    assert add(client, "it", term="Credit note", translation="nota di credito").status_code == 302
    response = add(client, "it", term="credit  NOTE", translation="nota credito")
    assert response.status_code == 422
    assert "The glossary already has “credit NOTE”" in response.text
    # The other language has its own glossary.
    assert add(client, "fr", term="credit note", translation="avoir").status_code == 302


def test_changing_a_term_that_moved_on_is_refused(client, translator) -> None:
    add(client, "fr", term="quote", translation="devis")
    term_id = term_id_of(client, "fr", "quote")
    assert change(client, "fr", term_id, term="quote", translation="offre").status_code == 302
    stale = change(client, "fr", term_id, revision=1, term="quote", translation="proposition")
    assert stale.status_code == 422
    assert "Someone changed or removed this term" in stale.text
    assert "offre" in client.get("/translations/fr/glossary").text


def test_removing_a_term(client, translator) -> None:
    add(client, "fr", term="quote", translation="devis")
    term_id = term_id_of(client, "fr", "quote")
    page = client.get("/translations/fr/glossary")
    data = {"csrf_token": csrf_token_from(page.text), "revision": "1"}
    removed = client.post(f"/translations/fr/glossary/{term_id}/remove", data=data)
    assert removed.status_code == 302
    assert "The glossary has no terms yet." in client.get("/translations/fr/glossary").text
    again = client.post(f"/translations/fr/glossary/{term_id}/remove", data=data)
    assert again.status_code == 404


@pytest.mark.parametrize("path", ["/translations/it/glossary/{id}", "/translations/en/glossary"])
def test_terms_of_another_language_and_english_are_not_found(client, translator, path) -> None:
    add(client, "fr", term="quote", translation="devis")
    term_id = term_id_of(client, "fr", "quote")
    assert client.get(path.format(id=term_id)).status_code == 404
    assert client.get(f"/translations/fr/glossary/{2**64}").status_code == 404


def test_import_keeps_translators_changes_and_export_round_trips(
    client, translator, runner, tmp_path: Path
) -> None:
    add(client, "it", term="plan", translation="piano tariffario")
    result = runner.invoke(args=["translations", "glossary-import"])
    assert result.exit_code == 0, result.output
    expected = read_glossary_file(GLOSSARY_FILE)
    assert f"it: {len(expected['it']) - 1} glossary terms imported" in result.output
    assert "piano tariffario" in client.get("/translations/it/glossary").text  # kept
    again = runner.invoke(args=["translations", "glossary-import"])
    assert "it: 0 glossary terms imported" in again.output  # idempotent

    written = tmp_path / "glossary.toml"
    assert (
        runner.invoke(args=["translations", "glossary-export", "--file", str(written)]).exit_code
        == 0
    )
    with written.open("rb") as handle:
        exported = tomllib.load(handle)
    assert {row["term"] for row in exported["fr"]} == {text.term for text in expected["fr"]}
    plan = next(row for row in exported["it"] if row["term"] == "plan")
    assert plan["translation"] == "piano tariffario"

    replaced = runner.invoke(args=["translations", "glossary-import", "--replace"])
    assert replaced.exit_code == 0
    assert "piano tariffario" not in client.get("/translations/it/glossary").text


def test_a_broken_glossary_file_is_refused(runner, tmp_path: Path) -> None:
    broken = tmp_path / "glossary.toml"
    broken.write_text('[[it]]\nterm = "plan"\n')  # no translation
    result = runner.invoke(args=["translations", "glossary-import", "--file", str(broken)])
    assert result.exit_code != 0 and "not a glossary file" in result.output
    assert "translation_missing" in result.output


@pytest.mark.parametrize("language", ["it", "fr"])
def test_the_repository_catalogs_follow_the_repository_glossary(language: str) -> None:
    glossary = tuple(
        Term(text.term, text.translation, split_variants(text.variants))
        for text in read_glossary_file(GLOSSARY_FILE)[language]
    )
    path = REPO_TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    astray = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for index, text in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            if text:
                found = glossary_problems(source, text, None, glossary)
                astray.extend(f"{source!r}: {problem.items}" for problem in found)
    assert astray == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        # "ß" folds to "ss": 80 of them make a 160-character key.
        ({"term": "ß" * 80, "translation": "x"}, "A term has at most 80 characters."),
        # 399 characters typed as "a00,a01,…" are 498 once stored as "a00, a01, …".
        (
            {
                "term": "agent",
                "translation": "agente",
                "variants": ",".join(f"a{i:02d}" for i in range(100)),
            },
            "The other forms take at most 400 characters",
        ),
    ],
)
def test_what_is_stored_must_fit_on_both_databases(
    client, translator, fields: dict[str, str], error: str
) -> None:
    response = add(client, "it", **fields)
    assert response.status_code == 422
    assert error in response.text


def test_a_change_without_the_revision_seen_is_refused(client, translator) -> None:
    add(client, "fr", term="quote", translation="devis")
    term_id = term_id_of(client, "fr", "quote")
    url = f"/translations/fr/glossary/{term_id}"
    token = csrf_token_from(client.get(url).text)
    response = client.post(url, data={"csrf_token": token, "term": "quote", "translation": "x"})
    assert response.status_code == 422
    assert "devis" in client.get("/translations/fr/glossary").text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('[[it]]\nterm = ""\ntranslation = "x"\n', "term_missing"),
        ('[[it]]\nterm = "plan"\ntranslation = " "\n', "translation_missing"),
        ('[[it]]\nterm = "<b>plan</b>"\ntranslation = "piano"\n', "term_not_words"),
        (f'[[it]]\nterm = "plan"\ntranslation = "{"x" * 121}"\n', "translation_too_long"),
        ('[[it]]\nterm = "plan"\ntranslation = "piano"\nvariants = "piani"\n', "variants a list"),
        ("[it]\nterm = 1\n", "not a list"),
        ("[[it]\n", "glossary.toml"),
    ],
)
def test_a_glossary_file_is_checked_as_the_form_checks_a_term(
    runner, tmp_path: Path, content: str, reason: str
) -> None:
    broken = tmp_path / "glossary.toml"
    broken.write_text(content)
    result = runner.invoke(args=["translations", "glossary-import", "--file", str(broken)])
    assert result.exit_code != 0
    assert "not a glossary file, nothing imported" in result.output and reason in result.output


def test_two_translators_adding_the_same_term_at_once_make_one(app, translator) -> None:
    """Real parallel adds (threads, each its own session): the unique key lets one in, the
    other is told the glossary has it; a change and a removal racing make one winner too."""
    from sqlalchemy import func, select

    from portal.catalogs.glossary import TermMoved, TermTaken, TermText, add_term, change_term
    from portal.catalogs.glossary import remove_term as remove
    from portal.catalogs.store import Translator
    from portal.extensions import db
    from portal.models import GlossaryTerm
    from tests.conftest import at_once

    def adding(translation: str):
        with app.app_context():
            try:
                return add_term(
                    "it", TermText("quote", translation), Translator(translator, "Tina")
                ).id
            except TermTaken as taken:
                return taken
            finally:
                db.session.remove()

    results = at_once(lambda: adding("preventivo"), lambda: adding("offerta"))
    assert sum(isinstance(result, TermTaken) for result in results) == 1, results
    term_id = next(result for result in results if isinstance(result, int))

    def changing():
        with app.app_context():
            try:
                change_term("it", term_id, 1, TermText("quote", "stima"), Translator(1, "T"))
                return "changed"
            except TermMoved as moved:
                return moved
            finally:
                db.session.remove()

    def removing():
        with app.app_context():
            try:
                remove("it", term_id, 1)
                return "removed"
            except TermMoved as moved:
                return moved
            finally:
                db.session.remove()

    outcome = at_once(changing, removing)
    assert sum(isinstance(result, TermMoved) for result in outcome) == 1, outcome
    with app.app_context():
        left = db.session.scalar(select(func.count(GlossaryTerm.id)))
        assert left == (1 if "changed" in outcome else 0)
