"""How complete each message catalog is, read from its .po file."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from portal.domain.translation_progress import CatalogProgress


def _is_translated(message_string: str | tuple[str, ...] | list[str] | None) -> bool:
    """Every plural form (or the single form) is filled in."""
    if isinstance(message_string, tuple | list):
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
