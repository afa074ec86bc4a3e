"""WTForms' own messages in the portal's catalogs, with the translators' live edits.

Flask-WTF would translate WTForms' messages with the catalogs WTForms ships ("Non è una valore
intero valido"); PortalForm's Meta hands WTForms `FormTranslations` instead, which reads the
portal's catalog of the request's language. The messages a portal form can show are listed
below so that `pybabel extract` puts them in messages.pot; their text is WTForms', to the
letter (tests/web/test_form_messages.py checks each is still one WTForms says).
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context

from portal.extensions import babel
from portal.safe_gettext import format_or_fallback


def N_(message: str) -> str:
    """Mark a message for extraction; WTForms translates it when it shows it."""
    return message


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction (named as pybabel's plural keyword)."""
    return singular, plural


# WTForms' messages, shown under a form field left empty or filled wrongly (most fields of the
# portal have a message of their own; these are the fallbacks).
SINGULAR_MESSAGES = (
    # Translators: under a required field left empty.
    N_("This field is required."),
    # Translators: a whole number was expected (agents, packs, months).
    N_("Not a valid integer value."),
    # Translators: a date was expected.
    N_("Not a valid date value."),
    # Translators: the value posted is none of the list's or the radio buttons' choices.
    N_("Not a valid choice."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Number must be between %(min)s and %(max)s."),
)

PLURAL_MESSAGES = (
    # Translators: under a text field whose text is too long; max is its character limit.
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
)


class FormatsOrFallsBack(str):
    """A translated message that WTForms formats with `%`: a translation that fails to format
    gives the English source formatted instead, as everywhere in the portal."""

    source: str

    def __new__(cls, translated: str, source: str) -> FormatsOrFallsBack:
        """The translation, remembering its source."""
        text = super().__new__(cls, translated)
        text.source = source
        return text

    def __mod__(self, variables: Any) -> str:
        """Format the translation, else the source."""
        if not isinstance(variables, dict):
            return str(self) % variables
        return format_or_fallback(str(self), self.source, variables, always=True)


class FormTranslations:
    """What WTForms asks for its messages (gettext and ngettext), answered from the portal's
    catalog of the request's language, live edits included."""

    def gettext(self, string: str) -> str:
        """One message in the request's language."""
        if not has_request_context():
            return string
        translated = babel.domain_instance.get_translations().ugettext(string)
        return FormatsOrFallsBack(translated, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The plural form of a message for `n`, in the request's language."""
        source = singular if n == 1 else plural
        if not has_request_context():
            return source
        translated = babel.domain_instance.get_translations().ungettext(singular, plural, n)
        return FormatsOrFallsBack(translated, source)


FORM_TRANSLATIONS = FormTranslations()
