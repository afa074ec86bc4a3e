"""The form of My package's "stop subscription" page."""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.domain.subscription_lifecycle import StopReason
from portal.forms import PortalForm
from portal.labels import stop_reason_label
from portal.safe_gettext import lazy_gettext as _l

MAX_STOP_COMMENT = 500


class StopSubscriptionForm(PortalForm):
    """Why the customer stops (asked), and anything they want to add."""

    reason = RadioField(
        _l("Why are you stopping?"),
        choices=[],
        validators=[InputRequired(message=_l("Choose a reason."))],
    )
    comment = TextAreaField(
        _l("Anything you want to tell us (optional)"),
        validators=[Length(max=MAX_STOP_COMMENT, message=_l("At most 500 characters."))],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Labels in the language of this request.
        self.reason.choices = [(reason.value, stop_reason_label(reason)) for reason in StopReason]

    @property
    def stop_reason(self) -> StopReason:
        """The chosen reason (after validation)."""
        return StopReason(self.reason.data)
