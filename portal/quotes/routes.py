"""Quote pages: staff draft, send and withdraw; billing admins read, reject and accept."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import account_pricing, accounts, clock
from portal.account_pricing import suggested_currency
from portal.accounts import load_account
from portal.activity.text import describe_activity
from portal.billing.forms import BillingInfoForm
from portal.billing.info import update_billing_info
from portal.documents.quote_pdf import QuotePdfError, sales_quote_pdf
from portal.domain.money import minor_to_decimal
from portal.domain.pricing import ChangeNotAllowed, ConfigurationError
from portal.domain.sales_quotes import DiscountKind, QuoteTermsError
from portal.extensions import db
from portal.mail.outbox import deliver_soon
from portal.methods.choice import method_choice
from portal.models import (
    BILLING_ROLES,
    Invoice,
    Payment,
    QuoteStatus,
    Role,
    SalesQuote,
)
from portal.numbers import id_from, page_number, whole_number
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import Outcome, PayResult
from portal.payments.pages import outcome_message, outcome_status
from portal.payments.routes import after_payment, return_url
from portal.payments.saved_methods import describe, list_methods
from portal.public_url import public_url_for
from portal.quotes import workflow as service
from portal.quotes.forms import AcceptForm, NewQuoteForm, QuoteDraftForm, RejectForm
from portal.quotes.text import (
    refusal_message,
    request_state_label,
    status_label,
    terms_error_message,
)
from portal.security import (
    ConfirmationKey,
    checks_form_text,
    current_account_id,
    reads_only,
    roles_required,
)
from portal.text_search import AccountSuggestion, account_suggestion, account_suggestions
from portal.web import UNPROCESSABLE, form_status, private_download, render_page

bp = Blueprint("quotes", __name__)


def _pdf_response(quote: SalesQuote) -> Response:
    """The quote's PDF as a download; a drawing failure is logged and answered with a 503 page."""
    try:
        content = sales_quote_pdf(quote)
    except QuotePdfError as error:
        current_app.logger.error("%s", error)
        abort(503)
    return private_download(content, "application/pdf", f"{quote.number}.pdf", inline=True)


# --- staff ----------------------------------------------------------------------------------


@bp.get("/backoffice/quotes")
@roles_required(Role.STAFF)
def staff_list() -> str:
    """Quotes filtered by status and account, and the queue of quote requests."""
    status_text = request.args.get("status", "")
    status = QuoteStatus(status_text) if status_text in set(QuoteStatus) else None
    account_id = id_from(request.args, "account")
    listing = service.staff_quotes(
        status, account_id, request.args.get("q", ""), page_number(request.args)
    )
    return render_template(
        "quotes/staff_list.html",
        listing=listing,
        requests=service.open_requests(),
        filter_account=accounts.account_name(account_id) if account_id is not None else None,
        status=status,
        account_id=account_id,
        statuses=list(QuoteStatus),
        today=clock.today(),
    )


@bp.post("/backoffice/quote-requests/<int:request_id>/draft")
@roles_required(Role.STAFF)
def draft_from_request(request_id: int) -> Response:
    """One click: a request becomes a draft."""
    quote = service.draft_from_request(request_id, current_user.id)
    if quote is None:
        abort(404)
    flash(_("Draft created from the request. Check the terms, then send it."), "success")
    return redirect(url_for("quotes.staff_detail", quote_id=quote.id))


def _draft_form(currency: str, **kwargs: Any) -> QuoteDraftForm:
    """The draft form of a quote, its amounts read in the quote's currency."""
    return QuoteDraftForm(currency=currency, **kwargs)


@dataclass(frozen=True)
class AccountPick:
    """The account the new-quote form names, the accounts to choose from, and why none was
    taken (None once one is)."""

    chosen: AccountSuggestion | None
    suggestions: list[AccountSuggestion]
    problem: str | None


def _picked_account(values: Any) -> AccountPick:
    """The account chosen among the ones found, else the only one the typed text finds."""
    typed = values.get("account", "")
    found = account_suggestions(typed) if isinstance(typed, str) else []
    chosen_id = id_from(values, "account_id")
    chosen = account_suggestion(chosen_id) if chosen_id is not None else None
    if chosen is not None:
        return AccountPick(chosen, found if chosen in found else [chosen, *found], None)
    if len(found) == 1:
        return AccountPick(found[0], found, None)
    if not found:
        if isinstance(typed, str) and typed.strip():
            return AccountPick(None, [], _("No account matches this search."))
        return AccountPick(None, [], _("Type the account's name, then choose it."))
    return AccountPick(None, found, _("Several accounts match: choose one."))


def _new_form(pick: AccountPick) -> NewQuoteForm:
    """The new-quote form, its amounts read in the chosen account's currency."""
    currency = "EUR"
    if pick.chosen is not None:
        with suppress(LookupError):
            currency = suggested_currency(load_account(pick.chosen.id))
    return NewQuoteForm(currency=currency)


def _new_page(form: NewQuoteForm, pick: AccountPick, pricing: Any, message: str | None) -> Any:
    """The new-quote page: the form, the accounts found and the figures of its values."""
    return render_template(
        "quotes/staff_new.html",
        form=form,
        pick=pick,
        pricing=pricing,
        figures_message=message,
        quote=_unsaved_quote(pick, form),
    ), form_status(form)


def _unsaved_quote(pick: AccountPick, form: NewQuoteForm) -> SalesQuote:
    """What the figures template reads of a quote, for a draft not saved yet."""
    return SalesQuote(currency=form.currency, valid_until=form.valid_until.data)


def _new_figures(form: NewQuoteForm, pick: AccountPick) -> tuple[Any, str]:
    """The figures of the new-quote form's values, or why there are none yet."""
    if pick.chosen is None:
        return None, _("Choose the account to see the price.")
    if not form.validate_on_submit():
        return None, _("Correct the highlighted fields to see the price.")
    try:
        return service.preview_new_pricing(pick.chosen.id, form.draft()), ""
    except (QuoteTermsError, ConfigurationError, ChangeNotAllowed) as error:
        return None, terms_error_message(error)


@bp.route("/backoffice/quotes/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
@checks_form_text
def staff_new() -> Response | str | tuple[str, int]:
    """A new draft for an account found by search; "Preview" shows its figures unsaved."""
    pick = _picked_account(request.values)
    form = _new_form(pick)
    if request.method == "GET":
        today = clock.today()
        form.billing_starts_on.data = today
        form.valid_until.data = today + service.DEFAULT_VALIDITY
        if pick.chosen is not None:
            form.account.data = pick.chosen.name
        return _new_page(form, pick, None, _("Choose the account to see the price."))
    pricing, message = _new_figures(form, pick)
    if pick.problem is not None:
        form.account.errors = [*form.account.errors, pick.problem]
    if "preview" in request.form or form.errors or pick.chosen is None:
        return _new_page(form, pick, pricing, message or None)
    quote = service.create_draft(pick.chosen.id, current_user.id, form.draft())
    flash(_("Draft saved."), "success")
    return redirect(url_for("quotes.staff_detail", quote_id=quote.id))


@bp.post("/backoffice/quotes/new/preview")
@roles_required(Role.STAFF)
@checks_form_text
def staff_new_preview() -> str:
    """The figures for the values on the new-quote form (the htmx live preview), with each
    field's errors swapped in beside it."""
    pick = _picked_account(request.form)
    form = _new_form(pick)
    pricing, message = _new_figures(form, pick)
    return render_template(
        "quotes/_staff_figures.html",
        quote=_unsaved_quote(pick, form),
        pricing=pricing,
        figures_message=message,
        form=form,
        live=True,
    )


@bp.get("/backoffice/quotes/new/accounts")
@reads_only
@roles_required(Role.STAFF)
def staff_account_choices() -> Response:
    """The accounts the typed text finds, to choose one (the htmx suggestions)."""
    pick = _picked_account(request.args)
    response = make_response(render_template("quotes/_account_choices.html", pick=pick))
    if pick.chosen is not None:
        # The only account found is chosen: the live figures follow it.
        response.headers["HX-Trigger-After-Swap"] = "account-chosen"
    return response


def _figures(quote: SalesQuote) -> tuple[Any, str | None]:
    """The quote's figures, or the message that stands in for them on a draft."""
    account = load_account(quote.account_id)
    try:
        return account_pricing.quote_pricing(quote, account), None
    except (QuoteTermsError, ConfigurationError, ChangeNotAllowed) as error:
        return None, terms_error_message(error)


def _staff_detail_page(
    quote: SalesQuote,
    form: QuoteDraftForm | None,
    code: int = 200,
    preview: tuple[Any, str | None] | None = None,
) -> Any:
    """The staff's page of one quote: the form while a draft, the frozen figures after;
    `preview` stands for the figures of the form's unsaved values."""
    account = load_account(quote.account_id)
    pricing, message = preview if preview is not None else _figures(quote)
    names = accounts.user_names(
        [quote.created_by_id, quote.sent_by_id, quote.withdrawn_by_id, quote.decided_by_id]
    )
    status = quote.status_on(clock.today())
    page = render_template(
        "quotes/staff_detail.html",
        quote=quote,
        account=account,
        form=form,
        pricing=pricing,
        figures_message=message,
        previewed=preview is not None and pricing is not None,
        names=names,
        status=status,
        can_duplicate=status in service.DUPLICABLE,
        quote_request=service.quote_request_of(quote),
        history=service.quote_activity(quote),
        describe_activity=describe_activity,
    )
    return page, code


@bp.route("/backoffice/quotes/<int:quote_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
@checks_form_text
def staff_detail(quote_id: int) -> Any:
    """See a quote; edit it while it is a draft ("Preview" shows the unsaved figures)."""
    quote = service.staff_quote(quote_id)
    if quote is None:
        abort(404)
    if quote.status is not QuoteStatus.DRAFT:
        if request.method == "POST":
            return _conflict(_("This quote was sent: it can no longer be changed."))
        return _staff_detail_page(quote, None)
    form = _draft_form(quote.currency, obj=None)
    if request.method == "GET":
        _fill_form(form, quote)
    elif "preview" in request.form:
        return _staff_detail_page(
            quote, form, form_status(form), preview=_draft_figures(quote, form)
        )
    elif form.validate_on_submit():
        try:
            service.update_draft(quote.id, form.draft())
        except service.QuoteStateError:
            return _conflict(_("This quote was sent: it can no longer be changed."))
        flash(_("Draft saved."), "success")
        return redirect(url_for("quotes.staff_detail", quote_id=quote.id))
    return _staff_detail_page(quote, form, form_status(form))


def _draft_figures(quote: SalesQuote, form: QuoteDraftForm) -> tuple[Any, str | None]:
    """The figures of a draft with the form's values, or why there are none."""
    if not form.validate_on_submit():
        return None, _("Correct the highlighted fields to see the price.")
    try:
        return service.preview_pricing(quote, form.draft()), None
    except (QuoteTermsError, ConfigurationError, ChangeNotAllowed) as error:
        return None, terms_error_message(error)


@bp.post("/backoffice/quotes/<int:quote_id>/duplicate")
@roles_required(Role.STAFF)
def staff_duplicate(quote_id: int) -> Any:
    """A rejected, expired or withdrawn quote offered again: a new draft with its terms."""
    try:
        copy = service.duplicate_quote(quote_id, current_user.id)
    except LookupError:
        abort(404)
    except service.QuoteStateError as error:
        return _conflict(refusal_message(error.code))
    flash(
        _("New draft with the terms of the earlier quote. Check the dates, then send it."),
        "success",
    )
    return redirect(url_for("quotes.staff_detail", quote_id=copy.id))


def _fill_form(form: QuoteDraftForm, quote: SalesQuote) -> None:
    """Show the draft's stored values."""
    terms = account_pricing.terms_of(quote)
    form.plan.data = quote.plan
    form.period.data = quote.billing_period
    form.agents.data = quote.agents
    form.packs.data = quote.packs
    for name in ("agent_discount", "pack_discount", "overall_discount"):
        discount = getattr(terms, name)
        getattr(form, f"{name}_kind").data = str(discount.kind)
        getattr(form, f"{name}_value").data = _discount_text(discount, quote.currency)
    form.term_months.data = quote.term_months
    form.billing_starts_on.data = quote.billing_starts_on
    form.valid_until.data = quote.valid_until
    form.note.data = quote.note


def _discount_text(discount: Any, currency: str) -> str:
    """A stored discount as the form shows it ('12.5' or '150.00')."""
    if discount.kind is DiscountKind.PERCENT:
        return f"{discount.percent.normalize():f}"
    if discount.kind is DiscountKind.AMOUNT:
        return str(minor_to_decimal(discount.amount_minor, currency))
    return ""


def _conflict(message: str) -> tuple[str, int]:
    """A 409 page saying why the action was refused."""
    return render_page("quotes/refused.html", "quotes/_refused.html", message=message), 409


@bp.post("/backoffice/quotes/<int:quote_id>/preview")
@roles_required(Role.STAFF)
@checks_form_text
def staff_preview(quote_id: int) -> str:
    """The figures for the values on the draft form, unsaved (the htmx live preview)."""
    quote = service.staff_quote(quote_id)
    if quote is None:
        abort(404)
    form = _draft_form(quote.currency)
    pricing, message = None, _("This quote was sent: it can no longer be changed.")
    if quote.status is QuoteStatus.DRAFT:
        pricing, message = _draft_figures(quote, form)
    return render_template(
        "quotes/_staff_figures.html",
        quote=quote,
        pricing=pricing,
        figures_message=message,
        form=form,
        live=True,
    )


@bp.post("/backoffice/quotes/<int:quote_id>/send")
@roles_required(Role.STAFF)
@checks_form_text
def staff_send(quote_id: int) -> Any:
    """Save the draft's values as on the form, then freeze, number and e-mail the quote."""
    quote = service.staff_quote(quote_id)
    if quote is None:
        abort(404)
    if quote.status is not QuoteStatus.DRAFT:
        return _conflict(refusal_message(str(quote.status)))
    form = _draft_form(quote.currency)
    if not form.validate_on_submit():
        return _staff_detail_page(quote, form, UNPROCESSABLE)
    link = public_url_for("quotes.detail", quote_id=quote.id)
    try:
        service.update_draft(quote.id, form.draft())
        sent = service.send_quote(quote.id, current_user.id, link=link)
    except service.QuoteStateError as error:
        return _conflict(refusal_message(error.code))
    except (QuoteTermsError, ConfigurationError, ChangeNotAllowed) as error:
        return _conflict(terms_error_message(error))
    deliver_soon(service.quote_email_ids(sent.id))
    flash(_("Quote %(number)s sent to the billing admins.", number=sent.number), "success")
    return redirect(url_for("quotes.staff_detail", quote_id=sent.id))


@bp.post("/backoffice/quotes/<int:quote_id>/withdraw")
@roles_required(Role.STAFF)
def staff_withdraw(quote_id: int) -> Any:
    """Take back a sent quote."""
    quote = service.staff_quote(quote_id)
    if quote is None:
        abort(404)
    try:
        service.withdraw_quote(quote.id, current_user.id)
    except service.QuoteStateError as error:
        return _conflict(refusal_message(error.code))
    flash(_("Quote %(number)s withdrawn.", number=quote.number), "success")
    return redirect(url_for("quotes.staff_detail", quote_id=quote.id))


@bp.get("/backoffice/quotes/<int:quote_id>/pdf")
@roles_required(Role.STAFF)
def staff_pdf(quote_id: int) -> Response:
    """The sent quote's PDF."""
    quote = service.staff_quote(quote_id)
    if quote is None or quote.frozen is None:
        abort(404)
    return _pdf_response(quote)


# --- customers ------------------------------------------------------------------------------


def _own_quote(quote_id: int) -> SalesQuote:
    """The signed-in account's sent quote, or 404."""
    quote = service.customer_quote(current_account_id(), quote_id)
    if quote is None:
        abort(404)
    return quote


@bp.get("/quotes")
@roles_required(*BILLING_ROLES)
def index() -> str:
    """The account's quotes, open ones first."""
    today = clock.today()
    rows = [
        (quote, quote.status_on(today), account_pricing.pricing_of(quote))
        for quote in service.account_quotes(current_account_id())
    ]
    # Stable sort: open quotes first, each group newest first as loaded.
    rows.sort(key=lambda row: row[1] is not QuoteStatus.SENT)
    return render_template(
        "quotes/index.html",
        rows=rows,
        requests=service.account_requests(current_account_id()),
        request_state_label=request_state_label,
    )


def _detail_page(quote: SalesQuote, form: RejectForm, code: int = 200) -> tuple[str, int]:
    """One quote with its figures, the accept button and the reject form."""
    account = load_account(quote.account_id)
    refusal = service.acceptance_refusal(quote, account)
    page = render_template(
        "quotes/detail.html",
        quote=quote,
        pricing=account_pricing.quote_pricing(quote, account),
        status=quote.status_on(clock.today()),
        refusal=refusal_message(refusal) if refusal else None,
        open=quote.status_on(clock.today()) is QuoteStatus.SENT,
        form=form,
        names=accounts.user_names([quote.decided_by_id]),
    )
    return page, code


@bp.get("/quotes/<int:quote_id>")
@roles_required(*BILLING_ROLES)
def detail(quote_id: int) -> tuple[str, int]:
    """A quote: term, renewal date, charges per period, savings, taxes, first payment."""
    return _detail_page(_own_quote(quote_id), RejectForm())


@bp.get("/quotes/<int:quote_id>/pdf")
@roles_required(*BILLING_ROLES)
def pdf(quote_id: int) -> Response:
    """The quote's PDF."""
    return _pdf_response(_own_quote(quote_id))


@bp.post("/quotes/<int:quote_id>/reject")
@roles_required(*BILLING_ROLES)
@checks_form_text
def reject(quote_id: int) -> Any:
    """Say no, with an optional reason staff will read."""
    quote = _own_quote(quote_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _detail_page(quote, form, UNPROCESSABLE)
    try:
        service.reject_quote(
            current_account_id(), quote.id, current_user.id, form.reason.data or ""
        )
    except service.QuoteStateError as error:
        return _conflict(refusal_message(error.code))
    deliver_soon(service.decision_email_ids(quote.id))
    flash(
        _("Quote %(number)s rejected. Thank you for letting us know.", number=quote.number),
        "success",
    )
    return redirect(url_for("quotes.detail", quote_id=quote.id))


def _checkout_context(quote: SalesQuote, step: int, **extra: Any) -> dict[str, Any]:
    """What every acceptance step shows: the quote and the first invoice as due today."""
    account = load_account(quote.account_id)
    pricing = account_pricing.quote_pricing(quote, account)
    breakdown = service.checkout_breakdown(quote, account)
    return {
        "quote": quote,
        "pricing": pricing,
        "breakdown": breakdown,
        "step": step,
        "account": account,
        **extra,
    }


def _refused_page(quote: SalesQuote) -> tuple[str, int] | None:
    """The page that says why this quote cannot be accepted, or None when it can."""
    account = load_account(quote.account_id)
    refusal = service.acceptance_refusal(quote, account)
    if refusal is None:
        return None
    page = render_template("quotes/refused.html", message=refusal_message(refusal), quote=quote)
    return page, 200


@bp.route("/quotes/<int:quote_id>/accept", methods=["GET", "POST"])
@roles_required(*BILLING_ROLES)
@checks_form_text
def accept_billing(quote_id: int) -> Any:
    """Step 1: review and edit billing info; a VAT ID change re-prices the taxes."""
    quote = _own_quote(quote_id)
    refused = _refused_page(quote)
    if refused is not None:
        return refused if request.method == "GET" else (refused[0], 409)
    account = load_account(quote.account_id)
    form = BillingInfoForm()
    if request.method == "GET":
        form.show(account.billing_info)
    if form.validate_on_submit():
        # The EU registry's answer about the VAT ID (a refusal becomes the field's error).
        answer = form.registry_answer(account.id)
        if not form.errors:
            # The purchase-order number is asked for this quote's invoice at the last step;
            # the billing info keeps its own.
            account = load_account(quote.account_id)
            info = account.billing_info
            saved_order = info.purchase_order if info is not None else ""
            values = {**form.values(), "purchase_order": saved_order}
            update_billing_info(account.id, current_user.id, values, vat_answer=answer)
            return redirect(url_for("quotes.accept_method", quote_id=quote.id))
    code = form_status(form)
    return render_template(
        "quotes/accept_billing.html", form=form, **_checkout_context(quote, 1)
    ), code


def _chosen_method(account_id: int) -> int | None:
    """The method picked in step 2, if it is one of the account's."""
    chosen = id_from(request.values, "method")
    return chosen if chosen in {m.id for m in list_methods(account_id)} else None


@bp.get("/quotes/<int:quote_id>/accept/method")
@roles_required(*BILLING_ROLES)
def accept_method(quote_id: int) -> Any:
    """Step 2: pay with a saved method, or add one."""
    quote = _own_quote(quote_id)
    refused = _refused_page(quote)
    if refused is not None:
        return refused
    choice = method_choice(quote.account_id, url_for("quotes.accept_method", quote_id=quote.id))
    return render_template("quotes/accept_method.html", **choice, **_checkout_context(quote, 2))


@bp.get("/quotes/<int:quote_id>/accept/review")
@roles_required(*BILLING_ROLES)
def accept_review(quote_id: int) -> Any:
    """Step 3: the order with its exact figures."""
    quote = _own_quote(quote_id)
    refused = _refused_page(quote)
    if refused is not None:
        return refused
    context = _checkout_context(quote, 3)
    method = _chosen_method(quote.account_id)
    if method is None and context["breakdown"].amount_due_minor > 0:
        flash(_("Choose how to pay."), "error")
        return redirect(url_for("quotes.accept_method", quote_id=quote.id))
    return render_template(
        "quotes/accept_review.html",
        method=_method_label(quote, method),
        method_id=method,
        **context,
    )


def _method_label(quote: SalesQuote, method_id: int | None) -> str:
    """How the chosen method reads (card brand and last digits, PayPal address)."""
    for method in list_methods(quote.account_id):
        if method.id == method_id:
            return describe(method)
    return ""


def _confirm_page(
    quote: SalesQuote, form: AcceptForm, code: int = 200, pay_error: str | None = None
) -> tuple[str, int]:
    """Step 4's page: the package, the method, the tick and the summary."""
    method = _chosen_method(quote.account_id)
    form.method.data = str(method or "")
    if pay_error:
        form.confirmation_key.data = ConfirmationKey.new()  # a new attempt is a new payment
    page = render_template(
        "quotes/accept_confirm.html",
        form=form,
        method=_method_label(quote, method),
        pay_error=pay_error,
        **_checkout_context(quote, 4),
    )
    return page, code


@bp.get("/quotes/<int:quote_id>/accept/confirm")
@roles_required(*BILLING_ROLES)
def accept_confirm(quote_id: int) -> Any:
    """Step 4: tick "I accept this quote" and confirm."""
    quote = _own_quote(quote_id)
    refused = _refused_page(quote)
    if refused is not None:
        return refused
    form = AcceptForm()
    account = load_account(quote.account_id)
    form.fingerprint.data = service.checkout_fingerprint(quote, account)
    form.confirmation_key.data = ConfirmationKey.new()
    info = account.billing_info
    form.purchase_order.data = quote.purchase_order or (info.purchase_order if info else "")
    return _confirm_page(quote, form)


def _confirmation_refusal(quote: SalesQuote, form: AcceptForm) -> tuple[str, int] | None:
    """A 409 for a quote that cannot be accepted or a post that does not carry its figures."""
    account = load_account(quote.account_id)
    refusal = service.acceptance_refusal(quote, account)
    if refusal is None and form.fingerprint.data != service.checkout_fingerprint(quote, account):
        refusal = "figures_changed"
    return _conflict(refusal_message(refusal)) if refusal else None


@bp.post("/quotes/<int:quote_id>/accept/confirm")
@roles_required(*BILLING_ROLES)
def accept_confirm_post(quote_id: int) -> Any:
    """Confirm: never a charge for a refused quote or figures the customer did not see."""
    quote = _own_quote(quote_id)
    form = AcceptForm()
    valid = form.validate_on_submit()
    refused = _confirmation_refusal(quote, form)
    if refused is not None:
        return refused
    if not valid:
        return _confirm_page(quote, form, UNPROCESSABLE)
    key = ConfirmationKey(form.confirmation_key.data)
    result = service.confirm_quote_checkout(
        account_id=quote.account_id,
        user_id=current_user.id,
        quote_id=quote.id,
        method_id=whole_number(form.method.data),
        confirmation_key=key,
        seen_fingerprint=form.fingerprint.data,
        return_url=return_url,
        purchase_order=(form.purchase_order.data or "").strip(),
    )
    return after_payment(result, QuotePages(quote, form))


class QuotePages:
    """After a quote's payment: My package once accepted; a refused quote's reason; or
    step 4 again with what happened."""

    def __init__(self, quote: SalesQuote, form: AcceptForm) -> None:
        self.quote = quote
        self.form = form

    @classmethod
    def of_payment(cls, payment: Payment) -> QuotePages:
        """The pages of a stored payment of a quote (404 for another account's quote)."""
        quote = _own_quote(payment.sales_quote_id or 0)
        form = AcceptForm(formdata=None)
        form.fingerprint.data = payment.basis
        return cls(quote, form)

    def paid(self, result: PayResult) -> Response:
        """My package, naming the quote and its invoice."""
        payment = payments.account_payment(self.quote.account_id, result.payment_id or 0)
        invoice = db.session.get(Invoice, payment.invoice_id) if payment else None
        deliver_soon(service.decision_email_ids(self.quote.id))
        flash(
            _(
                "Quote %(number)s accepted. Invoice %(invoice)s is issued.",
                number=self.quote.number,
                invoice=invoice.number if invoice else "",
            ),
            "success",
        )
        return redirect(url_for("dashboard.my_package"))

    def not_paid(self, result: PayResult) -> tuple[str, int]:
        """Why the quote cannot be accepted; else step 4 again, saying what happened."""
        if result.outcome is Outcome.NOT_ALLOWED and result.reason:
            return _conflict(refusal_message(result.reason))
        return _confirm_page(self.quote, self.form, outcome_status(result), outcome_message(result))


@bp.app_context_processor
def quote_menu() -> dict[str, Any]:
    """The count of open quotes beside Quotes in the billing menu."""

    def open_quotes() -> int:
        """Open quotes of the signed-in billing admin's account (0 for everyone else)."""
        if not current_user.is_authenticated or not current_user.role.manages_billing:
            return 0
        counted = getattr(current_user, "open_quote_count", None)
        if counted is not None:
            return counted  # loaded with the user
        return service.open_quote_count(current_user.account_id)

    return {"open_quotes": open_quotes, "quote_status_label": status_label}
