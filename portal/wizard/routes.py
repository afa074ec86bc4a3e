"""Wizard steps: each is a full page or, for htmx, just the summary beside it."""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal import clock
from portal.domain.breakdown_codec import breakdown_fingerprint
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import ChangeNotAllowed, ConfigurationError, PriceBreakdown
from portal.extensions import db
from portal.methods.choice import method_choice
from portal.models import BILLING_ROLES, Account, Payment, PaymentStatus
from portal.payments.messages import decline_message, retry_message
from portal.security import current_account_id, roles_required
from portal.services import activity
from portal.services.checkout import (
    Outcome,
    PayResult,
    complete_action,
    confirm_checkout,
    paid_change,
)
from portal.services.pricing import current_configuration, load_account, price_for
from portal.services.reference_data import reference
from portal.web import render_page, wants_fragment
from portal.wizard import bp
from portal.wizard.selection import Selection, read_selection


def _priced(selection: Selection, account: Account) -> tuple[PriceBreakdown | None, str | None]:
    """The breakdown for a valid selection, or the message that stands in for it."""
    if not selection.valid:
        return None, _("Correct the highlighted fields to see the price.")
    try:
        return price_for(account, selection.request(), clock.today()), None
    except ChangeNotAllowed as refusal:
        return None, change_refusal_message(refusal)
    except ConfigurationError:
        return None, _("Correct the highlighted fields to see the price.")


def change_refusal_message(refusal: ChangeNotAllowed) -> str:
    """Why a change cannot be made here."""
    if refusal.code == "annual_to_monthly":
        return _(
            "Switching from annual to monthly billing is not available here. "
            "Please contact our support team and we will arrange it."
        )
    if refusal.code == "past_due":
        return _(
            "The renewal of your package is not paid yet. Pay the open invoice from Invoices, "
            "then you can change your package."
        )
    if refusal.code == "outside_period":
        return _("Your current period has ended and is being renewed. Please try again shortly.")
    return _("The currency of this account cannot be changed.")


def _context(
    step: int, selection: Selection, account: Account, **extra: object
) -> dict[str, object]:
    """What every step's page needs: the selection, its breakdown and the current package."""
    breakdown, summary_message = _priced(selection, account)
    return {
        "step": step,
        "selection": selection,
        "breakdown": breakdown,
        "summary_message": summary_message,
        "current": current_configuration(account),
        "account": account,
        "prices": reference().prices,
        **extra,
    }


@bp.get("")
@roles_required(*BILLING_ROLES)
def choose_plan() -> str:
    """Step 1: monthly or annual, and the Standard and Pro cards with their prices."""
    account = load_account(current_account_id())
    selection = read_selection(request.args, account)
    return render_page(
        "wizard/plan.html", "wizard/_summary.html", **_context(1, selection, account)
    )


@bp.get("/quantities")
@roles_required(*BILLING_ROLES)
def quantities() -> str:
    """Step 2: agents and conversation packs."""
    account = load_account(current_account_id())
    selection = read_selection(request.args, account)
    return render_page(
        "wizard/quantities.html", "wizard/_summary.html", **_context(2, selection, account)
    )


@bp.get("/summary")
@roles_required(*BILLING_ROLES)
def summary() -> Response | str:
    """The payment summary alone, for htmx; a plain visit goes to the quantities step."""
    # Read-only: the account came with the signed-in user, in the same query.
    account = current_user.account
    selection = read_selection(request.args, account)
    if not wants_fragment():
        return redirect(url_for("wizard.quantities", **selection.query()))
    breakdown, message = _priced(selection, account)
    if breakdown is None:
        return render_template(
            "wizard/_summary.html", selection=selection, breakdown=None, summary_message=message
        )
    return _rendered_summary(breakdown)


_SUMMARIES: OrderedDict[tuple[str, str], str] = OrderedDict()
_SUMMARIES_LOCK = threading.Lock()
_SUMMARIES_KEPT = 2048


def _rendered_summary(breakdown: PriceBreakdown) -> str:
    """The summary fragment, kept per breakdown fingerprint and language.

    The fragment is a pure function of the breakdown's figures and the language, and it is asked
    for on every keystroke with the same figures coming back often (5 agents, then 3 again).
    """
    key = (breakdown_fingerprint(breakdown), str(get_locale()))
    with _SUMMARIES_LOCK:
        html = _SUMMARIES.get(key)
    if html is None:
        html = render_template("wizard/_summary.html", breakdown=breakdown, summary_message=None)
        with _SUMMARIES_LOCK:
            _SUMMARIES[key] = html
            if len(_SUMMARIES) > _SUMMARIES_KEPT:
                _SUMMARIES.popitem(last=False)
    return html


@bp.get("/payment")
@roles_required(*BILLING_ROLES)
def payment() -> Response | str:
    """Step 3: the payment method (the default preselected) and Pay."""
    account = load_account(current_account_id())
    selection = read_selection(request.args, account)
    if not selection.valid:
        return redirect(url_for("wizard.quantities", **selection.query()))
    return _payment_page(selection, account)


def _payment_page(
    selection: Selection, account: Account | None = None, status: int = 200, **extra: object
) -> tuple[str, int]:
    """Render step 3 with a fresh confirmation key bound to the summary shown."""
    if account is None:
        account = load_account(current_account_id())
    context = _context(3, selection, account, **extra)
    breakdown = context["breakdown"]
    context.update(
        method_choice(account.id, url_for("wizard.payment", **selection.query())),
        fingerprint=breakdown_fingerprint(breakdown)
        if isinstance(breakdown, PriceBreakdown)
        else "",
    )
    return render_page("wizard/payment.html", "wizard/_summary.html", **context), status


@bp.post("/pay")
@roles_required(*BILLING_ROLES)
def pay() -> Response | tuple[str, int]:
    """Charge exactly the summary the customer saw, once per confirmation key."""
    account = load_account(current_account_id())
    selection = read_selection(request.form, account)
    key = request.form.get("confirmation_key", "")
    if not selection.valid or not (8 <= len(key) <= 64) or not key.isalnum():
        abort(400)
    result = confirm_checkout(
        account_id=account.id,
        user_id=current_user.id,
        request=selection.request(),
        method_id=request.form.get("method", type=int),
        confirmation_key=key,
        seen_fingerprint=request.form.get("fingerprint", ""),
        return_url=lambda payment_id: url_for(
            "wizard.payment_return", payment_id=payment_id, _external=True
        ),
    )
    return _after_pay(result, selection)


def retry_message_for(result: PayResult) -> str:
    """When the customer may try again."""
    assert result.retry_at is not None
    return retry_message(result.retry_at, too_many=result.outcome is Outcome.TOO_MANY_ATTEMPTS)


def _after_pay(result: PayResult, selection: Selection) -> Response | tuple[str, int]:
    """Go where the outcome leads: confirmation, 3-D Secure or PayPal, or back to step 3."""
    if result.outcome is Outcome.PAID:
        return redirect(url_for("wizard.confirmation", payment_id=result.payment_id))
    if result.outcome in (Outcome.ACTION_REQUIRED, Outcome.IN_PROGRESS) and result.action_url:
        return redirect(result.action_url)
    if result.outcome is Outcome.IN_PROGRESS and result.payment_id is not None:
        return redirect(url_for("wizard.payment_status", payment_id=result.payment_id))
    messages = {
        Outcome.PRICE_CHANGED: _(
            "The price changed since you opened this page. Check the new summary before paying."
        ),
        Outcome.NO_METHOD: _("Choose a payment method."),
        Outcome.IN_PROGRESS: _("A payment for this account is already in progress."),
    }
    if result.outcome is Outcome.DECLINED:
        return _payment_page(selection, status=402, pay_error=decline_message(result.decline_code))
    if result.outcome in (Outcome.RETRY_LATER, Outcome.TOO_MANY_ATTEMPTS):
        return _payment_page(selection, status=429, pay_error=retry_message_for(result))
    if result.outcome is Outcome.NOT_ALLOWED and result.refusal is not None:
        return _payment_page(
            selection, status=409, pay_error=change_refusal_message(result.refusal)
        )
    return _payment_page(selection, status=409, pay_error=messages[result.outcome])


@bp.get("/payments/<int:payment_id>/return")
@roles_required(*BILLING_ROLES)
def payment_return(payment_id: int) -> Response | tuple[str, int]:
    """Back from the 3-D Secure or PayPal page: settle the payment as the gateway says."""
    result = complete_action(current_account_id(), payment_id)
    if result is None:
        abort(404)
    if result.outcome is Outcome.PAID:
        return redirect(url_for("wizard.confirmation", payment_id=payment_id))
    if result.outcome is Outcome.ACTION_REQUIRED and result.action_url:
        return redirect(result.action_url)
    payment = db.session.get(Payment, payment_id)
    assert payment is not None and payment.breakdown is not None
    selection = _selection_of(payment)
    return _payment_page(selection, status=402, pay_error=decline_message(result.decline_code))


def _selection_of(payment: Payment) -> Selection:
    """The selection a payment was made for, to show step 3 again after a decline."""
    config = payment.breakdown["configuration"] if payment.breakdown else {}
    return Selection(
        Plan(config["plan"]),
        BillingPeriod(config["period"]),
        payment.currency,
        str(config["agents"]),
        str(config["packs"]),
    )


@bp.get("/payments/<int:payment_id>/status")
@roles_required(*BILLING_ROLES)
def payment_status(payment_id: int) -> Response | tuple[str, int]:
    """Where a resent or concurrent Pay lands: wait for the first one, then show its outcome."""
    payment = db.session.scalar(
        select(Payment).where(Payment.id == payment_id, Payment.account_id == current_account_id())
    )
    if payment is None:
        abort(404)
    status = PaymentStatus(payment.status)
    if status is PaymentStatus.SUCCEEDED:
        return redirect(url_for("wizard.confirmation", payment_id=payment_id))
    if status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.REQUIRES_APPROVAL):
        return redirect(payment.action_url or url_for("wizard.choose_plan"))
    if status is PaymentStatus.DECLINED:
        return _payment_page(
            _selection_of(payment), status=402, pay_error=decline_message(payment.decline_code)
        )
    return render_template("wizard/processing.html", payment=payment), 202


@bp.get("/payments/<int:payment_id>")
@roles_required(*BILLING_ROLES)
def confirmation(payment_id: int) -> str:
    """The confirmation page of a paid change."""
    receipt = paid_change(current_account_id(), payment_id)
    if receipt is None:
        abort(404)
    return render_template("wizard/confirmation.html", receipt=receipt)


@bp.route("/request-quote", methods=["GET", "POST"])
@roles_required(*BILLING_ROLES)
def request_quote() -> Response | str | tuple[str, int]:
    """More than 50 agents: ask the vendor for an offer."""
    account = load_account(current_account_id())
    selection = read_selection(request.values, account)
    # A quote is for a number of agents: text such as "abc" is refused, not recorded.
    invalid = {
        name: selection.errors[name]
        for name in ("agents", "packs")
        if name in selection.errors and getattr(selection, name) is None
    }
    if invalid:
        page = render_template("wizard/request_quote.html", selection=selection, errors=invalid)
        return page, 422
    if request.method == "POST":
        activity.record(
            account.id,
            current_user.id,
            "quote_requested",
            plan=selection.plan.value,
            period=selection.period.value,
            agents=selection.agents_text,
            message=request.form.get("message", "")[:1000],
        )
        db.session.commit()
        flash(_("Thank you. Our team will prepare a quote and contact you."), "success")
        return redirect(url_for("dashboard.my_package"))
    return render_template("wizard/request_quote.html", selection=selection, errors={})


def _adjusted(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """Apply a + or − button ("agents:1", "packs:-1") to the typed quantities."""
    values = MultiDict(args)
    field, _sep, step = args.get("adjust", "").partition(":")
    if field in {"agents", "packs"} and step in {"1", "-1"}:
        current = values.get(field, "")
        if current.strip().isdigit():
            values[field] = str(max(int(current) + int(step), 0))
    return values


@bp.get("/seats")
@roles_required(*BILLING_ROLES)
def seats() -> Response | str | tuple[str, int]:
    """Seat adjustment: agents and packs of the running package, the delta and the summary."""
    account = load_account(current_account_id())
    current = current_configuration(account)
    if current is None:
        return redirect(url_for("wizard.choose_plan"))
    args = _adjusted(request.args)
    args["plan"], args["period"] = current.plan.value, current.period.value
    args["currency"] = account.currency or ""
    args.setdefault("agents", str(current.agents))
    args.setdefault("packs", str(current.packs))
    selection = read_selection(args, account)
    breakdown, message = _priced(selection, account)
    context = {
        "selection": selection,
        "current": current,
        "breakdown": breakdown,
        "summary_message": message,
        "prices": reference().prices,
        "fingerprint": breakdown_fingerprint(breakdown) if breakdown else "",
        **method_choice(account.id, url_for("wizard.seats")),
    }
    return render_page("wizard/seats.html", "wizard/_seats.html", **context)
