"""The "pay with" choice shared by every page that confirms a payment."""

from __future__ import annotations

from typing import Any

from flask import request

from portal.numbers import id_from
from portal.payments.saved_methods import describe, list_methods
from portal.security import ConfirmationKey


def method_choice(
    account_id: int,
    return_to: str,
    *,
    declined_method_id: int | None = None,
    cancelled_method_id: int | None = None,
) -> dict[str, Any]:
    """The account's methods, the one to preselect, and a fresh confirmation key.

    The method the customer last picked stays chosen (after the customer cancelled its
    PayPal or 3-D Secure step too, to try again at once), unless it was just declined: then
    another one is (the default if it is another, else the first other). A new key per
    rendering: resending this page's form finds the first payment.
    """
    methods = list_methods(account_id)
    chosen = id_from(request.values, "method") or cancelled_method_id
    if chosen == declined_method_id or chosen not in {method.id for method in methods}:
        others = [method for method in methods if method.id != declined_method_id]
        default = next((method for method in others if method.is_default), None)
        fallback = default or (others[0] if others else None)
        chosen = fallback.id if fallback else declined_method_id
    return {
        "methods": methods,
        "chosen_method": chosen,
        "describe_method": describe,
        "confirmation_key": ConfirmationKey.new(),
        "return_to": return_to,
    }
