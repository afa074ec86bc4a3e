"""Translated wording of quote states and refusals, in one place."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from portal.domain.pricing import ChangeNotAllowed, ConfigurationError
from portal.domain.sales_quotes import QuoteTermsError
from portal.labels import every_member
from portal.models import QuoteStatus
from portal.quotes.workflow import RequestState

# A context of their own: "Open" or "Expired" agree with "quote", not "invoice".
QUOTE_STATUS_LABELS = every_member(
    QuoteStatus,
    {
        QuoteStatus.DRAFT: lambda: pgettext("quote status", "Draft"),
        QuoteStatus.SENT: lambda: pgettext("quote status", "Open"),
        QuoteStatus.ACCEPTED: lambda: pgettext("quote status", "Accepted"),
        QuoteStatus.REJECTED: lambda: pgettext("quote status", "Rejected"),
        QuoteStatus.EXPIRED: lambda: pgettext("quote status", "Expired"),
        QuoteStatus.WITHDRAWN: lambda: pgettext("quote status", "Withdrawn"),
    },
)


REQUEST_STATE_LABELS = every_member(
    RequestState,
    {
        RequestState.RECEIVED: lambda: _("Received: our team is preparing your offer"),
        RequestState.IN_PREPARATION: lambda: _("Offer in preparation"),
        RequestState.ANSWERED: lambda: _("Answered with a quote"),
    },
)


def request_state_label(state: RequestState) -> str:
    """Where a quote request stands, as the customer reads it."""
    return REQUEST_STATE_LABELS[state]()


def status_label(status: QuoteStatus | str) -> str:
    """A quote's status as people read it."""
    return QUOTE_STATUS_LABELS[QuoteStatus(status)]()


def _refusals() -> dict[str, str]:
    """Why a quote cannot be accepted or changed, by code."""
    return {
        "draft": _("This quote has not been sent yet."),
        "sent": _("This quote was already sent: it can no longer be changed."),
        "expired": _("This quote has expired. Ask us for a new one."),
        "accepted": _("This quote has already been accepted."),
        "rejected": _("This quote was rejected: it can no longer be accepted."),
        "withdrawn": _("This quote was withdrawn by our team. Ask us for a new one."),
        "not_started": _(
            "Billing for this quote has not started yet: "
            "it can be accepted from its billing start date."
        ),
        "package_changed": _(
            "Your package has changed since this quote was sent. Ask us for an updated quote."
        ),
        "past_due": _("The renewal of your package is not paid yet. Pay the open invoice first."),
        "figures_changed": _(
            "The figures changed since you reviewed them. "
            "Review the order again before you confirm."
        ),
        "payment_in_progress": _(
            "A payment accepting this quote is being confirmed: the quote cannot be "
            "rejected or withdrawn until it ends. Check again in a few minutes."
        ),
        "valid_until_past": _(
            "The valid-until date has passed. Choose a later date before sending."
        ),
        "starts_after_validity": _(
            "Billing would start after the quote expires. Change the dates before sending."
        ),
    }


def refusal_message(code: str) -> str:
    """The sentence for a refusal code."""
    return _refusals().get(code, _("This quote cannot be accepted."))


def terms_error_message(error: Exception) -> str:
    """Why the pricing core cannot price these terms."""
    if isinstance(error, ChangeNotAllowed) and error.code == "currency_mismatch":
        return _("The quote's currency differs from the currency the account pays in.")
    if isinstance(error, QuoteTermsError) and error.code == "outside_current_period":
        return _(
            "Billing must start within the current period of the account's package, "
            "so that its unused part is credited once."
        )
    if isinstance(error, QuoteTermsError) and error.code == "not_whole_periods":
        return _("An annual quote needs a term in whole years (12, 24, 36, 48 or 60 months).")
    if isinstance(error, QuoteTermsError):
        return _("Check the quote's terms: one of them is out of range.")
    if isinstance(error, ConfigurationError) and error.field == "packs":
        return _("Too many conversation packs for this plan.")
    return _("These terms cannot be priced. Check the plan, agents and packs.")
