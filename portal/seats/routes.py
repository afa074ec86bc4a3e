"""The seat page: agents and packs of the running package, the change and its summary."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.account_pricing import current_configuration
from portal.accounts import load_account
from portal.domain.breakdown_codec import breakdown_fingerprint
from portal.methods.choice import method_choice
from portal.models import BILLING_ROLES, Account
from portal.numbers import whole_number
from portal.reference_data import reference
from portal.security import current_account_id, roles_required
from portal.selection import Selection, priced, read_selection
from portal.web import render_page, wants_fragment

bp = Blueprint("seats", __name__)


def _adjusted(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """Apply a + or − button ("agents:1", "packs:-1") to the typed quantities."""
    values = MultiDict(args)
    field, _sep, step = args.get("adjust", "").partition(":")
    if field in {"agents", "packs"} and step in {"1", "-1"}:
        current = values.get(field, "")
        typed = whole_number(current.strip())
        if typed is not None:
            values[field] = str(max(typed + int(step), 0))
    return values


@bp.get("/package/edit/seats")
@roles_required(*BILLING_ROLES)
def seats() -> Response | tuple[str, int, dict[str, str]]:
    """Seat adjustment: agents and packs of the running package, the delta and the summary."""
    account = load_account(current_account_id())
    if current_configuration(account) is None:
        return redirect(url_for("wizard.choose_plan"))
    return seats_page(account, _adjusted(request.args))


def fields_shown(selection: Selection) -> str:
    """What the fields themselves show besides their numbers: which are marked invalid.

    The page keeps it in #seats-shown; while the customer types, only the summary, the
    fields' messages and Pay are swapped (seats/_figures.html), so a change of this key needs
    the whole region.
    """
    return ",".join(sorted(selection.errors))


# htmx's response headers: this answer is the whole region, not the summary alone.
WHOLE_REGION = {"HX-Retarget": "#seats", "HX-Reswap": "outerHTML"}


def seats_page(
    account: Account, args: MultiDict[str, str], status: int = 200, **extra: object
) -> tuple[str, int, dict[str, str]]:
    """The seat page for the typed quantities (a refused payment's message included).

    Paying posts to the wizard's Pay with origin=seats; a payment refused there comes back
    here (portal.wizard.routes.CheckoutPages).
    """
    current = current_configuration(account)
    assert current is not None
    args["plan"], args["period"] = current.plan.value, current.period.value
    args["currency"] = account.currency or ""
    args.setdefault("agents", str(current.agents))
    args.setdefault("packs", str(current.packs))
    selection = read_selection(args, account)
    breakdown, message, _refusal = priced(selection, account)
    declined = extra.pop("declined", None)
    shown = fields_shown(selection)
    cancelled = extra.pop("cancelled", None)
    context = {
        "selection": selection,
        "fields_shown": shown,
        "current": current,
        "breakdown": breakdown,
        "summary_message": message,
        "prices": reference().prices,
        "fingerprint": breakdown_fingerprint(breakdown) if breakdown else "",
        # "Add a payment method" comes back to these quantities, not the current ones.
        **method_choice(
            account.id,
            url_for("seats.seats", agents=selection.agents_text, packs=selection.packs_text),
            declined_method_id=declined if isinstance(declined, int) else None,
            cancelled_method_id=cancelled if isinstance(cancelled, int) else None,
        ),
        **extra,
    }
    typed = args.get("shown")  # sent by a field being typed in, not by + and −
    if typed is None or not wants_fragment():
        return render_page("seats/page.html", "seats/_seats.html", **context), status, {}
    if typed == shown:
        return render_template("seats/_figures.html", **context), status, {}
    return render_template("seats/_seats.html", **context), status, dict(WHOLE_REGION)
