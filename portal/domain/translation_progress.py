"""How complete a message catalog is: counts, no I/O."""

from __future__ import annotations

from dataclasses import dataclass


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
