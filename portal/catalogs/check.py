"""`python -m portal.catalogs.check DIR [LANG...]`: fail unless each catalog is complete and
sound; without LANG, every language translators edit."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po

from portal.catalogs.progress import catalog_progress
from portal.config import TRANSLATED_LANGUAGES
from portal.domain.translation_checks import SourceEntry, check_translation, errors_of


def catalog_problems(translations_dir: Path, language: str) -> list[str]:
    """Untranslated or fuzzy entries and Babel's placeholder checks, as readable lines."""
    progress = catalog_progress(translations_dir, language)
    problems = []
    if progress.fuzzy:
        problems.append(f"{language}: {progress.fuzzy} fuzzy entries")
    if progress.untranslated:
        problems.append(f"{language}: {progress.untranslated} untranslated entries")
    po_path = translations_dir / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message, errors in catalog.check():
        for error in errors:
            problems.append(f"{language}: {message.id!r}: {error}")
    # The editor's errors: placeholders of every kind, a literal %, plural count, markup, line
    # breaks, blank forms. Its warnings are the translators' to confirm, and pofilter's.
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        formatted = "python-format" in message.flags
        if isinstance(message.id, str):
            assert isinstance(message.string, str)  # read_po gives a singular entry one text
            source, strings = SourceEntry(message.id, python_format=formatted), [message.string]
        else:
            singular, plural = message.id
            source = SourceEntry(singular, plural, python_format=formatted)
            strings = list(message.string or ())
        found = check_translation(
            source, strings, catalog.num_plurals, language=language, plural_expr=catalog.plural_expr
        )
        for problem in errors_of(found):
            problems.append(f"{language}: {message.id!r}: {problem.code} {' '.join(problem.items)}")
    return problems


def main(argv: list[str]) -> int:
    """Print each problem; exit 1 if there is any."""
    directory, *languages = argv
    languages = languages or list(TRANSLATED_LANGUAGES)
    problems = [p for lang in languages for p in catalog_problems(Path(directory), lang)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"catalogs {', '.join(languages)}: 100 % translated, none fuzzy, placeholders match")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
