"""The base of every form: what a refused form echoes back is bounded."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms.validators import Length

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
    """A FlaskForm whose refused values come back cut to twice the field's maximum length."""

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate; on failure, cut what each text field will show again."""
        valid = super().validate(extra_validators)
        if not valid:
            for field in self:
                limit = echo_limit(field_maximum(field))
                if isinstance(field.data, str) and len(field.data) > limit:
                    field.data = field.data[:limit]
        return valid
