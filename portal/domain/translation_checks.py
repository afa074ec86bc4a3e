"""Checks of a translation, as Weblate has them: pure functions, no Flask.

Each problem is a code with its details; the editor translates it when it shows it. ERRORS
refuse the save (they break a page, the formatting or `msgfmt -c`); WARNINGS ask the
translator to confirm (sloppy rather than broken). Where translate-toolkit's checks
(`translate.filters.checks`, the ones `pofilter` runs) fit, they are used rather than
written again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from gettext import c2py
from html.parser import HTMLParser

from translate.filters import checks as toolkit

from portal.domain.glossary import Term, not_followed

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

# Zero-width characters: invisible, they split words for search and break copy-paste.
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
# French wants a no-break space (U+00A0) or a narrow one (U+202F) before these.
FRENCH_HIGH_PUNCTUATION = re.compile(r"(?P<before>.)(?P<mark>[:;!?])(?=\s|$)", re.DOTALL)
FRENCH_SPACES = "\u00a0\u202f"
# Words written the same in English and the language: a source made only of these (and
# placeholders) may stay unchanged. Names and codes first, then each language's own cognates;
# a short, reviewed list: add a word only when the catalog really keeps it.
NAMES_KEPT = frozenset(
    ["Visa", "Mastercard", "PayPal", "Stripe", "PDF", "IBAN", "BIC", "SEPA", "OK", "CSV", "XML"]
)
SAME_WORDS: dict[str, frozenset[str]] = {
    "it": frozenset(["standard", "pro", "staff", "e-mail", "password", "account", "team", "menu"]),
    "fr": frozenset(
        [
            "standard",
            "pro",
            "agent",
            "agents",
            "e-mail",
            "menu",
            "description",
            "date",
            "total",
            "note",
            "pages",
            "actions",
            "message",
            "pack",
            "packs",
            "document",
        ]
    ),
}
WORD = re.compile(r"[^\W\d_][\w-]*")


# A place's length limit, written in a translator comment or a flag of the entry
# ("Translators: the button is narrow, max-length:18"), as Weblate reads it.
MAX_LENGTH_MARK = re.compile(r"\bmax-length:(\d+)\b")
# The name flask-babel's ngettext gives the count: a plural form may leave it out.
COUNT_PLACEHOLDERS = frozenset(["%(num)d", "%(num)s", "{num}"])


class Severity(StrEnum):
    """An error refuses the save; a warning asks for confirmation."""

    ERROR = "error"
    WARNING = "warning"


class ProblemCode(StrEnum):
    """What a check found: the first ones refuse the save, the last ones are warnings."""

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
    BLANK = "blank"
    PERCENT_DOUBLED = "percent_doubled"
    # Warnings from here on.
    EDGE_WHITESPACE = "edge_whitespace"
    DOUBLE_SPACE = "double_space"
    TABS = "tabs"
    UNCHANGED = "unchanged"
    END_PUNCTUATION = "end_punctuation"
    FRENCH_SPACING = "french_spacing"
    ZERO_WIDTH = "zero_width"
    INCONSISTENT = "inconsistent"
    LONGER_THAN_PLACE = "longer_than_place"
    GLOSSARY = "glossary"

    @property
    def severity(self) -> Severity:
        """Whether this check refuses the save or asks for confirmation."""
        return Severity.WARNING if self in WARNING_CODES else Severity.ERROR


WARNING_CODES = frozenset(
    [
        ProblemCode.EDGE_WHITESPACE,
        ProblemCode.DOUBLE_SPACE,
        ProblemCode.TABS,
        ProblemCode.UNCHANGED,
        ProblemCode.END_PUNCTUATION,
        ProblemCode.FRENCH_SPACING,
        ProblemCode.ZERO_WIDTH,
        ProblemCode.INCONSISTENT,
        ProblemCode.LONGER_THAN_PLACE,
        ProblemCode.GLOSSARY,
    ]
)


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a translation; `form` is the plural form index, if any."""

    code: ProblemCode
    form: int | None = None
    items: tuple[str, ...] = field(default=())

    @property
    def is_error(self) -> bool:
        """Refuses the save."""
        return self.code.severity is Severity.ERROR


@dataclass(frozen=True)
class SourceEntry:
    """What a translation is checked against: the English text and its plural."""

    msgid: str
    msgid_plural: str | None = None
    # Formatted with variables (the python-format flag): None reads it off the source.
    python_format: bool | None = None
    max_length: int | None = None

    @property
    def is_plural(self) -> bool:
        """Has a plural form."""
        return bool(self.msgid_plural)

    @property
    def formatted(self) -> bool:
        """The text goes through `%` with variables, so a literal percent is written `%%`."""
        if self.python_format is not None:
            return self.python_format
        return bool(percent_placeholders(self.msgid)[0]) or "%%" in self.msgid

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


def _is_named(placeholder: str) -> bool:
    """`%(name)s`, `{name}` or `{0}`: found by name, so it may be used twice or in any order."""
    return placeholder.startswith("%(") or (placeholder.startswith("{") and placeholder != "{}")


def _by_use(found: Counter[str]) -> Counter[str]:
    """Named placeholders once each (using one twice is fine); positional ones counted."""
    return Counter({item: 1 if _is_named(item) else count for item, count in found.items()})


def format_problems(
    source: str, translation: str, form: int | None, may_omit: frozenset[str] = frozenset()
) -> list[Problem]:
    """Placeholders missing, unknown, or written with flags, a width or a precision the
    source's do not have (`%(name)2000000s` makes a page megabytes; `%(x).0s` blanks it).

    A named placeholder may appear twice; those in `may_omit` (the count, in a plural form
    used for one number only: Italian "un agente") may be left out.
    """
    wanted = _by_use(placeholders(source))
    found = _by_use(placeholders(translation))
    missing = wanted - found
    for item in may_omit:
        del missing[item]
    unknown = found - wanted
    wanted_names = {placeholder_name(item) for item in wanted}
    respelled = sorted(item for item in unknown if placeholder_name(item) in wanted_names)
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


def percent_problems(source: SourceEntry, text: str, form: int | None) -> list[Problem]:
    """A literal percent: `%%` where the text is formatted with variables, a lone `%` where it
    is not (there `%%` reaches the customer as it is: "0%% cambiato")."""
    if source.formatted:
        if percent_placeholders(text)[1] > percent_placeholders(source.source_for_form(0))[1]:
            return [Problem(ProblemCode.LONE_PERCENT, form)]
    elif text.count("%%") > source.source_for_form(form or 0).count("%%"):
        return [Problem(ProblemCode.PERCENT_DOUBLED, form)]
    return []


def check_form(
    source_text: str,
    translation: str,
    form: int | None,
    source: SourceEntry | None = None,
    may_omit: frozenset[str] = frozenset(),
) -> list[Problem]:
    """The errors of one translated form against its source text."""
    source = source or SourceEntry(source_text)
    problems: list[Problem] = []
    # Blank is refused where the source says something (a source of white space alone, such
    # as a line break, is translated by itself).
    if not translation.strip() and source_text.strip():
        return [Problem(ProblemCode.BLANK, form)]
    if FORBIDDEN_CHARACTER.search(translation):
        problems.append(Problem(ProblemCode.CONTROL_CHARACTER, form))
    if len(translation) > MAX_TRANSLATION_LENGTH:
        problems.append(Problem(ProblemCode.TOO_LONG, form))
        return problems
    problems.extend(format_problems(source_text, translation, form, may_omit))
    if line_breaks_differ(source_text, translation):
        problems.append(Problem(ProblemCode.LINE_BREAKS, form))
    problems.extend(percent_problems(source, translation, form))
    problems.extend(markup_problems(source_text, translation, form))
    return problems


@lru_cache(maxsize=8)
def _toolkit_checker(language: str) -> toolkit.StandardChecker:
    """translate-toolkit's standard checker (pofilter's default) for a target language."""
    return toolkit.StandardChecker(toolkit.CheckerConfig(targetlanguage=language or None))


# The translate-toolkit checks used as they are, and the warning each one gives.
TOOLKIT_WARNINGS = (
    ("startwhitespace", ProblemCode.EDGE_WHITESPACE),
    ("endwhitespace", ProblemCode.EDGE_WHITESPACE),
    ("doublespacing", ProblemCode.DOUBLE_SPACE),
    ("tabs", ProblemCode.TABS),
    ("endpunc", ProblemCode.END_PUNCTUATION),
    ("unchanged", ProblemCode.UNCHANGED),
)


def _toolkit_fails(language: str, check: str, source: str, translation: str) -> bool:
    """Whether translate-toolkit's check `check` fails the pair (it raises, or says False)."""
    try:
        return not getattr(_toolkit_checker(language), check)(source, translation)
    except toolkit.FilterFailure:
        return True


def kept_as_is(source_text: str, language: str) -> bool:
    """The source is only names, codes and words the language writes the same (and
    placeholders): leaving it unchanged is right."""
    words = WORD.findall(
        " ".join(piece for piece, held in split_placeholders(source_text) if not held)
    )
    same = SAME_WORDS.get(language, frozenset())
    return all(word in NAMES_KEPT or word.casefold() in same for word in words)


def french_spacing_missing(translation: str) -> tuple[str, ...]:
    """The marks `: ; ! ?` ending a word with no no-break space (U+00A0 or U+202F) before
    them; a colon inside "10:30" or "https://" is not one."""
    return tuple(
        match.group("mark")
        for match in FRENCH_HIGH_PUNCTUATION.finditer(translation)
        if match.group("before") not in FRENCH_SPACES
    )


def warning_problems(
    source: SourceEntry, source_text: str, translation: str, form: int | None, language: str
) -> list[Problem]:
    """What the translator is asked to confirm for one form."""
    problems: list[Problem] = []
    seen: set[ProblemCode] = set()
    # translate-toolkit knows U+00A0 before French punctuation, not the narrow U+202F.
    compared = translation.replace("\u202f", "\u00a0") if language == "fr" else translation
    for check, code in TOOLKIT_WARNINGS:
        if code in seen or (code is ProblemCode.UNCHANGED and kept_as_is(source_text, language)):
            continue
        if _toolkit_fails(language, check, source_text, compared):
            seen.add(code)
            problems.append(Problem(code, form))
    if language == "fr":
        marks = french_spacing_missing(translation)
        if marks:
            problems.append(Problem(ProblemCode.FRENCH_SPACING, form, tuple(sorted(set(marks)))))
    if ZERO_WIDTH.search(translation) and not ZERO_WIDTH.search(source_text):
        problems.append(Problem(ProblemCode.ZERO_WIDTH, form))
    if source.max_length is not None and len(translation) > source.max_length:
        problems.append(Problem(ProblemCode.LONGER_THAN_PLACE, form, (str(source.max_length),)))
    return problems


@lru_cache(maxsize=16)
def single_number_forms(plural_expr: str, plural_count: int) -> frozenset[int]:
    """The plural forms used for exactly one number (Italian's "1"): the count may go there."""
    return frozenset(
        index
        for index, numbers in enumerate(plural_examples(plural_expr, plural_count))
        if len(numbers) == 1
    )


def check_translation(
    source: SourceEntry,
    strings: list[str],
    plural_count: int,
    *,
    language: str = "",
    plural_expr: str | None = None,
    elsewhere: tuple[tuple[str, ...], ...] = (),
    glossary: tuple[Term, ...] = (),
) -> list[Problem]:
    """Every problem of a translation, errors first; an empty one (all forms blank) has none.

    `elsewhere` holds the translations of the same source text in the catalog's other
    entries (another context); `plural_expr` tells which forms stand for one number only;
    `glossary` the language's terms a translation should keep to.
    """
    expected = plural_count if source.is_plural else 1
    if len(strings) != expected:
        return [Problem(ProblemCode.PLURAL_COUNT, items=(str(expected), str(len(strings))))]
    if not any(strings):
        return []
    problems: list[Problem] = []
    if source.is_plural and not all(strings):
        blank = tuple(str(index) for index, text in enumerate(strings) if not text)
        problems.append(Problem(ProblemCode.PLURAL_INCOMPLETE, items=blank))
    single = (
        single_number_forms(plural_expr, plural_count)
        if source.is_plural and plural_expr
        else frozenset()
    )
    warnings: list[Problem] = []
    for index, text in enumerate(strings):
        if text:
            form = index if source.is_plural else None
            source_text = source.source_for_form(index)
            may_omit = COUNT_PLACEHOLDERS if index in single else frozenset()
            problems.extend(check_form(source_text, text, form, source, may_omit))
            if text.strip():
                warnings.extend(warning_problems(source, source_text, text, form, language))
                warnings.extend(glossary_problems(source_text, text, form, glossary))
    differing = tuple(
        " | ".join(other)
        for other in dict.fromkeys(elsewhere)
        if all(other) and list(other) != strings
    )
    if differing:
        warnings.append(Problem(ProblemCode.INCONSISTENT, items=differing))
    return problems + warnings


def _words_only(text: str) -> str:
    """The text with each placeholder blanked out."""
    return "".join(" " if held else piece for piece, held in split_placeholders(text))


def glossary_problems(
    source_text: str, translation: str, form: int | None, glossary: tuple[Term, ...]
) -> list[Problem]:
    """The glossary terms of the source that the translation does not use, as "term → its
    translation"."""
    if not glossary:
        return []
    # "%(package)s" names a value, not the word: only the texts' own words count.
    missing = not_followed(_words_only(source_text), _words_only(translation), glossary)
    if not missing:
        return []
    items = tuple(f"{term.term} → {term.translation}" for term in missing)
    return [Problem(ProblemCode.GLOSSARY, form, items)]


def errors_of(problems: list[Problem]) -> list[Problem]:
    """The problems that refuse a save."""
    return [problem for problem in problems if problem.is_error]


def warnings_of(problems: list[Problem]) -> list[Problem]:
    """The problems a translator may confirm."""
    return [problem for problem in problems if not problem.is_error]


def max_length_of(comments: list[str], flags: list[str]) -> int | None:
    """The place's length limit an entry's comments or flags give (`max-length:18`)."""
    for text in [*flags, *comments]:
        match = MAX_LENGTH_MARK.search(text)
        if match:
            return int(match.group(1))
    return None


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
