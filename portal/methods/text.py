"""Translated wording of payment methods, in one place."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.models import MethodKind


def method_kind_label(kind: MethodKind | str) -> str:
    """What kind of method it is, as the customer reads it (every kind has its own)."""
    return {
        MethodKind.CARD: _("Card"),
        # A name, the same in every language (like the card brands).
        MethodKind.PAYPAL: "PayPal",
    }[MethodKind(kind)]
