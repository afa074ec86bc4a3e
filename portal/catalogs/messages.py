"""What the translator reads about a refused translation, in the viewer's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from portal.catalogs.store import EntryFilter, EntryStatus
from portal.domain.translation_checks import MAX_TRANSLATION_LENGTH, Problem, ProblemCode
from portal.labels import every_member


def quoted(text: str) -> str:
    """A piece of text in the viewer's quotation marks (French « … », Italian « … »)."""
    # Translators: quotation marks around a placeholder, tag or term the editor names.
    return pgettext("quoted", "“%(text)s”", text=text)


def _listed(problem: Problem) -> str:
    """The placeholders or tags a problem names, quoted and joined."""
    return ", ".join(quoted(item) for item in problem.items)


MESSAGES: dict[ProblemCode, Callable[[Problem], str]] = {
    ProblemCode.PLACEHOLDERS_MISSING: lambda problem: _(
        "Placeholders of the source are missing: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.PLACEHOLDERS_UNKNOWN: lambda problem: _(
        "Placeholders not in the source: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.LONE_PERCENT: lambda problem: _(
        "A lone percent sign breaks the text: write %(escaped)s for a literal one.",
        escaped=quoted("%%"),
    ),
    ProblemCode.PLURAL_COUNT: lambda problem: ngettext(
        "This entry needs %(num)d plural form.",
        "This entry needs %(num)d plural forms.",
        int(problem.items[0]),
    ),
    ProblemCode.PLURAL_INCOMPLETE: lambda problem: _(
        "Fill in every plural form, or leave them all empty."
    ),
    ProblemCode.HTML_TAGS: lambda problem: _(
        "HTML tags not in the source: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.MARKUP: lambda problem: _(
        "A translation is plain text: remove %(items)s.", items=_listed(problem)
    ),
    ProblemCode.ENTITIES: lambda problem: _(
        "Write the characters themselves, not HTML entities: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.UNBALANCED_TAGS: lambda problem: _(
        "Close every HTML tag of the source, in the source's order."
    ),
    ProblemCode.FORMAT_SPEC: lambda problem: _(
        "Write these placeholders exactly as the source does, without a width, precision "
        "or flag of your own: %(items)s.",
        items=_listed(problem),
    ),
    ProblemCode.LINE_BREAKS: lambda problem: _(
        "Keep the line breaks of the source: none where it has none, and one at the start "
        "or the end only where it has one there."
    ),
    ProblemCode.CONTROL_CHARACTER: lambda problem: _(
        "The text contains an invisible control character: remove it."
    ),
    ProblemCode.TOO_LONG: lambda problem: _(
        "The text is longer than %(max)d characters.", max=MAX_TRANSLATION_LENGTH
    ),
    ProblemCode.BLANK: lambda problem: _(
        "Spaces alone are no translation: write the text, or leave the field empty."
    ),
    ProblemCode.PERCENT_DOUBLED: lambda problem: _(
        "This text is shown as it is, without variables: write a percent sign once "
        "(%(single)s), as %(double)s would show twice.",
        single=quoted("%"),
        double=quoted("%%"),
    ),
    ProblemCode.EDGE_WHITESPACE: lambda problem: _(
        "Spaces at the start or the end differ from the source."
    ),
    ProblemCode.DOUBLE_SPACE: lambda problem: _("Two spaces in a row where the source has one."),
    ProblemCode.TABS: lambda problem: _("A tab the source does not have."),
    ProblemCode.UNCHANGED: lambda problem: _("The translation is the same as the English source."),
    ProblemCode.END_PUNCTUATION: lambda problem: _(
        "The punctuation at the end differs from the source."
    ),
    ProblemCode.FRENCH_SPACING: lambda problem: _(
        "French puts a no-break space before %(items)s.", items=_listed(problem)
    ),
    ProblemCode.ZERO_WIDTH: lambda problem: _(
        "An invisible zero-width character is in the text: remove it."
    ),
    ProblemCode.INCONSISTENT: lambda problem: _(
        "The same source is translated differently elsewhere: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.GLOSSARY: lambda problem: _(
        "The glossary translates these terms another way: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.LONGER_THAN_PLACE: lambda problem: ngettext(
        "Longer than its place allows (%(num)d character).",
        "Longer than its place allows (%(num)d characters).",
        int(problem.items[0]),
    ),
}

# Each check's name, for the editor's filter and beside its message.
CHECK_NAMES: Mapping[ProblemCode, Callable[[], str]] = every_member(
    ProblemCode,
    {
        ProblemCode.PLACEHOLDERS_MISSING: lambda: _("Missing placeholders"),
        ProblemCode.PLACEHOLDERS_UNKNOWN: lambda: _("Unknown placeholders"),
        ProblemCode.LONE_PERCENT: lambda: _("Lone percent sign"),
        ProblemCode.PLURAL_COUNT: lambda: _("Number of plural forms"),
        ProblemCode.PLURAL_INCOMPLETE: lambda: _("Plural forms missing"),
        ProblemCode.HTML_TAGS: lambda: _("HTML tags"),
        ProblemCode.MARKUP: lambda: _("Markup"),
        ProblemCode.ENTITIES: lambda: _("HTML entities"),
        ProblemCode.UNBALANCED_TAGS: lambda: _("Unbalanced tags"),
        ProblemCode.FORMAT_SPEC: lambda: _("Placeholder format"),
        ProblemCode.LINE_BREAKS: lambda: _("Line breaks"),
        ProblemCode.CONTROL_CHARACTER: lambda: _("Control characters"),
        ProblemCode.TOO_LONG: lambda: _("Too long"),
        ProblemCode.BLANK: lambda: _("Blank translation"),
        ProblemCode.PERCENT_DOUBLED: lambda: _("Doubled percent sign"),
        ProblemCode.EDGE_WHITESPACE: lambda: _("Leading or trailing spaces"),
        ProblemCode.DOUBLE_SPACE: lambda: _("Double space"),
        ProblemCode.TABS: lambda: _("Tabs"),
        ProblemCode.UNCHANGED: lambda: _("Unchanged from source"),
        ProblemCode.END_PUNCTUATION: lambda: _("End punctuation"),
        ProblemCode.FRENCH_SPACING: lambda: _("French spacing"),
        ProblemCode.ZERO_WIDTH: lambda: _("Zero-width characters"),
        ProblemCode.INCONSISTENT: lambda: _("Translated two ways"),
        ProblemCode.LONGER_THAN_PLACE: lambda: _("Longer than its place"),
        ProblemCode.GLOSSARY: lambda: _("Glossary not followed"),
    },
)


def check_name(code: ProblemCode | str) -> str:
    """A check's name in words."""
    return CHECK_NAMES[ProblemCode(code)]()


def problem_message(problem: Problem) -> str:
    """One sentence naming the problem, and the plural form it is in."""
    message = MESSAGES[problem.code](problem)
    if problem.form is None:
        return message
    return _("Form %(number)d: %(problem)s", number=problem.form + 1, problem=message)


def warning_message(problem: Problem) -> str:
    """A warning with its check's name first, as the filter names it."""
    return _(
        "%(check)s: %(message)s", check=check_name(problem.code), message=problem_message(problem)
    )


ENTRY_STATUS_LABELS = every_member(
    EntryStatus,
    {
        EntryStatus.TRANSLATED: lambda: pgettext("entry status", "Translated"),
        EntryStatus.FUZZY: lambda: pgettext("entry status", "Needs review"),
        EntryStatus.UNTRANSLATED: lambda: pgettext("entry status", "Untranslated"),
        EntryStatus.OBSOLETE: lambda: pgettext("entry status", "Obsolete"),
    },
)

ENTRY_FILTER_LABELS = every_member(
    EntryFilter,
    {
        EntryFilter.ALL: lambda: _("All entries"),
        EntryFilter.UNTRANSLATED: lambda: pgettext("entries filter", "Untranslated"),
        EntryFilter.FUZZY: lambda: pgettext("entries filter", "Needs review"),
        EntryFilter.ERRORS: lambda: _("With errors"),
        EntryFilter.WARNINGS: lambda: _("With warnings"),
        EntryFilter.CHANGED: lambda: _("Changed since the last export"),
        EntryFilter.OBSOLETE: lambda: _("Obsolete edits"),
    },
)


def entry_status_label(status: EntryStatus | str) -> str:
    """An entry's status in words."""
    return ENTRY_STATUS_LABELS[EntryStatus(status)]()


def entry_filter_label(chosen: EntryFilter | str) -> str:
    """A filter of the editor in words."""
    return ENTRY_FILTER_LABELS[EntryFilter(chosen)]()
