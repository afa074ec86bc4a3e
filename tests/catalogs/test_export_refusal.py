"""An export is what goes into the repository: stamped, counted, refused when it would not
compile."""

from __future__ import annotations

from pathlib import Path

from portal.catalogs.store import _raise_version, entry_key
from portal.extensions import db
from portal.models import TranslationEdit
from tests.catalogs.conftest import key_of
from tests.catalogs.test_editor import export, save
from tests.catalogs.test_export import po_file

DAYS_LEFT = key_of("%(num)d day left")


def bypassing_edit(app, text: str) -> None:
    """An edit that never went through the checks (written by another tool): a trailing
    newline the source does not have, which `msgfmt -c` refuses."""
    with app.app_context():
        db.session.add(
            TranslationEdit(
                language="fr",
                entry_key=entry_key(None, "Save"),
                msgid="Save",
                strings=[text],
                reviewed_strings=[text],
                updated_by_name="import",
            )
        )
        _raise_version("fr")
        db.session.commit()


def test_an_export_clears_changed_since_the_last_export(client, translator) -> None:
    save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore")
    assert "1 entry found" in client.get("/translations/fr/?filter=changed").text
    exported = export(client, "fr")
    assert exported.status_code == 200
    assert "0 entries found" in client.get("/translations/fr/?filter=changed").text
    # One charset, the one Werkzeug writes; the header stamped with the edit and its author.
    assert exported.headers["Content-Type"].count("charset") == 1
    assert '"Last-Translator: Tina Translator <tina@vendor.example.com>\\n"' in exported.text
    assert '"PO-Revision-Date: 2026-11-13 10:00+0000\\n"' in exported.text
    assert exported.text.count("Content-Type: text/plain; charset=utf-8") == 1


def test_an_export_that_would_not_compile_is_refused(app, client, translator) -> None:
    bypassing_edit(app, "Enregistrer\n")
    response = export(client, "fr")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/translations/fr/?filter=errors")
    page = client.get(response.headers["Location"]).text
    assert "The export was refused: the catalog would not compile" in page
    # Nothing counted as exported: the edit is still "changed since the last export".
    assert "1 entry found" in client.get("/translations/fr/?filter=changed").text


def test_the_export_command_refuses_and_writes_nothing(
    app, runner, catalog_dir: Path, translator
) -> None:
    before = {language: po_file(catalog_dir, language).read_bytes() for language in ("it", "fr")}
    bypassing_edit(app, "Enregistrer\n")
    result = runner.invoke(args=["translations", "export"])
    assert result.exit_code != 0
    assert "nothing exported: the fr catalog would not compile" in result.output
    assert {language: po_file(catalog_dir, language).read_bytes() for language in before} == before


def test_an_export_keeps_the_reviewed_text_while_a_proposal_waits(
    client, translator, runner, catalog_dir: Path
) -> None:
    """The compiled files are what customers get without the live layer: an entry that needs
    review goes into the file with its reviewed text, its proposal stays in the editor."""
    save(client, "fr", DAYS_LEFT, "%(num)d jour de plus", "%(num)d jours de plus")
    save(client, "fr", DAYS_LEFT, "%(num)d jour à venir", "%(num)d jours à venir", fuzzy=True)
    result = runner.invoke(args=["translations", "export", "fr"])
    assert result.exit_code == 0, result.output
    assert "fr: 0 new edits" in result.output  # the proposal is not in the file
    exported = po_file(catalog_dir, "fr").read_text()
    entry = exported.split('msgid "%(num)d day left"', 1)[1].split("\n\n", 1)[0]
    assert 'msgstr[1] "%(num)d jours de plus"' in entry and "à venir" not in entry
    assert "#, fuzzy" not in exported.split('msgid "%(num)d day left"', 1)[0].rsplit("\n\n", 1)[1]
    assert "1 entry found" in client.get("/translations/fr/?filter=changed").text
    # Reviewed, it goes in and counts as exported.
    save(client, "fr", DAYS_LEFT, "%(num)d jour à venir", "%(num)d jours à venir")
    assert "fr: 1 new edits" in runner.invoke(args=["translations", "export", "fr"]).output
    assert 'msgstr[1] "%(num)d jours à venir"' in po_file(catalog_dir, "fr").read_text()


def test_a_proposal_with_nothing_reviewed_is_exported_fuzzy(
    client, translator, runner, catalog_dir: Path
) -> None:
    untranslated = key_of("Read the <strong>terms</strong>")
    save(client, "fr", untranslated, "Lisez les <strong>conditions</strong>", fuzzy=True)
    assert runner.invoke(args=["translations", "export", "fr"]).exit_code == 0
    exported = po_file(catalog_dir, "fr").read_text()
    block = exported.split('msgid "Read the <strong>terms</strong>"', 1)
    assert "#, fuzzy" in block[0].rsplit("\n\n", 1)[1]
    assert 'msgstr "Lisez les <strong>conditions</strong>"' in block[1].split("\n\n", 1)[0]
