"""Staff pages: every account, paged and searchable, and one account's billing, read-only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts import account_users, load_account
from portal.activity.log import ActivityPage, activity_page
from portal.activity.text import describe_activity
from portal.backoffice import einvoices as einvoice_list
from portal.backoffice import queries as backoffice
from portal.backoffice.forms import LetterDecisionForm
from portal.dashboard.package import overview_of
from portal.documents import pdf as documents
from portal.domain.letters_of_intent import LetterEvent
from portal.einvoices import sending as einvoices
from portal.einvoices.codes import shown_problems
from portal.extensions import db
from portal.letters.ceiling import account_letters, decide, waiting_letters
from portal.models import (
    Account,
    DocumentKind,
    EInvoiceState,
    LetterOfIntent,
    Role,
    SubscriptionStatus,
)
from portal.numbers import page_number
from portal.security import checks_form_text, reads_only, roles_required
from portal.web import form_status, private_download

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")

SECTIONS = ("invoices", "credit-notes", "payments", "activity")


@bp.get("/accounts")
@reads_only
@roles_required(Role.STAFF)
def accounts() -> str:
    """Accounts by name, 25 a page, searched by name, e-mail or VAT ID, filtered by status."""
    listing = backoffice.search_accounts(
        request.args.get("q", ""),
        backoffice.parse_filter(request.args.get("status")),
        page_number(request.args),
    )
    return render_template(
        "backoffice/accounts.html",
        listing=listing,
        past_due=listing.attention[SubscriptionStatus.PAST_DUE],
        blocked=listing.attention[SubscriptionStatus.BLOCKED],
        filters=[(value, backoffice.filter_label(value)) for value in backoffice.AccountFilter],
    )


@bp.get("/accounts/<int:account_id>")
@roles_required(Role.STAFF)
def account(account_id: int) -> str:
    """One account: package, billing info, users, and one of its billing lists."""
    try:
        found = load_account(account_id)
    except LookupError:
        abort(404)
    section = request.args.get("show", "invoices")
    if section not in SECTIONS:
        section = "invoices"
    page = page_number(request.args)
    listing: backoffice.Listing | ActivityPage
    if section == "invoices":
        listing = backoffice.account_documents(account_id, DocumentKind.INVOICE, page)
    elif section == "credit-notes":
        listing = backoffice.account_documents(account_id, DocumentKind.CREDIT_NOTE, page)
    elif section == "payments":
        listing = backoffice.account_payments(account_id, page)
    else:
        listing = activity_page(account_id, page)
    files = {}
    if isinstance(listing, backoffice.Listing) and section in ("invoices", "credit-notes"):
        files = einvoices.latest_files([row.invoice.id for row in listing.rows])
    return render_template(
        "backoffice/account.html",
        account=found,
        package=overview_of(found, clock.today()),
        users=account_users(account_id),
        section=section,
        sections=SECTIONS,
        listing=listing,
        describe=describe_activity,
        contract=backoffice.contract_of(found, clock.today()),
        einvoice_files=files,
        shown_problems=shown_problems,
        produced_again_from=einvoices.PRODUCED_AGAIN_FROM,
        letters=account_letters(account_id),
    )


def account_names(account_ids: set[int]) -> dict[int, str]:
    """The accounts' names by id."""
    if not account_ids:
        return {}
    rows = db.session.execute(select(Account.id, Account.name).where(Account.id.in_(account_ids)))
    return {row.id: row.name for row in rows}


@bp.get("/letters-of-intent")
@roles_required(Role.STAFF)
def letters() -> str:
    """Letters of intent waiting for a decision, oldest first."""
    waiting = waiting_letters()
    names = account_names({letter.account_id for letter in waiting})
    return render_template("backoffice/letters.html", letters=waiting, names=names)


@bp.route("/letters-of-intent/<int:letter_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
@checks_form_text
def letter(letter_id: int) -> Response | tuple[str, int]:
    """One letter: its figures, its PDF, and approve or reject (with a reason)."""
    found = db.session.get(LetterOfIntent, letter_id)
    if found is None:
        abort(404)
    form = LetterDecisionForm()
    conflict = False
    if form.validate_on_submit():
        if form.approve.data:
            event, reason = LetterEvent.APPROVE, ""
        else:
            event, reason = LetterEvent.REJECT, (form.reason.data or "").strip()
        if decide(letter_id, current_user.id, event, reason):
            flash(
                _("Letter approved: its invoices carry no VAT from now on.")
                if event is LetterEvent.APPROVE
                else _("Letter rejected. The customer sees the reason."),
                "success",
            )
            return redirect(url_for("backoffice.account", account_id=found.account_id))
        conflict = True
        db.session.refresh(found)
    status = 409 if conflict else form_status(form)
    return (
        render_template(
            "backoffice/letter.html",
            letter=found,
            account=load_account(found.account_id),
            form=form,
            conflict=conflict,
        ),
        status,
    )


@bp.get("/letters-of-intent/<int:letter_id>/pdf")
@roles_required(Role.STAFF)
def letter_pdf(letter_id: int) -> Response:
    """The letter's PDF as the customer uploaded it."""
    found = db.session.get(LetterOfIntent, letter_id)
    if found is None:
        abort(404)
    return private_download(found.pdf, "application/pdf", f"letter-of-intent-{found.id}.pdf")


@bp.get("/accounts/<int:account_id>/documents/<int:invoice_id>/pdf")
@roles_required(Role.STAFF)
def document_pdf(account_id: int, invoice_id: int) -> Response:
    """One of the account's invoices or credit notes as PDF, the one the customer gets."""
    return documents.pdf_download(account_id, invoice_id)


@bp.get("/accounts/<int:account_id>/documents/<int:invoice_id>/xml")
@roles_required(Role.STAFF)
def document_xml(account_id: int, invoice_id: int) -> Response:
    """The document's latest FatturaPA file, whatever its state (staff read why it failed)."""
    found = einvoices.latest_file_of(account_id, invoice_id)
    if found is None:
        abort(404)
    return private_download(found.content, "application/xml", found.file_name)


@bp.post("/accounts/<int:account_id>/documents/<int:invoice_id>/einvoice")
@roles_required(Role.STAFF)
def produce_einvoice_again(account_id: int, invoice_id: int) -> Response:
    """Produce a rejected or invalid document's e-invoice again under a new file name; a valid
    one goes out with the next send run."""
    try:
        produced = einvoices.produce_again(account_id, invoice_id)
    except LookupError:
        abort(404)
    except einvoices.NotProducedAgain:
        flash(
            _("This e-invoice is neither rejected nor invalid: there is nothing to redo."), "info"
        )
    else:
        if produced.state is EInvoiceState.GENERATED:
            flash(
                _(
                    "E-invoice produced again as %(file)s: it goes to the exchange system with "
                    "the next send run.",
                    file=produced.file_name,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "E-invoice produced again as %(file)s, but it still fails a rule: it is not "
                    "sent. Its problems are listed below.",
                    file=produced.file_name,
                ),
                "error",
            )
    return redirect(
        url_for("backoffice.account", account_id=account_id, _anchor=f"document-{invoice_id}")
    )


@bp.get("/einvoices")
@reads_only
@roles_required(Role.STAFF)
def einvoices_list() -> str:
    """Every e-invoice file, newest first, 25 a page, filtered by state."""
    listing = einvoice_list.list_files(
        einvoice_list.parse_filter(request.args.get("state")), page_number(request.args)
    )
    return render_template(
        "backoffice/einvoices.html",
        listing=listing,
        filters=[(None, einvoice_list.all_files_label())]
        + [(value, label()) for value, label in einvoice_list.FILE_FILTER_LABELS.items()],
        shown_problems=shown_problems,
    )
