"""Back into the repository: export, then pybabel update and compile, with no edit lost."""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from portal.config import TRANSLATED_LANGUAGES
from tests.catalogs.conftest import key_of
from tests.catalogs.test_editor import export, save

PYBABEL = str(Path(sys.executable).parent / "pybabel")
DAYS_LEFT = key_of("%(num)d day left")
HELLO = "Hello {name}, welcome back"


def po_file(directory: Path, language: str) -> Path:
    """A language's catalog file."""
    return directory / language / "LC_MESSAGES" / "messages.po"


def write_template(directory: Path, target: Path, renamed: dict[str, str | None]) -> Path:
    """A .pot as `pybabel extract` would write it after the sources changed (None: removed)."""
    with po_file(directory, "it").open("rb") as handle:
        current = read_po(handle)
    template = Catalog(
        project=current.project,
        version=current.version,
        creation_date=current.creation_date,
        fuzzy=False,
    )
    for message in current:
        if not message.id:
            continue
        singular = message.id[0] if message.pluralizable else message.id
        new = renamed.get(singular, singular)
        if new is None:
            continue
        msgid = (new, message.id[1]) if message.pluralizable else new
        template.add(
            msgid,
            locations=message.locations,
            flags=message.flags - {"fuzzy"},
            auto_comments=message.auto_comments,
            context=message.context,
        )
    with target.open("wb") as handle:
        write_po(handle, template, width=76)
    return target


def pybabel(*args: str) -> subprocess.CompletedProcess:
    """Run the real pybabel command line."""
    return subprocess.run([PYBABEL, *args], capture_output=True, text=True, check=False)


def test_export_update_compile_round_trip_is_clean(
    client, translator, runner, catalog_dir, tmp_path
) -> None:
    original = po_file(catalog_dir, "fr").read_text()
    untouched = po_file(catalog_dir, "it").read_bytes()
    pot = write_template(catalog_dir, tmp_path / "messages.pot", {})
    assert (
        save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore").status_code
        == 302
    )

    result = runner.invoke(args=["translations", "export"])
    assert result.exit_code == 0, result.output
    assert "fr: 1 new edits written" in result.output and "it: 0 new edits" in result.output
    exported = po_file(catalog_dir, "fr").read_text()
    changed = [
        line
        for line in difflib.unified_diff(
            original.splitlines(), exported.splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert sorted(changed) == sorted(
        [
            '-msgstr[0] "%(num)d jour restant"',
            '-msgstr[1] "%(num)d jours restants"',
            '+msgstr[0] "%(num)d jour encore"',
            '+msgstr[1] "%(num)d jours encore"',
            *[line for line in changed if "PO-Revision-Date" in line],
            '-"Last-Translator: Billing portal translators\\n"',
            '+"Last-Translator: Tina Translator <tina@vendor.example.com>\\n"',
        ]
    )
    # The header says when the translation changed (the edit's time), and by whom.
    assert '"PO-Revision-Date: 2026-11-13 10:00+0000\\n"' in exported
    assert po_file(catalog_dir, "it").read_bytes() == untouched  # no edits: same bytes

    update = pybabel("update", "-i", str(pot), "-d", str(catalog_dir))
    assert update.returncode == 0, update.stderr
    assert po_file(catalog_dir, "fr").read_text() == exported  # pybabel's own layout already
    compiled = pybabel("compile", "-d", str(catalog_dir))
    assert compiled.returncode == 0, compiled.stderr
    translations = Translations.load(str(catalog_dir), ["fr"])
    assert (
        translations.ngettext("%(num)d day left", "%(num)d days left", 3) == "%(num)d jours encore"
    )
    # The edit is in the file now: nothing is "changed since the last export".
    assert "0 entries found" in client.get("/translations/fr/?filter=changed").text


def test_an_export_without_edits_rewrites_nothing(runner, catalog_dir) -> None:
    before = {lang: po_file(catalog_dir, lang).read_bytes() for lang in TRANSLATED_LANGUAGES}
    assert runner.invoke(args=["translations", "export"]).exit_code == 0
    assert {
        lang: po_file(catalog_dir, lang).read_bytes() for lang in TRANSLATED_LANGUAGES
    } == before


def test_edits_to_changed_or_removed_sources_stay_visible(
    client, translator, runner, catalog_dir, tmp_path
) -> None:
    save(client, "it", key_of(HELLO), "Ciao {name}, che piacere rivederti")
    assert runner.invoke(args=["translations", "export", "it"]).exit_code == 0
    save(client, "it", key_of("%d days"), "%d giorni di calendario")  # saved, never exported
    pot = write_template(
        catalog_dir, tmp_path / "messages.pot", {HELLO: "Hello {name}, welcome!", "%d days": None}
    )
    assert pybabel("update", "-i", str(pot), "-d", str(catalog_dir)).returncode == 0

    obsolete = client.get("/translations/it/?filter=obsolete").text
    assert "2 entries found" in obsolete
    assert "Ciao {name}, che piacere rivederti" in obsolete
    assert "%d giorni di calendario" in obsolete
    assert "This source text no longer exists" in obsolete
    fuzzy = client.get("/translations/it/?filter=fuzzy").text
    assert "welcome!" in fuzzy
    assert "Ciao {name}, che piacere rivederti</textarea>" in fuzzy  # pybabel's suggestion

    # An obsolete edit cannot be saved over, and exporting keeps it as an obsolete entry.
    assert save_obsolete(client, key_of("%d days")).status_code == 422
    assert runner.invoke(args=["translations", "export", "it"]).exit_code == 0
    text = po_file(catalog_dir, "it").read_text()
    assert '#~ msgid "%d days"\n#~ msgstr "%d giorni di calendario"' in text
    assert pybabel("compile", "-d", str(catalog_dir)).returncode == 0
    assert "2 entries found" in client.get("/translations/it/?filter=obsolete").text


def save_obsolete(client, key: str):
    """Post the form of an obsolete entry, as a forged request would."""
    from tests.conftest import csrf_token_from

    page = client.get(f"/translations/it/entries/{key}")
    return client.post(
        f"/translations/it/entries/{key}",
        data={"csrf_token": csrf_token_from(page.text), "revision": "1", "translation-0": "x"},
    )


def test_download_button_gives_the_merged_file(client, translator, catalog_dir) -> None:
    save(client, "fr", DAYS_LEFT, "%(num)d jour encore", "%(num)d jours encore")
    response = export(client, "fr")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/x-gettext-translation; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=messages-fr.po"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert 'msgstr[1] "%(num)d jours encore"' in response.text
    catalog = read_po(iter(response.data.splitlines(keepends=True)), locale="fr")
    assert catalog.num_plurals == 2
    assert 'action="/translations/fr/messages.po"' in client.get("/translations/").text
    assert client.get("/translations/fr/messages.po").status_code == 405  # not a link to follow


def test_export_refuses_an_unknown_language(runner) -> None:
    result = runner.invoke(args=["translations", "export", "en"])
    assert result.exit_code != 0 and "not an editable language: en" in result.output
