"""The base of every form: what a refused form echoes back is bounded."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms.validators import Length

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


class PortalForm(FlaskForm):
    """A FlaskForm that refuses control and text-direction characters field by field, and
    whose refused values come back cut to twice the field's maximum length."""

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate; on failure, mark unsafe characters and cut what each field shows again."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and FORBIDDEN_TEXT.search(field.data):
                field.errors = [*field.errors, UNSAFE_TEXT_ERROR]
                field.data = FORBIDDEN_TEXT.sub(REPLACEMENT, field.data)
                valid = False
        if not valid:
            for field in self:
                limit = echo_limit(field_maximum(field))
                if isinstance(field.data, str) and len(field.data) > limit:
                    field.data = field.data[:limit]
        return valid
