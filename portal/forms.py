"""The base of every form: what a refused form echoes back is bounded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import has_request_context, request
from flask_babel import LazyString
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField
from wtforms.validators import Length

from portal.form_messages import FORM_TRANSLATIONS, FormTranslations
from portal.safe_gettext import lazy_gettext as _l

# NUL and other control characters (tab and line breaks are fine) break PostgreSQL or the
# PDF; bidirectional overrides and isolates make "100" read as "001" in a note.
FORBIDDEN_TEXT = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# What stands in for each refused character in the text shown again, so nothing else is lost.
REPLACEMENT = "\ufffd"
UNSAFE_TEXT_ERROR = _l(
    "This text contains invisible control or text-direction characters, shown as "
    "%(mark)s. Remove them and save again.",
    mark=REPLACEMENT,
)

FILE_IN_TEXT_ERROR = _l("This field takes text, not a file: type or paste the text instead.")

# Longest text echoed back into a field that has no Length validator of its own.
DEFAULT_ECHO_LIMIT = 1000


def echo_limit(maximum: int | None) -> int:
    """How much of a refused value is shown again: enough to fix a slightly long text."""
    return 2 * maximum if maximum else DEFAULT_ECHO_LIMIT


def field_maximum(field: Any) -> int | None:
    """The field's own Length maximum, if it has one."""
    maxima = [
        validator.max
        for validator in getattr(field, "validators", ())
        if isinstance(validator, Length) and validator.max and validator.max > 0
    ]
    return min(maxima) if maxima else None


def shorten(text: str, limit: int = 80) -> str:
    """A value quoted in an error message, cut with an ellipsis when long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unsafe_text_error(text: str | None) -> LazyString | None:
    """The field error for a typed text with control or text-direction characters, if any.

    For the few fields a view reads without a PortalForm (the invoice note, say); show the
    text again as `marked(text)`.
    """
    return UNSAFE_TEXT_ERROR if text and FORBIDDEN_TEXT.search(text) else None


def marked(text: str) -> str:
    """The text with each refused character replaced by REPLACEMENT, to show it again."""
    return FORBIDDEN_TEXT.sub(REPLACEMENT, text)


def leaf_fields(form: Any) -> Iterator[Field]:
    """The form's fields, each entry of a FieldList and each field of a FormField included."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from leaf_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from leaf_fields(field.form)
        else:
            yield field


class PortalForm(FlaskForm):
    """A FlaskForm that refuses control and text-direction characters field by field, and
    whose refused values come back cut to twice the field's maximum length.

    It reads the posted form only: a file part (multipart with a filename) is refused as the
    error of the field it was posted into, and a JSON body is not a form of ours (its values
    may be numbers or objects, which a text field cannot take).
    """

    class Meta(FlaskForm.Meta):
        """Form data from request.form alone; WTForms' messages from the portal's catalogs."""

        def get_translations(self, form: Any) -> FormTranslations:
            """WTForms' own messages ("Not a valid integer value.") in the portal's catalog of
            the request's language, not in the catalogs WTForms ships."""
            return FORM_TRANSLATIONS

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """What FlaskForm reads from the request (files and JSON included), narrowed to
            request.form; form data passed in explicitly is kept as it is."""
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is not None and wrapped is not formdata:
                return request.form or None
            return wrapped

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate; on failure, mark unsafe characters and cut what each field shows again."""
        valid = super().validate(extra_validators)
        files = set(request.files) if has_request_context() and self.is_submitted() else set()
        fields = list(leaf_fields(self))
        for field in fields:
            if field.name in files:
                field.errors = [*field.errors, FILE_IN_TEXT_ERROR]
                valid = False
            # What was posted, as typed: a number or date field shows it again from raw_data
            # (its data is None when it did not parse).
            raw = [text for text in (field.raw_data or []) if isinstance(text, str)]
            typed = [field.data, *raw] if isinstance(field.data, str) else raw
            if any(unsafe_text_error(text) for text in typed):
                # Its other errors may quote the text (an address "is not valid"): this one
                # says what to fix first.
                field.errors = [UNSAFE_TEXT_ERROR]
                if isinstance(field.data, str):
                    field.data = marked(field.data)
                field.raw_data = [marked(text) if isinstance(text, str) else text for text in raw]
                valid = False
        if not valid:
            for field in fields:
                limit = echo_limit(field_maximum(field))
                if isinstance(field.data, str) and len(field.data) > limit:
                    field.data = field.data[:limit]
                if field.raw_data:
                    field.raw_data = [
                        text[:limit] if isinstance(text, str) else text for text in field.raw_data
                    ]
        return valid
