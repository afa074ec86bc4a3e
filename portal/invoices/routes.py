"""Invoice pages; every invoice id is looked up within the signed-in user's account."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts import load_account
from portal.documents import pdf as documents
from portal.einvoices import files as einvoice_files
from portal.einvoices.sending import HANDED_OVER, handed_over_file
from portal.forms import FILE_IN_TEXT_ERROR, echo_limit, marked, unsafe_text_error
from portal.invoices.listing import (
    NOTE_MAX_LENGTH,
    NoteTooLong,
    invoice_of,
    latest_year,
    list_invoices,
    save_note,
)
from portal.invoices.payment import pay_invoice
from portal.invoices.reissue import planned_reissue, reissue
from portal.methods.choice import method_choice
from portal.models import BILLING_ROLES, Invoice, InvoiceStatus, Payment
from portal.numbers import id_from, page_number
from portal.payments.lifecycle import Outcome, PayResult
from portal.payments.pages import outcome_message, outcome_status
from portal.payments.routes import after_payment, return_url
from portal.security import (
    ConfirmationKey,
    checks_form_text,
    current_account_id,
    roles_required,
)
from portal.web import UNPROCESSABLE, private_download, render_page, wants_fragment

bp = Blueprint("invoices", __name__, url_prefix="/billing/invoices")


@bp.get("/")
@roles_required(*BILLING_ROLES)
def index() -> str:
    """Invoices and credit notes, newest first, paged, optionally only paid or open."""
    listing = list_invoices(
        current_account_id(),
        status=request.args.get("status") or None,
        page=page_number(request.args),
    )
    ubl_ids = einvoice_files.ubl_documents(
        current_account_id(), [invoice.id for invoice, *_rest in listing.rows]
    )
    return render_template(
        "invoices/index.html",
        listing=listing,
        note_max=NOTE_MAX_LENGTH,
        ubl_ids=ubl_ids,
        handed_over=HANDED_OVER,
    )


@bp.get("/<int:invoice_id>/note")
@roles_required(*BILLING_ROLES)
def note(invoice_id: int) -> Response | str:
    """The note cell (htmx Cancel swaps it back); a plain visit goes to the list."""
    invoice = invoice_of(current_account_id(), invoice_id)
    if invoice is None:
        abort(404)
    if not wants_fragment():
        return redirect(url_for("invoices.index"))
    return render_template("invoices/_note_cell.html", invoice=invoice)


@bp.get("/<int:invoice_id>/note/edit")
@roles_required(*BILLING_ROLES)
def edit_note(invoice_id: int) -> str:
    """The note form: swapped into the cell by htmx, or a page of its own without JavaScript."""
    invoice = invoice_of(current_account_id(), invoice_id)
    if invoice is None:
        abort(404)
    return render_page(
        "invoices/note.html",
        "invoices/_note_form.html",
        invoice=invoice,
        text=invoice.note,
        error=None,
        note_max=NOTE_MAX_LENGTH,
    )


def _note_refused(invoice_id: int, text: str, error: str) -> tuple[str, int]:
    """The note form again (the cell's fragment for htmx) with the error and what was typed."""
    invoice = invoice_of(current_account_id(), invoice_id)
    if invoice is None:
        abort(404)
    page = render_page(
        "invoices/note.html",
        "invoices/_note_form.html",
        invoice=invoice,
        # Enough goes back into the form to shorten it, never a whole huge body; each refused
        # character shows as U+FFFD.
        text=marked(text[: echo_limit(NOTE_MAX_LENGTH)]),
        error=error,
        note_max=NOTE_MAX_LENGTH,
    )
    return page, UNPROCESSABLE


@bp.post("/<int:invoice_id>/note")
@roles_required(*BILLING_ROLES)
@checks_form_text
def update_note(invoice_id: int) -> Response | tuple[str, int] | str:
    """Save the note; the cell (htmx) or the list (plain form) shows it."""
    text = request.form.get("note", "")
    error = FILE_IN_TEXT_ERROR if "note" in request.files else unsafe_text_error(text)
    if error is not None:
        return _note_refused(invoice_id, text, error)
    try:
        invoice = save_note(current_account_id(), current_user.id, invoice_id, text)
    except NoteTooLong:
        error = _(
            "The note can have at most %(max)d characters; this one has %(count)d.",
            max=NOTE_MAX_LENGTH,
            count=len(text.strip()),
        )
        return _note_refused(invoice_id, text, error)
    if invoice is None:
        abort(404)
    if wants_fragment():
        return render_template("invoices/_note_cell.html", invoice=invoice)
    return redirect(url_for("invoices.index"))


@bp.get("/<int:invoice_id>/pdf")
@roles_required(*BILLING_ROLES)
def pdf(invoice_id: int) -> Response:
    """The document as PDF: stored bytes until the invoice changes, another account's is 404;
    the Factur-X PDF where the account chose it."""
    return einvoice_files.pdf_download(current_account_id(), invoice_id)


@bp.get("/<int:invoice_id>/ubl")
@roles_required(*BILLING_ROLES)
def ubl(invoice_id: int) -> Response:
    """The document as UBL 2.1 XML, where the account chose UBL; otherwise 404."""
    return einvoice_files.ubl_download(current_account_id(), invoice_id)


@bp.get("/<int:invoice_id>/xml")
@roles_required(*BILLING_ROLES)
def xml(invoice_id: int) -> Response:
    """The document's e-invoice (FatturaPA XML) once it went to the exchange system; another
    account's document, or one whose file was not sent, is 404."""
    found = handed_over_file(current_account_id(), invoice_id)
    if found is None:
        abort(404)
    _invoice, file = found
    return private_download(file.content, "application/xml", file.file_name)


# Documents are dated; a year outside these is no year an account has documents in.
FIRST_YEAR = 1980
LAST_YEAR = 9999
NUMBER = re.compile(r"-?[0-9]+")


def _chosen_year(account_id: int) -> int | None:
    """The `year` asked for, else the latest the account has documents in (None: no
    document yet); 400 when it is not a number, 404 when no document can be from it."""
    raw = request.args.get("year", "").strip()
    if not raw:
        return latest_year(account_id)
    if not NUMBER.fullmatch(raw):
        abort(400)
    # Length first: int() of thousands of digits is refused, and 2**64 is no year.
    if len(raw.lstrip("-")) > len(str(LAST_YEAR)) or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        abort(404)
    return int(raw)


@bp.get("/zip")
@roles_required(*BILLING_ROLES)
def year_zip() -> Response:
    """Every invoice and credit note of one year in a ZIP, for the accountant."""
    account_id = current_account_id()
    year = _chosen_year(account_id)
    found = []
    if year is not None:
        try:
            found = documents.year_pdfs(account_id, year)
        except documents.InvoicePdfError as error:
            current_app.logger.error("%s", error)
            abort(503)
    if not found:
        message = (
            _("There are no invoices yet: there is nothing to download.")
            if year is None
            else _(
                "There are no invoices or credit notes from %(year)s: there is nothing to "
                "download.",
                year=str(year),
            )
        )
        flash(message, "info")
        return redirect(url_for("invoices.index"))
    return private_download(documents.pdf_archive(found), "application/zip", f"invoices-{year}.zip")


def _pay_page(invoice: Invoice, status: int = 200, error: str | None = None) -> tuple[str, int]:
    """The confirmation page for paying one open invoice, with a fresh confirmation key."""
    page = render_template(
        "invoices/pay.html",
        invoice=invoice,
        pay_error=error,
        **method_choice(current_account_id(), url_for("invoices.pay", invoice_id=invoice.id)),
    )
    return page, status


@bp.get("/<int:invoice_id>/pay")
@roles_required(*BILLING_ROLES)
def pay(invoice_id: int) -> Response | tuple[str, int]:
    """Choose the method and confirm the payment of an open invoice."""
    invoice = invoice_of(current_account_id(), invoice_id)
    if invoice is None:
        abort(404)
    if invoice.status != InvoiceStatus.OPEN:
        return redirect(url_for("invoices.index"))
    return _pay_page(invoice)


@bp.post("/<int:invoice_id>/pay")
@roles_required(*BILLING_ROLES)
def confirm_pay(invoice_id: int) -> ResponseReturnValue:
    """Charge the open invoice once per confirmation key."""
    key = ConfirmationKey.posted()
    result = pay_invoice(
        account_id=current_account_id(),
        user_id=current_user.id,
        invoice_id=invoice_id,
        method_id=id_from(request.form, "method"),
        confirmation_key=key,
        return_url=return_url,
    )
    if result is None:
        abort(404)
    return after_payment(result, InvoicePages(invoice_id))


class InvoicePages:
    """After an open invoice's payment: back to the list when paid or cancelled meanwhile;
    else its Pay page again with the reason."""

    def __init__(self, invoice_id: int) -> None:
        self.invoice_id = invoice_id

    @classmethod
    def of_payment(cls, payment: Payment) -> InvoicePages:
        """The pages of a stored payment of an open invoice."""
        assert payment.invoice_id is not None
        return cls(payment.invoice_id)

    def paid(self, result: PayResult) -> Response:
        """The list, thanking the customer."""
        flash(_("Thank you: the invoice is paid."), "success")
        return redirect(url_for("invoices.index"))

    def not_paid(self, result: PayResult) -> Response | tuple[str, int]:
        """The list for a cancelled invoice; else the Pay page, saying what happened."""
        if result.outcome is Outcome.NOT_ALLOWED:
            flash(_("This invoice was cancelled: there is nothing to pay."), "error")
            return redirect(url_for("invoices.index"))
        invoice = invoice_of(current_account_id(), self.invoice_id)
        if invoice is None:
            abort(404)
        return _pay_page(invoice, outcome_status(result), outcome_message(result))


def _reissue_refusal_message(code: str) -> str:
    """Why an invoice cannot be reissued, for the billing admin."""
    messages = {
        "not_invoice": _("Only an invoice can be reissued."),
        "cancelled": _("This invoice was cancelled: there is nothing to reissue."),
        "not_latest": _("Only the most recent invoice can be reissued."),
        "other_month": _("An invoice can be reissued within its calendar month only."),
        "corrected": _("A credit note already corrects this invoice: contact support."),
        "letter_of_intent": _(
            "This invoice is VAT-free under your letter of intent: contact support to correct it."
        ),
        "in_progress": _("A payment for this account is in progress. Try again in a few minutes."),
        "unchanged": _(
            "The invoice already has the current billing info: there is nothing to reissue."
        ),
        "figures_changed": _(
            "The billing info or the figures changed meanwhile: check them again below."
        ),
    }
    return messages.get(code, messages["unchanged"])


def _reissue_page(invoice_id: int, error: str | None = None, status: int = 200) -> tuple[str, int]:
    """Both documents' figures before confirming, or why the invoice cannot be reissued."""
    account = load_account(current_account_id())
    invoice = invoice_of(account.id, invoice_id)
    if invoice is None:
        abort(404)
    planned = planned_reissue(account, invoice, clock.today())
    plan = None if isinstance(planned, str) else planned
    if isinstance(planned, str) and error is None:
        # Why it cannot be reissued, unless the page already says why the confirmation was not.
        error, status = _reissue_refusal_message(planned), 409
    page = render_template("invoices/reissue.html", invoice=invoice, plan=plan, error=error)
    return page, status


@bp.get("/<int:invoice_id>/reissue")
@roles_required(*BILLING_ROLES)
def reissue_preview(invoice_id: int) -> tuple[str, int]:
    """What reissuing the most recent invoice with the current billing info would issue."""
    return _reissue_page(invoice_id)


@bp.post("/<int:invoice_id>/reissue")
@roles_required(*BILLING_ROLES)
def reissue_confirm(invoice_id: int) -> ResponseReturnValue:
    """Reissue as shown: a credit note and a new invoice, both e-mailed."""
    outcome = reissue(
        current_account_id(),
        current_user.id,
        invoice_id,
        request.form.get("fingerprint", "")[:64],
    )
    if outcome == "not_found":
        abort(404)
    if isinstance(outcome, str):
        return _reissue_page(invoice_id, _reissue_refusal_message(outcome), 409)
    flash(
        _(
            "Invoice reissued: credit note %(note)s cancels it and invoice %(new)s replaces it.",
            note=outcome.credit_note.number,
            new=outcome.invoice.number,
        ),
        "success",
    )
    return redirect(url_for("invoices.index"))
