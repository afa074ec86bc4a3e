"""What customers see of a translator's edit: the review state's one rule. Pure: no Flask.

An edit saved reviewed (not fuzzy) is served as it is; blank, it gives the English source. An
edit that needs review (fuzzy) keeps customers on the last reviewed translation: the editor's
last one saved reviewed, else the catalog file's own (which `pybabel compile` never takes
from a fuzzy entry); a reviewed translation that was cleared gives the English source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Shown(StrEnum):
    """Where the text customers see comes from."""

    TEXT = "text"  # these strings
    SOURCE = "source"  # the English source
    FILE = "file"  # the compiled catalog file's translation, as if there were no edit


@dataclass(frozen=True)
class CustomersSee:
    """What customers see for one entry, and the strings when it is a text."""

    shown: Shown
    strings: tuple[str, ...] = ()


def complete(strings: Sequence[str] | None) -> bool:
    """Every form written (a translation the portal can serve)."""
    return bool(strings) and all(strings or ())


def customers_see(
    strings: Sequence[str], fuzzy: bool, reviewed: Sequence[str] | None
) -> CustomersSee:
    """What customers see of an edit: `strings` saved with the `fuzzy` switch, `reviewed` the
    last translation saved reviewed (None: never reviewed in the editor)."""
    if not fuzzy:
        if complete(strings):
            return CustomersSee(Shown.TEXT, tuple(strings))
        return CustomersSee(Shown.SOURCE)
    if reviewed is None:
        return CustomersSee(Shown.FILE)
    if complete(reviewed):
        return CustomersSee(Shown.TEXT, tuple(reviewed))
    return CustomersSee(Shown.SOURCE)


def reviewed_after(
    strings: Sequence[str],
    fuzzy: bool,
    previous_reviewed: Sequence[str] | None,
    file_reviewed: Sequence[str] | None,
) -> list[str] | None:
    """The last reviewed translation once a save is made: the save itself when it is
    reviewed; else the edit's last reviewed one; else the file's (None when it has none)."""
    if not fuzzy:
        return list(strings)
    if previous_reviewed is not None:
        return list(previous_reviewed)
    if file_reviewed is None or not complete(file_reviewed):
        return None
    return list(file_reviewed)
