"""Billing info and billing activity pages (billing roles only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import load_account
from portal.activity.log import activity_page
from portal.activity.text import describe_activity
from portal.billing.forms import BillingInfoForm
from portal.billing.info import update_billing_info, vat_id_note
from portal.invoices.reissue import reissuable
from portal.models import BILLING_ROLES
from portal.numbers import page_number
from portal.security import checks_form_text, current_account_id, roles_required
from portal.web import form_status

bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.route("/info", methods=["GET", "POST"])
@roles_required(*BILLING_ROLES)
@checks_form_text
def info() -> Response | tuple[str, int] | str:
    """Show and change the billing details."""
    account = load_account(current_account_id())
    form = BillingInfoForm()
    if request.method == "GET":
        form.show(account.billing_info)
    if form.validate_on_submit():
        answer = form.registry_answer(account.id)
        if not form.errors:
            changed = update_billing_info(
                account.id, current_user.id, form.values(), vat_answer=answer
            )
            if changed:
                flash(
                    _("Billing info saved. It applies to the invoices issued from now on."),
                    "success",
                )
            elif answer is None:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("billing.info"))
        account = load_account(account.id)
    # The most recent invoice, while the billing info differs from it within its month.
    reissue = reissuable(account) if request.method == "GET" else None
    return render_template(
        "billing/info.html", form=form, reissue=reissue, vat=vat_id_note(account)
    ), form_status(form)


@bp.get("/activity")
@roles_required(*BILLING_ROLES)
def activity_log() -> str:
    """Who changed what in billing, newest first, paged."""
    page = activity_page(current_account_id(), page_number(request.args))
    return render_template("billing/activity.html", listing=page, describe=describe_activity)
