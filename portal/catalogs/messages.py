"""What the translator reads about a refused translation, in the viewer's language."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from portal.catalogs.store import EntryFilter, EntryStatus
from portal.domain.translation_checks import MAX_TRANSLATION_LENGTH, Problem, ProblemCode
from portal.labels import every_member


def _listed(problem: Problem) -> str:
    """The placeholders or tags a problem names, quoted and joined."""
    return ", ".join(f"“{item}”" for item in problem.items)


MESSAGES: dict[ProblemCode, Callable[[Problem], str]] = {
    ProblemCode.PLACEHOLDERS_MISSING: lambda problem: _(
        "Placeholders of the source are missing: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.PLACEHOLDERS_UNKNOWN: lambda problem: _(
        "Placeholders not in the source: %(items)s.", items=_listed(problem)
    ),
    ProblemCode.LONE_PERCENT: lambda problem: _(
        "A lone percent sign breaks the text: write %(escaped)s for a literal one.",
        escaped="“%%”",
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
}


def problem_message(problem: Problem) -> str:
    """One sentence naming the problem, and the plural form it is in."""
    message = MESSAGES[problem.code](problem)
    if problem.form is None:
        return message
    return _("Form %(number)d: %(problem)s", number=problem.form + 1, problem=message)


ENTRY_STATUS_LABELS = every_member(
    EntryStatus,
    {
        EntryStatus.TRANSLATED: lambda: pgettext("entry status", "Translated"),
        EntryStatus.FUZZY: lambda: pgettext("entry status", "Fuzzy"),
        EntryStatus.UNTRANSLATED: lambda: pgettext("entry status", "Untranslated"),
        EntryStatus.OBSOLETE: lambda: pgettext("entry status", "Obsolete"),
    },
)

ENTRY_FILTER_LABELS = every_member(
    EntryFilter,
    {
        EntryFilter.ALL: lambda: _("All entries"),
        EntryFilter.UNTRANSLATED: lambda: pgettext("entries filter", "Untranslated"),
        EntryFilter.FUZZY: lambda: pgettext("entries filter", "Fuzzy"),
        EntryFilter.ERRORS: lambda: _("With errors"),
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
