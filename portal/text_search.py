"""Text search helpers shared by the staff's lists."""

from __future__ import annotations

from portal.domain.text_folding import fold_for_search

__all__ = ["LIKE_ESCAPE", "contains_pattern", "fold_for_search"]

LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its own % and _ taken literally.

    Use it with `escape=LIKE_ESCAPE`.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
