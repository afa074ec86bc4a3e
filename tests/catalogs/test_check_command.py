"""`python -m portal.catalogs.check` applies the editor's checks to the files as well."""

from __future__ import annotations

from pathlib import Path

from portal.catalogs.check import catalog_problems, main
from portal.config import TRANSLATED_LANGUAGES
from tests.catalogs.conftest import copy_catalogs


def test_the_repository_catalogs_pass(capsys) -> None:
    root = Path(__file__).resolve().parents[2] / "translations"
    assert main([str(root), "it", "fr"]) == 0
    assert "100 % translated" in capsys.readouterr().out


def test_without_languages_every_translated_language_is_checked(capsys) -> None:
    root = Path(__file__).resolve().parents[2] / "translations"
    assert main([str(root)]) == 0
    assert (
        f"catalogs {', '.join(TRANSLATED_LANGUAGES)}: 100 % translated" in capsys.readouterr().out
    )


def test_a_broken_placeholder_in_a_file_is_reported(tmp_path: Path) -> None:
    directory = copy_catalogs(tmp_path / "translations")
    po = directory / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text()
        .replace('msgstr "Bonjour {name}"', 'msgstr "Bonjour {nom}"')
        .replace('msgstr "Ouverte"', 'msgstr "<b>Ouverte</b>"')
    )
    problems = catalog_problems(directory, "fr")
    assert "fr: 'Hello {name}, welcome back': placeholders_missing {name}" in problems
    assert "fr: 'Hello {name}, welcome back': placeholders_unknown {nom}" in problems
    assert "fr: 'Open': html_tags </b> <b>" in problems
    assert any("untranslated" in problem for problem in problems)  # the <strong> example
