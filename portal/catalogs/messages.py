"""What the translator reads about a refused translation, in the viewer's language."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from portal.catalogs.store import EntryFilter, EntryStatus
from portal.domain.translation_checks import MAX_TRANSLATION_LENGTH, Problem, ProblemCode


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


def entry_status_label(status: str) -> str:
    """An entry's status in words."""
    labels = {
        EntryStatus.TRANSLATED: pgettext("entry status", "Translated"),
        EntryStatus.FUZZY: pgettext("entry status", "Fuzzy"),
        EntryStatus.UNTRANSLATED: pgettext("entry status", "Untranslated"),
        EntryStatus.OBSOLETE: pgettext("entry status", "Obsolete"),
    }
    return labels.get(EntryStatus(status), status)


def entry_filter_label(chosen: str) -> str:
    """A filter of the editor in words."""
    labels = {
        EntryFilter.ALL: _("All entries"),
        EntryFilter.UNTRANSLATED: pgettext("entries filter", "Untranslated"),
        EntryFilter.FUZZY: pgettext("entries filter", "Fuzzy"),
        EntryFilter.ERRORS: _("With errors"),
        EntryFilter.CHANGED: _("Changed since the last export"),
        EntryFilter.OBSOLETE: _("Obsolete edits"),
    }
    return labels.get(EntryFilter(chosen), chosen)
