"""The form of one catalog entry."""

from __future__ import annotations

from wtforms import BooleanField, FieldList, HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from portal.forms import PortalForm
from portal.numbers import MAX_ID
from portal.safe_gettext import lazy_gettext as _l

# More forms than any language has (Arabic has 6): a forged form cannot make the list grow.
MAX_PLURAL_FORMS = 6


def unix_newlines(value: str | None) -> str:
    """Browsers send a textarea's line breaks as CRLF; the catalogs use LF."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


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
