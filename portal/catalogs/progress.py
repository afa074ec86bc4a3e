"""How complete each message catalog is, read from its .po file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po


@dataclass(frozen=True)
class CatalogProgress:
    """Counts of one language's catalog."""

    language: str
    total: int
    translated: int
    fuzzy: int

    @property
    def untranslated(self) -> int:
        """Entries with no translation at all."""
        return self.total - self.translated - self.fuzzy

    @property
    def percent_translated(self) -> float:
        """Share of entries translated and not fuzzy, 0..100."""
        return 100.0 * self.translated / self.total if self.total else 100.0


def _is_translated(message_string: str | tuple[str, ...]) -> bool:
    """Every plural form (or the single form) is filled in."""
    if isinstance(message_string, tuple):
        return all(message_string)
    return bool(message_string)


def catalog_progress(translations_dir: Path, language: str) -> CatalogProgress:
    """Count translated, fuzzy and untranslated entries of `language`."""
    po_path = translations_dir / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    total = translated = fuzzy = 0
    for message in catalog:
        if not message.id:
            continue  # the header
        total += 1
        if message.fuzzy:
            fuzzy += 1
        elif _is_translated(message.string):
            translated += 1
    return CatalogProgress(language=language, total=total, translated=translated, fuzzy=fuzzy)
