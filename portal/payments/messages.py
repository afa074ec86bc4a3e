"""What the customer reads about a refused card or a declined charge, translated."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from portal.domain.payment_lifecycle import DeclineCode
from portal.i18n import format_moment
from portal.models import MethodKind, PaymentMethod
from portal.payments.cards import CardBrand, CardError
from portal.payments.saved_methods import describe


def card_error_message(error: CardError) -> str:
    """A specific, translated message for a card the customer must correct."""
    if error.code == "brand_refused":
        if error.brand is None or error.brand is CardBrand.UNKNOWN:
            return _("This card brand is not accepted. We accept Visa and Mastercard.")
        return _(
            "%(brand)s cards are not accepted. We accept Visa and Mastercard.",
            brand=error.brand.label,
        )
    messages = {
        "number_missing": _("Enter the card number."),
        "number_invalid": _("This card number is not valid."),
        "expiry_missing": _("Enter the expiry date (MM/YY)."),
        "expiry_invalid": _("Enter the expiry date as MM/YY."),
        "expired": _("This card has expired."),
        "cvc_missing": _("Enter the 3-digit security code (CVC) from the back of the card."),
        "cvc_invalid": _("Enter the 3-digit security code (CVC) from the back of the card."),
        "holder_missing": _("Enter the name on the card."),
    }
    return messages.get(error.code, _("Check the card details and try again."))


def decline_message(decline_code: DeclineCode | None) -> str:
    """Why a charge did not go through, in words the customer can act on."""
    messages = {
        "card_declined": _("Your card was declined. Try another payment method."),
        "insufficient_funds": _("The card has insufficient funds. Try another payment method."),
        "expired_card": _("The bank refused this card as expired. Try another payment method."),
        "authentication_required": _(
            "Your bank asks you to confirm this payment. Pay the open invoice from Invoices."
        ),
    }
    return messages.get(
        decline_code or "", _("The payment did not go through. Try another payment method.")
    )


def cancellation_message(decline_code: DeclineCode | None) -> str:
    """The customer's own cancellation: nothing was charged, and nothing waits."""
    if decline_code is DeclineCode.PAYPAL_CANCELLED:
        return _("The PayPal payment was cancelled. Nothing was charged: you can try again now.")
    return _(
        "The payment was not confirmed with your bank, so nothing was charged. "
        "You can try again now or use another method."
    )


def retry_message(retry_at: datetime, *, too_many: bool) -> str:
    """When a declined customer may try again."""
    when = format_moment(retry_at)
    if too_many:
        # Translators: when is a date and time with its zone, e.g. "Nov 16, 2026, 1:31 AM CET".
        return _(
            "Too many declined payments in the last 24 hours. You can try again after %(when)s.",
            when=when,
        )
    # Translators: when is a date and time with its zone, e.g. "Nov 16, 2026, 1:31 AM CET".
    return _(
        "This method was declined less than an hour ago. Try it again after %(when)s, "
        "or choose another payment method.",
        when=when,
    )


def already_saved_message(existing: PaymentMethod) -> str:
    """The method being added is saved already: which one it is."""
    if existing.kind == MethodKind.PAYPAL:
        return _("This PayPal account is already saved: %(method)s.", method=describe(existing))
    # Translators: method is e.g. "Visa •••• 4242"; expiry is month/year, e.g. "12/2028".
    return _(
        "This card is already saved: %(method)s, expires %(expiry)s.",
        method=describe(existing),
        expiry=f"{existing.exp_month:02d}/{existing.exp_year:04d}",
    )
