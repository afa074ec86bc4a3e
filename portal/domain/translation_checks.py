"""Checks a translation must pass before it is saved: pure functions, no Flask.

Each problem is a code with its details; the editor translates it when it shows it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from gettext import c2py

MAX_TRANSLATION_LENGTH = 4000

# A printf conversion as Python's %-operator reads it: %(name)s, %d, %5.2f, %%.
PERCENT_TOKEN = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<flags>[#0 +-]*)(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<kind>[diouxXeEfFgGcrsa%])"
)
BRACE_TOKEN = re.compile(r"\{\{|\}\}|\{(?P<field>[^{}]*)\}")
HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?/?>")
FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ProblemCode(StrEnum):
    """Why a translation is refused."""

    PLACEHOLDERS_MISSING = "placeholders_missing"
    PLACEHOLDERS_UNKNOWN = "placeholders_unknown"
    LONE_PERCENT = "lone_percent"
    PLURAL_COUNT = "plural_count"
    PLURAL_INCOMPLETE = "plural_incomplete"
    HTML_TAGS = "html_tags"
    CONTROL_CHARACTER = "control_character"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a translation; `form` is the plural form index, if any."""

    code: ProblemCode
    form: int | None = None
    items: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SourceEntry:
    """What a translation is checked against: the English text and its plural."""

    msgid: str
    msgid_plural: str | None = None

    @property
    def is_plural(self) -> bool:
        """Has a plural form."""
        return bool(self.msgid_plural)

    def source_for_form(self, form: int) -> str:
        """Plural form 0 answers the singular; every other form the plural."""
        if self.msgid_plural and form > 0:
            return self.msgid_plural
        return self.msgid


def percent_placeholders(text: str) -> tuple[list[str], int]:
    """The %-placeholders of `text` (`%%` excluded) and how many lone `%` it has."""
    placeholders: list[str] = []
    position = 0
    lone = 0
    while True:
        start = text.find("%", position)
        if start < 0:
            return placeholders, lone
        match = PERCENT_TOKEN.match(text, start)
        # "% s" parses as a conversion with the space flag, but nobody writes that on purpose.
        if match is None or " " in match.group("flags"):
            lone += 1
            position = start + 1
            continue
        if match.group("kind") != "%":
            name = match.group("name")
            placeholders.append(
                f"%({name}){match.group('kind')}" if name is not None else f"%{match.group('kind')}"
            )
        position = match.end()


def brace_placeholders(text: str) -> list[str]:
    """The `{name}` placeholders of `text` (doubled braces are literal)."""
    found = []
    for match in BRACE_TOKEN.finditer(text):
        name = match.group("field")
        if name is not None and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*|\d*", name):
            found.append("{" + name + "}")
    return found


def placeholders(text: str) -> Counter[str]:
    """Every placeholder of `text`, counted."""
    percent, _lone = percent_placeholders(text)
    return Counter(percent) + Counter(brace_placeholders(text))


def html_tags(text: str) -> set[str]:
    """The HTML tags in `text`, written as `<b>` or `</b>`."""
    tags = set()
    for match in HTML_TAG.finditer(text):
        closing = match.group(0).startswith("</")
        tags.add(f"<{'/' if closing else ''}{match.group(1).lower()}>")
    return tags


def check_form(source: str, translation: str, form: int | None) -> list[Problem]:
    """The problems of one translated form against its source text."""
    problems: list[Problem] = []
    if FORBIDDEN_CHARACTER.search(translation):
        problems.append(Problem(ProblemCode.CONTROL_CHARACTER, form))
    if len(translation) > MAX_TRANSLATION_LENGTH:
        problems.append(Problem(ProblemCode.TOO_LONG, form))
        return problems
    wanted = placeholders(source)
    found = placeholders(translation)
    missing = wanted - found
    unknown = found - wanted
    if missing:
        problems.append(Problem(ProblemCode.PLACEHOLDERS_MISSING, form, tuple(sorted(missing))))
    if unknown:
        problems.append(Problem(ProblemCode.PLACEHOLDERS_UNKNOWN, form, tuple(sorted(unknown))))
    if percent_placeholders(translation)[1] > percent_placeholders(source)[1]:
        problems.append(Problem(ProblemCode.LONE_PERCENT, form))
    extra_tags = html_tags(translation) - html_tags(source)
    if extra_tags:
        problems.append(Problem(ProblemCode.HTML_TAGS, form, tuple(sorted(extra_tags))))
    return problems


def check_translation(source: SourceEntry, strings: list[str], plural_count: int) -> list[Problem]:
    """Every problem of a translation; an empty translation (all forms blank) has none."""
    expected = plural_count if source.is_plural else 1
    if len(strings) != expected:
        return [Problem(ProblemCode.PLURAL_COUNT, items=(str(expected), str(len(strings))))]
    if not any(strings):
        return []
    problems: list[Problem] = []
    if source.is_plural and not all(strings):
        blank = tuple(str(index) for index, text in enumerate(strings) if not text)
        problems.append(Problem(ProblemCode.PLURAL_INCOMPLETE, items=blank))
    for index, text in enumerate(strings):
        if text:
            form = index if source.is_plural else None
            problems.extend(check_form(source.source_for_form(index), text, form))
    return problems


def plural_examples(plural_expr: str, plural_count: int, up_to: int = 200) -> list[list[int]]:
    """For each plural form, the numbers (from 0) that pick it: Italian 1 | 0, 2, 3…."""
    choose = c2py(plural_expr)
    examples: list[list[int]] = [[] for _ in range(plural_count)]
    for number in range(up_to + 1):
        form = int(choose(number))
        if 0 <= form < plural_count:
            examples[form].append(number)
    return examples


def split_placeholders(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_placeholder) runs, for highlighting."""
    spans = []
    for match in PERCENT_TOKEN.finditer(text):
        if match.group("kind") != "%" and " " not in match.group("flags"):
            spans.append((match.start(), match.end()))
    for match in BRACE_TOKEN.finditer(text):
        if match.group("field") is not None:
            spans.append((match.start(), match.end()))
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            continue
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces
