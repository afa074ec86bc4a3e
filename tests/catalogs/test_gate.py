"""The gate scripts/test runs: `msgfmt -c` and pofilter over the catalogs and over an export
with edits; pofilter's findings are none or each one reviewed in pofilter-accepted.toml."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from portal.catalogs.gate import ACCEPTED, accepted_findings, gate, pofilter_findings
from tests.catalogs.conftest import REPO_TRANSLATIONS, key_of
from tests.catalogs.test_editor import export, save

EDITS = {
    "it": [(key_of("Open", "example status"), "Aperta ora"), (key_of("%d days"), "%d giorni")],
    "fr": [
        (key_of("Open", "example status"), "Ouverte"),
        (key_of("%d days"), "%d jours"),
        # The copy's one untranslated entry: pofilter would say so.
        (key_of("Read the <strong>terms</strong>"), "Lisez les <strong>conditions</strong>"),
    ],
}


def test_every_accepted_finding_has_a_reason_and_still_happens() -> None:
    accepted = accepted_findings(ACCEPTED)
    assert all(len(why) > 20 for why in accepted.values())
    found = set()
    for language in ("it", "fr"):
        path = REPO_TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        found.update(pofilter_findings(path, language))
    assert set(accepted) == found  # none unreviewed, none stale


def test_an_export_with_edits_passes_msgfmt_and_pofilter(client, translator, tmp_path) -> None:
    paths = []
    for language, edits in EDITS.items():
        for key, text in edits:
            assert save(client, language, key, text, confirm="y").status_code == 302
        exported = export(client, language)
        assert exported.status_code == 200
        path = tmp_path / f"messages-{language}.po"
        path.write_bytes(exported.data)
        paths.append(path)
        assert "Aperta ora" in exported.text or "Ouverte" in exported.text
    assert gate(paths) == []


def test_sloppy_entries_fail_the_gate(tmp_path: Path) -> None:
    source = REPO_TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    catalog["Save"].string = "Enregistrer\n"  # a trailing newline: msgfmt -c refuses it
    catalog["Account"].string = "Compte  client "  # double space, trailing space: pofilter
    path = tmp_path / "messages-fr.po"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76)
    problems = gate([path])
    assert any("msgfmt -c" in problem for problem in problems)
    assert any("pofilter doublespacing: 'Account'" in problem for problem in problems)
    assert any("pofilter endwhitespace: 'Account'" in problem for problem in problems)
