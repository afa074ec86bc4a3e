"""Wizard steps: each is a full page or, for htmx, just the summary beside it."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal import clock
from portal.account_pricing import current_configuration
from portal.accounts import load_account
from portal.checkout import confirm_checkout, paid_change
from portal.domain.breakdown_codec import breakdown_fingerprint
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import (
    ChangeKind,
    Configuration,
    PriceBreakdown,
)
from portal.forms import (
    FILE_IN_TEXT_ERROR,
    UNSAFE_TEXT_ERROR,
    echo_limit,
    marked,
    unsafe_text_error,
)
from portal.methods.choice import method_choice
from portal.models import BILLING_ROLES, Account, Payment, PaymentPurpose, PaymentStatus
from portal.numbers import id_from
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import Outcome, PayResult
from portal.payments.pages import outcome_message, outcome_status
from portal.payments.routes import after_payment, return_url
from portal.payments.saved_methods import describe
from portal.quotes.workflow import MAX_MESSAGE, file_quote_request
from portal.reference_data import reference
from portal.seats.routes import seats_page
from portal.security import (
    ConfirmationKey,
    checks_form_text,
    current_account_id,
    reads_only,
    roles_required,
)
from portal.selection import Selection, change_refusal_message, priced, read_selection
from portal.web import UNPROCESSABLE, render_page, wants_fragment
from portal.wizard.summary_cache import cached_summary, summary_cache_result

bp = Blueprint("wizard", __name__, url_prefix="/package/edit")


def _context(
    step: int, selection: Selection, account: Account, **extra: object
) -> dict[str, object]:
    """What every step's page needs: the selection, its breakdown and the current package."""
    price = priced(selection, account)
    return {
        "step": step,
        "selection": selection,
        "breakdown": price.breakdown,
        "summary_message": price.message,
        "refusal_code": price.refusal_code,
        "current": current_configuration(account),
        "account": account,
        "prices": reference().prices,
        **extra,
    }


@bp.get("")
@roles_required(*BILLING_ROLES)
def choose_plan() -> str:
    """Step 1: monthly or annual, and the Standard and Pro cards with their prices (for htmx,
    after a new currency: the cards and the summary)."""
    account = load_account(current_account_id())
    selection = read_selection(request.args, account)
    return render_page(
        "wizard/plan.html", "wizard/_plan_step.html", **_context(1, selection, account)
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
@reads_only
@roles_required(*BILLING_ROLES)
def summary() -> Response | str:
    """The payment summary alone, for htmx; a plain visit goes to the quantities step."""
    # Read-only: the account came with the signed-in user, in the same query.
    account = current_user.account
    selection = read_selection(request.args, account)
    if not wants_fragment():
        return redirect(url_for("wizard.quantities", **selection.query()))
    price = priced(selection, account)
    if price.breakdown is None:
        summary_html = render_template(
            "wizard/_summary.html",
            selection=selection,
            breakdown=None,
            summary_message=price.message,
            refusal_code=price.refusal_code,
        )
    else:
        summary_html = _rendered_summary(price.breakdown)
    # The fields come along out of band when what they show changes: their errors (and the
    # quote link, or the refusal instead of Continue) must show on the htmx path too, and go
    # once corrected. The page says what it shows (#fields-shown); while that stays right, the
    # numbers the customer is typing are already in the fields.
    shown = selection.fields_shown(price.refusal_code)
    if shown and request.args.get("shown") == shown:
        # Only Back's link changes: it carries the numbers typed now.
        return _timed(summary_html + str(back_link(selection, oob=True)))
    fields = render_template(
        "wizard/_quantity_fields.html",
        selection=selection,
        prices=reference().prices,
        summary_message=price.message,
        refusal_code=price.refusal_code,
        oob=True,
    )
    return _timed(summary_html + fields)


def _timed(html: str) -> Response:
    """The fragment, saying in Server-Timing whether the summary came from the cache (the
    browser's developer tools and the benchmark's miss count read it)."""
    response = make_response(html)
    result = summary_cache_result()
    if result is not None:
        response.headers["Server-Timing"] = f'summary-cache;desc="{result}"'
    return response


@bp.app_template_global()
def back_link(selection: Selection, *, oob: bool = False) -> Markup:
    """Step 2's Back to step 1, keeping the choices; swapped out of band with each summary."""
    return _BACK_LINK.format(
        href=url_for("wizard.choose_plan", **selection.query()),
        oob=Markup(' hx-swap-oob="true"') if oob else "",
        text=_("Back"),
    )


_BACK_LINK = Markup(
    '<a id="wizard-back" href="{href}"{oob} role="button" class="secondary outline">{text}</a>'
)


def _rendered_summary(breakdown: PriceBreakdown) -> str:
    """The summary fragment of a breakdown, drawn once per figures, language and catalog."""
    return cached_summary(
        breakdown,
        lambda: render_template("wizard/_summary.html", breakdown=breakdown, summary_message=None),
    )


@bp.get("/payment")
@roles_required(*BILLING_ROLES)
def payment() -> Response | tuple[str, int]:
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
    declined = extra.pop("declined", None)
    cancelled = extra.pop("cancelled", None)
    context = _context(3, selection, account, **extra)
    breakdown = context["breakdown"]
    context.update(
        method_choice(
            account.id,
            url_for("wizard.payment", **selection.query()),
            declined_method_id=declined if isinstance(declined, int) else None,
            cancelled_method_id=cancelled if isinstance(cancelled, int) else None,
        ),
        fingerprint=breakdown_fingerprint(breakdown)
        if isinstance(breakdown, PriceBreakdown)
        else "",
    )
    return render_page("wizard/payment.html", "wizard/_summary.html", **context), status


@bp.post("/pay")
@roles_required(*BILLING_ROLES)
def pay() -> ResponseReturnValue:
    """Charge exactly the summary the customer saw, once per confirmation key."""
    account = load_account(current_account_id())
    selection = read_selection(request.form, account)
    key = ConfirmationKey.posted()
    if not selection.valid:
        abort(400)
    result = confirm_checkout(
        account_id=account.id,
        user_id=current_user.id,
        request=selection.request(),
        method_id=id_from(request.form, "method"),
        confirmation_key=key,
        seen_fingerprint=request.form.get("fingerprint", ""),
        return_url=return_url,
    )
    pages = CheckoutPages(selection, from_seats=request.form.get("origin") == "seats")
    return after_payment(result, pages)


class CheckoutPages:
    """After a checkout's payment: its confirmation, the status page while it is confirmed,
    or the page the customer paid from (step 3 or the seat page) with what happened."""

    def __init__(self, selection: Selection, *, from_seats: bool = False) -> None:
        self.selection = selection
        self.from_seats = from_seats

    @classmethod
    def of_payment(cls, payment: Payment) -> CheckoutPages:
        """The pages of a stored checkout payment; 404 for one without its breakdown."""
        if not payment.breakdown:
            abort(404)
        seat_change = payment.breakdown.get("kind") == ChangeKind.QUANTITY_CHANGE
        return cls(_selection_of(payment), from_seats=seat_change)

    def paid(self, result: PayResult) -> Response:
        """The confirmation page."""
        return redirect(url_for("wizard.confirmation", payment_id=result.payment_id))

    def not_paid(
        self, result: PayResult
    ) -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
        """Wait for a payment being confirmed; else the page again, saying what happened."""
        if result.outcome is Outcome.IN_PROGRESS and result.payment_id is not None:
            return redirect(url_for("wizard.payment_status", payment_id=result.payment_id))
        if result.outcome is Outcome.NOT_ALLOWED and result.refusal is not None:
            message = change_refusal_message(result.refusal)
        else:
            message = outcome_message(result)
        # A declined method is not offered first again; a cancelled one is, to try again.
        refused: dict[str, int | None] = {}
        if result.outcome in REFUSED and result.payment_id is not None:
            payment = payments.account_payment(current_account_id(), result.payment_id)
            refused[REFUSED[result.outcome]] = payment.method_id if payment else None
        account = load_account(current_account_id())
        selection = self.selection
        if self.from_seats and current_configuration(account) is not None:
            quantities = MultiDict({"agents": selection.agents_text, "packs": selection.packs_text})
            return seats_page(
                account, quantities, outcome_status(result), pay_error=message, **refused
            )
        return _payment_page(
            selection, account, status=outcome_status(result), pay_error=message, **refused
        )


# The refused outcomes whose method the payment step treats apart, by the name it takes.
REFUSED = {Outcome.DECLINED: "declined", Outcome.CANCELLED: "cancelled"}


def _checkout_payment(payment_id: int) -> Payment:
    """A checkout payment of the signed-in account, or 404 (an invoice's or renewal's too)."""
    payment = payments.account_payment(current_account_id(), payment_id)
    if payment is None or payment.purpose is not PaymentPurpose.CHECKOUT or not payment.breakdown:
        abort(404)
    return payment


def _selection_of(payment: Payment) -> Selection:
    """The selection a payment was made for, to show step 3 again after a decline."""
    config = (payment.breakdown or {})["configuration"]
    return Selection(
        Plan(config["plan"]),
        BillingPeriod(config["period"]),
        payment.currency,
        str(config["agents"]),
        str(config["packs"]),
    )


@bp.get("/payments/<int:payment_id>/status")
@roles_required(*BILLING_ROLES)
def payment_status(payment_id: int) -> ResponseReturnValue:
    """Where a resent or concurrent Pay lands: wait for the first one, then show its outcome."""
    payment = _checkout_payment(payment_id)
    if payment.status in (PaymentStatus.CREATED, PaymentStatus.PROCESSING) and payments.is_stale(
        payment, clock.now()
    ):
        # Its request was lost (a crash, a dropped reply): ask the gateway now.
        payments.reconcile_payment(payment_id)
        payment = _checkout_payment(payment_id)
    result = payments.result_of(payment)
    if result.outcome is Outcome.IN_PROGRESS:
        return render_template("wizard/processing.html", payment=payment), 202
    return after_payment(result, CheckoutPages.of_payment(payment))


@bp.get("/payments/<int:payment_id>")
@roles_required(*BILLING_ROLES)
def confirmation(payment_id: int) -> str:
    """The confirmation page of a paid change."""
    receipt = paid_change(current_account_id(), payment_id)
    if receipt is None:
        abort(404)
    return render_template("wizard/confirmation.html", receipt=receipt, describe_method=describe)


@bp.route("/request-quote", methods=["GET", "POST"])
@roles_required(*BILLING_ROLES)
@checks_form_text
def request_quote() -> Response | str | tuple[str, int]:
    """More than 50 agents: ask the vendor for an offer; staff find it in their queue."""
    account = load_account(current_account_id())
    selection = read_selection(request.values, account)
    # A quote is for a number of agents: text such as "abc" is refused, not recorded.
    invalid: dict[str, str] = {
        name: selection.errors[name]
        for name in ("agents", "packs")
        if name in selection.errors and getattr(selection, name) is None
    }
    message = request.form.get("message", "")
    if "message" in request.files:
        invalid["message"] = str(FILE_IN_TEXT_ERROR)
    elif unsafe_text_error(message) is not None:
        invalid["message"] = str(UNSAFE_TEXT_ERROR)
    if invalid:
        page = render_template(
            "wizard/request_quote.html",
            selection=selection,
            errors=invalid,
            message=marked(message[: echo_limit(MAX_MESSAGE)]),
        )
        return page, UNPROCESSABLE
    if request.method == "POST":
        if selection.agents is None or selection.packs is None:
            return render_template("wizard/request_quote.html", selection=selection), UNPROCESSABLE
        message = message.strip()
        file_quote_request(
            account,
            current_user,
            Configuration(selection.plan, selection.period, selection.agents, selection.packs),
            selection.currency,
            message,
        )
        flash(
            _(
                "Thank you. Our team will prepare a quote and send it to you; "
                "we have e-mailed you a confirmation."
            ),
            "success",
        )
        return redirect(url_for("dashboard.my_package"))
    return render_template("wizard/request_quote.html", selection=selection, errors={}, message="")
