"""Billing info and billing activity pages (billing roles only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import load_account
from portal.activity.log import activity_page
from portal.activity.text import describe_activity
from portal.billing.forms import BillingInfoForm, LetterOfIntentForm
from portal.billing.info import update_billing_info, vat_id_note
from portal.invoices.reissue import reissuable
from portal.letters.ceiling import (
    MAX_PDF_BYTES,
    NewLetter,
    account_letter,
    account_letters,
    looks_like_pdf,
    submit_letter,
)
from portal.models import BILLING_ROLES
from portal.models.letter_of_intent import FILE_NAME_LENGTH
from portal.numbers import page_number
from portal.security import accepts_file, checks_form_text, current_account_id, roles_required
from portal.web import UNPROCESSABLE, form_status, private_download

# The letter's PDF and the form around it; a larger body is refused before it is read.
MAX_UPLOAD_BODY_BYTES = MAX_PDF_BYTES + 256 * 1024

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


def _uploaded_pdf(form: LetterOfIntentForm) -> tuple[bytes, str] | None:
    """The PDF posted beside the form, or None with the error on the page (`form.pdf_errors`)."""
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        form.pdf_errors.append(_("Choose the PDF of the letter with its receipt."))
        return None
    content = upload.read(MAX_PDF_BYTES + 1)
    if len(content) > MAX_PDF_BYTES:
        form.pdf_errors.append(_("The PDF is larger than 5 MB: scan it at a lower resolution."))
        return None
    if not looks_like_pdf(content):
        form.pdf_errors.append(_("This file is not a PDF. Upload the letter as a PDF file."))
        return None
    name = "".join(ch for ch in upload.filename if ch.isprintable())[-FILE_NAME_LENGTH:]
    return content, name


@bp.route("/letters-of-intent", methods=["GET", "POST"])
@roles_required(*BILLING_ROLES)
@checks_form_text
@accepts_file(MAX_UPLOAD_BODY_BYTES)
def letters_of_intent() -> Response | tuple[str, int]:
    """An Italian habitual exporter's letters of intent: upload one, see each one's state
    and what is left of its ceiling."""
    account = load_account(current_account_id())
    italian = account.billing_info is not None and account.billing_info.country == "IT"
    form = LetterOfIntentForm()
    if request.method == "POST":
        # Read beside the form either way, so a bad date and a missing file show together.
        valid = form.validate_on_submit()
        pdf = _uploaded_pdf(form) if italian else None
        if italian and valid and pdf is not None:
            content, name = pdf
            submit_letter(
                account.id,
                current_user.id,
                NewLetter(
                    protocol=form.protocol.data,
                    issued_on=form.issued_on.data,
                    valid_from=form.valid_from.data,
                    valid_to=form.valid_to.data,
                    ceiling_minor=form.ceiling_cents(),
                    pdf=content,
                    file_name=name,
                ),
            )
            flash(_("Letter of intent uploaded. We check it and tell you here."), "success")
            return redirect(url_for("billing.letters_of_intent"))
    status = (
        UNPROCESSABLE
        if form.errors or form.pdf_errors or (request.method == "POST" and not italian)
        else 200
    )
    return (
        render_template(
            "billing/letters.html",
            form=form,
            italian=italian,
            letters=account_letters(account.id),
            max_mb=MAX_PDF_BYTES // (1024 * 1024),
        ),
        status,
    )


@bp.get("/letters-of-intent/<int:letter_id>/pdf")
@roles_required(*BILLING_ROLES)
def letter_of_intent_pdf(letter_id: int) -> Response:
    """The PDF the billing admin uploaded (another account's letter is a 404)."""
    letter = account_letter(current_account_id(), letter_id)
    if letter is None:
        abort(404)
    return private_download(letter.pdf, "application/pdf", f"letter-of-intent-{letter.id}.pdf")


@bp.get("/activity")
@roles_required(*BILLING_ROLES)
def activity_log() -> str:
    """Who changed what in billing, newest first, paged."""
    page = activity_page(current_account_id(), page_number(request.args))
    return render_template("billing/activity.html", listing=page, describe=describe_activity)
