"""Checks a translation must pass before it is saved: pure functions, no Flask.

Each problem is a code with its details; the editor translates it when it shows it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from gettext import c2py
from html.parser import HTMLParser

MAX_TRANSLATION_LENGTH = 4000

# A printf conversion as Python's %-operator reads it: %(name)s, %d, %5.2f, %%.
PERCENT_TOKEN = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<flags>[#0 +-]*)(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<kind>[diouxXeEfFgGcrsa%])"
)
BRACE_TOKEN = re.compile(r"\{\{|\}\}|\{(?P<field>[^{}]*)\}")
BRACE_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*|\d*")
# What is left of markup in text once a parser took out every complete tag: an opening that
# never closed ("<img src=x onerror=…" at the end of a text, "<!-- " blanking the page).
UNFINISHED_MARKUP = re.compile(r"<[A-Za-z/!?]")
# Elements that have no end tag.
VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
# Control characters (tab and line feed are text) and the text-direction marks, overrides and
# isolates that make "100" read as "001": the same the portal's forms refuse.
FORBIDDEN_CHARACTER = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


class ProblemCode(StrEnum):
    """Why a translation is refused."""

    PLACEHOLDERS_MISSING = "placeholders_missing"
    PLACEHOLDERS_UNKNOWN = "placeholders_unknown"
    LONE_PERCENT = "lone_percent"
    PLURAL_COUNT = "plural_count"
    PLURAL_INCOMPLETE = "plural_incomplete"
    HTML_TAGS = "html_tags"
    MARKUP = "markup"
    ENTITIES = "entities"
    UNBALANCED_TAGS = "unbalanced_tags"
    FORMAT_SPEC = "format_spec"
    LINE_BREAKS = "line_breaks"
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
    """The %-placeholders of `text` as written (`%(name)s`, `%5.2f`; `%%` excluded) and how
    many lone `%` it has."""
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
            placeholders.append(match.group(0))
        position = match.end()


def placeholder_name(placeholder: str) -> str:
    """A %-placeholder without its flags, width and precision: `%(name)2000000s` -> `%(name)s`."""
    match = PERCENT_TOKEN.fullmatch(placeholder)
    if match is None:
        return placeholder
    name = match.group("name")
    return f"%({name}){match.group('kind')}" if name is not None else f"%{match.group('kind')}"


def brace_placeholders(text: str) -> list[str]:
    """The `{name}` placeholders of `text` (doubled braces are literal)."""
    return [match.group(0) for match in BRACE_TOKEN.finditer(text) if _is_brace_field(match)]


def _is_brace_field(match: re.Match[str]) -> bool:
    """A `{…}` that str.format reads as a field: `{name}`, `{0}`, `{}`; not `{"a": 1}`."""
    name = match.group("field")
    return name is not None and BRACE_FIELD.fullmatch(name) is not None


def placeholders(text: str) -> Counter[str]:
    """Every placeholder of `text`, counted."""
    percent, _lone = percent_placeholders(text)
    return Counter(percent) + Counter(brace_placeholders(text))


@dataclass(frozen=True)
class MarkupFound:
    """The markup of a text: its tags as written (attributes sorted), each comment,
    declaration, entity and unfinished opening, the order tags open and close in, and each
    tag's attributes with their values (what a translation of this text may keep)."""

    tags: Counter[str]
    other: Counter[str]
    sequence: tuple[tuple[str, str], ...]
    allowed: dict[str, dict[str, set[str]]]


class _MarkupReader(HTMLParser):
    """Python's HTML tokenizer, recording markup instead of acting on it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: Counter[str] = Counter()
        self.other: Counter[str] = Counter()
        self.sequence: list[tuple[str, str]] = []
        self.allowed: dict[str, dict[str, set[str]]] = {}
        self.data: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        listed = "".join(
            f' {name}="{value}"' if value is not None else f" {name}"
            for name, value in sorted(attrs)
        )
        self.tags[f"<{tag}{listed}{' /' if closed else ''}>"] += 1
        allowed = self.allowed.setdefault(tag, {})
        for name, value in attrs:
            allowed.setdefault(name, set()).add(value or "")
        self.data.append(" ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=False)
        if tag not in VOID_ELEMENTS:
            self.sequence.append(("open", tag))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        self.tags[f"</{tag}>"] += 1
        if tag not in VOID_ELEMENTS:
            self.sequence.append(("close", tag))
        self.data.append(" ")

    def handle_data(self, data: str) -> None:
        self.data.append(data)

    def handle_comment(self, data: str) -> None:
        self.other[f"<!--{data}-->"] += 1

    def handle_decl(self, decl: str) -> None:
        self.other[f"<!{decl}>"] += 1

    def unknown_decl(self, data: str) -> None:
        self.other[f"<![{data}]>"] += 1

    def handle_pi(self, data: str) -> None:
        self.other[f"<?{data}>"] += 1

    def handle_entityref(self, name: str) -> None:
        self.other[f"&{name};"] += 1

    def handle_charref(self, name: str) -> None:
        self.other[f"&#{name};"] += 1


def markup_of(text: str) -> MarkupFound:
    """Every piece of markup in `text`, read by Python's HTML tokenizer."""
    reader = _MarkupReader()
    reader.feed(text)
    reader.close()
    other = reader.other
    for match in UNFINISHED_MARKUP.finditer("".join(reader.data)):
        other[match.group(0)] += 1
    return MarkupFound(reader.tags, other, tuple(reader.sequence), reader.allowed)


def carries_markup(text: str) -> bool:
    """True when a source text is HTML rather than plain text (a tag or an entity in it)."""
    if "<" not in text and "&" not in text:
        return False
    found = markup_of(text)
    return bool(found.tags or any(item.startswith("&") for item in found.other))


def html_tags(text: str) -> set[str]:
    """The tag names in `text`, written as `<b>` or `</b>`."""
    tags = set()
    for tag in markup_of(text).tags:
        closing = tag.startswith("</")
        name = re.match(r"</?([^\s/>]+)", tag)
        if name:
            tags.add(f"<{'/' if closing else ''}{name.group(1)}>")
    return tags


def _balanced(sequence: tuple[tuple[str, str], ...]) -> bool:
    """Each opened element closed, in order."""
    open_elements: list[str] = []
    for action, tag in sequence:
        if action == "open":
            open_elements.append(tag)
        elif not open_elements or open_elements.pop() != tag:
            return False
    return not open_elements


def markup_problems(source: str, translation: str, form: int | None) -> list[Problem]:
    """A translation is text: it may hold only the source's own tags, balanced, and no other
    markup (no comment, declaration, entity or unfinished tag the source does not have)."""
    if "<" not in translation and "&" not in translation:
        return []
    wanted = markup_of(source)
    found = markup_of(translation)
    problems = []
    extra_tags = found.tags - wanted.tags
    if extra_tags:
        names = html_tags("".join(extra_tags))
        problems.append(Problem(ProblemCode.HTML_TAGS, form, tuple(sorted(names or extra_tags))))
    extra_other = found.other - wanted.other
    entities = tuple(sorted(item for item in extra_other if item.startswith("&")))
    other = tuple(sorted(item for item in extra_other if not item.startswith("&")))
    if other:
        problems.append(Problem(ProblemCode.MARKUP, form, other))
    if entities:
        problems.append(Problem(ProblemCode.ENTITIES, form, entities))
    if not extra_tags and _balanced(wanted.sequence) and not _balanced(found.sequence):
        problems.append(Problem(ProblemCode.UNBALANCED_TAGS, form))
    return problems


def format_problems(source: str, translation: str, form: int | None) -> list[Problem]:
    """Placeholders missing, unknown, or written with flags, a width or a precision the
    source's do not have (`%(name)2000000s` makes a page megabytes; `%(x).0s` blanks it)."""
    wanted = placeholders(source)
    found = placeholders(translation)
    missing = wanted - found
    unknown = found - wanted
    respelled = sorted(
        item for item in unknown if placeholder_name(item) in {placeholder_name(m) for m in missing}
    )
    for item in respelled:
        unknown[item] -= 1
        for candidate in list(missing):
            if placeholder_name(candidate) == placeholder_name(item) and missing[candidate] > 0:
                missing[candidate] -= 1
                break
    missing, unknown = +missing, +unknown
    problems = []
    if missing:
        problems.append(Problem(ProblemCode.PLACEHOLDERS_MISSING, form, tuple(sorted(missing))))
    if unknown:
        problems.append(Problem(ProblemCode.PLACEHOLDERS_UNKNOWN, form, tuple(sorted(unknown))))
    if respelled:
        problems.append(Problem(ProblemCode.FORMAT_SPEC, form, tuple(respelled)))
    return problems


def line_breaks_differ(source: str, translation: str) -> bool:
    """A line break where the source has none (an e-mail subject cannot hold one), or a text
    that starts or ends with one unlike its source (`msgfmt -c` refuses the catalog)."""
    if "\n" in translation and "\n" not in source:
        return True
    return translation.startswith("\n") != source.startswith("\n") or translation.endswith(
        "\n"
    ) != source.endswith("\n")


def check_form(source: str, translation: str, form: int | None) -> list[Problem]:
    """The problems of one translated form against its source text."""
    problems: list[Problem] = []
    if FORBIDDEN_CHARACTER.search(translation):
        problems.append(Problem(ProblemCode.CONTROL_CHARACTER, form))
    if len(translation) > MAX_TRANSLATION_LENGTH:
        problems.append(Problem(ProblemCode.TOO_LONG, form))
        return problems
    problems.extend(format_problems(source, translation, form))
    if line_breaks_differ(source, translation):
        problems.append(Problem(ProblemCode.LINE_BREAKS, form))
    if percent_placeholders(translation)[1] > percent_placeholders(source)[1]:
        problems.append(Problem(ProblemCode.LONE_PERCENT, form))
    problems.extend(markup_problems(source, translation, form))
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
        if _is_brace_field(match):
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
