"""The form of one catalog entry."""

from __future__ import annotations

from wtforms import BooleanField, FieldList, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from portal.catalogs.glossary import TermText
from portal.domain.glossary import (
    NOTE_MAX_LENGTH,
    TERM_MAX_LENGTH,
    TERM_TEXT,
    TRANSLATION_MAX_LENGTH,
    VARIANTS_MAX_LENGTH,
    TermProblem,
    joined_variants,
    term_problems,
)
from portal.forms import PortalForm
from portal.numbers import MAX_ID
from portal.safe_gettext import lazy_gettext as _l

# More forms than any language has (Arabic has 6): a forged form cannot make the list grow.
MAX_PLURAL_FORMS = 6


def unix_newlines(value: str | None) -> str:
    """Browsers send a textarea's line breaks as CRLF; the catalogs use LF."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def strip_text(value: str | None) -> str:
    """A one-line field without the spaces around it."""
    return (value or "").strip()


class EntryForm(PortalForm):
    """The translation (one field per plural form), the fuzzy toggle and the revision seen."""

    translation = FieldList(
        TextAreaField(_l("Translation"), filters=[unix_newlines]),
        min_entries=1,
        max_entries=MAX_PLURAL_FORMS,
    )
    fuzzy = BooleanField(_l("Needs review (fuzzy)"))
    # Warnings (not errors) are saved once the translator ticks this.
    confirm = BooleanField(_l("Save anyway"))
    revision = IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)],
    )
    next = HiddenField()

    def strings(self) -> list[str]:
        """The submitted forms, in order."""
        return [entry.data or "" for entry in self.translation.entries]


class GlossaryTermForm(PortalForm):
    """A glossary term: the English words, the translation, other accepted forms, a note."""

    term = StringField(
        _l("English term"),
        filters=[strip_text],
        validators=[
            DataRequired(message=_l("Enter the English term.")),
            Length(max=TERM_MAX_LENGTH),
            Regexp(
                TERM_TEXT,
                message=_l("A term is words: letters, digits, spaces, hyphens and apostrophes."),
            ),
        ],
    )
    translation = StringField(
        _l("Translation"),
        filters=[strip_text],
        validators=[
            DataRequired(message=_l("Enter how the catalog translates the term.")),
            Length(max=TRANSLATION_MAX_LENGTH),
        ],
    )
    variants = StringField(
        _l("Other accepted forms, separated by commas (plural, elision)"),
        validators=[Optional(), Length(max=VARIANTS_MAX_LENGTH)],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX_LENGTH)])
    # Adding sends 0; changing sends the revision seen (a form without it is refused).
    revision = IntegerField(
        widget=HiddenInput(),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)],
    )

    def validate_term(self, field: StringField) -> None:
        """The term as stored (case-folded: "ß" becomes "ss") must fit too."""
        if TermProblem.TERM_TOO_LONG in term_problems(field.data or "", "x"):
            raise ValidationError(_l("A term has at most %(max)d characters.", max=TERM_MAX_LENGTH))

    def validate_variants(self, field: StringField) -> None:
        """The forms as stored (once each, joined by ", ") must fit too."""
        if len(joined_variants(field.data or "")) > VARIANTS_MAX_LENGTH:
            raise ValidationError(
                _l(
                    "The other forms take at most %(max)d characters, commas included.",
                    max=VARIANTS_MAX_LENGTH,
                )
            )

    def text(self) -> TermText:
        """What was typed, as the glossary stores it."""
        return TermText(
            self.term.data or "",
            self.translation.data or "",
            self.variants.data or "",
            self.note.data or "",
        )


class GlossaryRemoveForm(PortalForm):
    """Remove a term: the revision the translator saw."""

    revision = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)]
    )


class ExportForm(PortalForm):
    """Export a catalog: the CSRF token is all it carries."""
