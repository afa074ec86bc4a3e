"""The "pay with" choice shared by every page that confirms a payment."""

from __future__ import annotations

import secrets
from typing import Any

from flask import request

from portal.services.payment_methods import describe, list_methods


def method_choice(account_id: int, return_to: str) -> dict[str, Any]:
    """The account's methods, the one to preselect, and a fresh confirmation key.

    The method the customer last picked stays chosen (after a decline, say); otherwise the
    default. A new key per rendering: resending this page's form finds the first payment.
    """
    methods = list_methods(account_id)
    chosen = request.values.get("method", type=int)
    if chosen not in {method.id for method in methods}:
        default = next((method for method in methods if method.is_default), None)
        chosen = default.id if default else None
    return {
        "methods": methods,
        "chosen_method": chosen,
        "describe_method": describe,
        "confirmation_key": secrets.token_hex(16),
        "return_to": return_to,
    }
