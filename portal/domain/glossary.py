"""A language's glossary: which English terms the catalog translates one way, and the check
that a translation keeps to it (Weblate's "Does not follow glossary"). Pure: no Flask.

An English term is found in a source as a whole word, whatever its case, also in the plural
("invoice" finds "Invoices", "credit note" finds "credit notes"). A translation follows the
glossary when one of the term's accepted forms (the translation and its variants: plurals,
elisions) appears in it as a whole word, whatever its case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

TERM_MAX_LENGTH = 80
TRANSLATION_MAX_LENGTH = 120
VARIANTS_MAX_LENGTH = 400
NOTE_MAX_LENGTH = 500
# A term is words: letters, digits, spaces, hyphens and apostrophes (no markup, no pattern).
TERM_TEXT = re.compile(r"[^\W_](?:[\w' \u2019-]*[^\W_])?\Z")
# Where a word may not continue: a letter or digit right before or after is part of a longer
# word ("plan" is not in "planned", "pack" not in "package").
_NOT_AFTER_WORD = r"(?<![^\W_])"
_NOT_BEFORE_WORD = r"(?![^\W_])"


class TermProblem(StrEnum):
    """Why a term cannot go into the glossary (from a form or a glossary file)."""

    TERM_MISSING = "term_missing"
    TERM_NOT_WORDS = "term_not_words"
    TERM_TOO_LONG = "term_too_long"
    TRANSLATION_MISSING = "translation_missing"
    TRANSLATION_TOO_LONG = "translation_too_long"
    VARIANTS_TOO_LONG = "variants_too_long"
    NOTE_TOO_LONG = "note_too_long"


def joined_variants(text: str) -> str:
    """The other forms as the glossary stores them: once each, separated by ", "."""
    return ", ".join(split_variants(text))


def term_problems(
    term: str, translation: str, variants: str = "", note: str = ""
) -> list[TermProblem]:
    """What is wrong with a term as it would be stored (spaces tidied, forms joined, the key
    case-folded: "ß" folds to "ss", so the key can be longer than the term)."""
    problems = []
    words = " ".join(term.split())
    if not words:
        problems.append(TermProblem.TERM_MISSING)
    elif not TERM_TEXT.match(words):
        problems.append(TermProblem.TERM_NOT_WORDS)
    if max(len(words), len(term_key(words))) > TERM_MAX_LENGTH:
        problems.append(TermProblem.TERM_TOO_LONG)
    if not translation.strip():
        problems.append(TermProblem.TRANSLATION_MISSING)
    elif len(translation.strip()) > TRANSLATION_MAX_LENGTH:
        problems.append(TermProblem.TRANSLATION_TOO_LONG)
    if len(joined_variants(variants)) > VARIANTS_MAX_LENGTH:
        problems.append(TermProblem.VARIANTS_TOO_LONG)
    if len(note.strip()) > NOTE_MAX_LENGTH:
        problems.append(TermProblem.NOTE_TOO_LONG)
    return problems


def term_key(term: str) -> str:
    """The term as the glossary keys it: case-folded, single spaces."""
    return " ".join(term.split()).casefold()


def split_variants(text: str) -> tuple[str, ...]:
    """Comma-separated forms, trimmed, empty ones dropped, each once."""
    return tuple(dict.fromkeys(piece.strip() for piece in text.split(",") if piece.strip()))


def _plain(text: str) -> str:
    """The typographic apostrophe (U+2019) as the plain one, as typists mix them."""
    return text.replace("\u2019", "'")


def _words_pattern(text: str, english_plural: bool) -> str:
    """A regular expression finding `text` as whole words, any run of spaces between them."""
    words = [re.escape(word) for word in _plain(text).split()]
    pattern = r"\s+".join(words)
    if english_plural:
        pattern += "(?:s|es)?"
    return _NOT_AFTER_WORD + pattern + _NOT_BEFORE_WORD


@dataclass(frozen=True)
class Term:
    """One glossary term: the English, its translation, other accepted forms and a note."""

    term: str
    translation: str
    variants: tuple[str, ...] = ()
    note: str = ""

    @cached_property
    def _in_source(self) -> re.Pattern[str]:
        return re.compile(_words_pattern(self.term, english_plural=True), re.IGNORECASE)

    @cached_property
    def _in_translation(self) -> re.Pattern[str]:
        forms = "|".join(_words_pattern(form, False) for form in self.accepted)
        return re.compile(f"(?:{forms})", re.IGNORECASE)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every form a translation may use: the translation first, then the variants."""
        return tuple(dict.fromkeys([self.translation, *self.variants]))

    def found_in_source(self, text: str) -> bool:
        """The English text uses the term."""
        return bool(self._in_source.search(_plain(text)))

    def followed_by(self, translation: str) -> bool:
        """The translation uses one of the accepted forms."""
        return bool(self._in_translation.search(_plain(translation)))


def terms_in(source: str, glossary: Iterable[Term]) -> list[Term]:
    """The glossary terms an English text uses, longest first ("open invoice" before
    "invoice"; both are listed when the text uses the longer one)."""
    found: list[Term] = []
    for term in sorted(glossary, key=lambda item: -len(item.term)):
        if term.found_in_source(source):
            found.append(term)
    return found


def not_followed(source: str, translation: str, glossary: Iterable[Term]) -> list[Term]:
    """The terms the source uses whose accepted forms the translation lacks.

    A shorter term inside a longer one that the translation follows is not asked for again:
    "open invoice" translated "fattura da pagare" also counts for "invoice".
    """
    used = terms_in(source, glossary)
    missing: list[Term] = []
    followed: list[Term] = []
    for term in used:
        if term.followed_by(translation):
            followed.append(term)
        elif not any(_inside(term, longer) for longer in followed):
            missing.append(term)
    return missing


def _inside(short: Term, longer: Term) -> bool:
    """The shorter term's words are part of the longer term ("invoice" in "open invoice")."""
    return short is not longer and short.found_in_source(longer.term)
