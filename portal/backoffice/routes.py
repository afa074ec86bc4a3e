"""Staff pages: every account, paged and searchable, and one account's billing, read-only."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts import account_users, load_account
from portal.activity.log import ActivityPage, activity_page
from portal.activity.text import describe_activity
from portal.backoffice import queries as backoffice
from portal.dashboard.package import overview_of
from portal.documents import pdf as documents
from portal.models import DocumentKind, Role, SubscriptionStatus
from portal.numbers import page_number
from portal.security import reads_only, roles_required

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
    )


@bp.get("/accounts/<int:account_id>/documents/<int:invoice_id>/pdf")
@roles_required(Role.STAFF)
def document_pdf(account_id: int, invoice_id: int) -> Response:
    """One of the account's invoices or credit notes as PDF, the one the customer gets."""
    return documents.pdf_download(account_id, invoice_id)
