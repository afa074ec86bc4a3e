"""Staff's forms in the back office."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from portal.domain.letters_of_intent import REASON_LENGTH
from portal.forms import PortalForm
from portal.safe_gettext import lazy_gettext as _l


class LetterDecisionForm(PortalForm):
    """Approve a letter of intent, or reject it with the reason the customer reads."""

    reason = TextAreaField(
        _l("Reason for a rejection"),
        description=_l("Shown to the customer. At most 500 characters."),
        validators=[Length(max=REASON_LENGTH)],
    )
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))

    def validate(self, extra_validators: Any = None) -> bool:
        """A rejection needs its reason."""
        valid = super().validate(extra_validators)
        if valid and self.reject.data and not (self.reason.data or "").strip():
            self.reason.errors = [_("Say why the letter is rejected: the customer reads it.")]
            return False
        return valid
