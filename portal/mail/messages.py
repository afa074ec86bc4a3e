"""The words of a document e-mail and the MIME message that carries them."""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.domain.pricing import ChangeKind
from portal.i18n import format_day, format_money
from portal.mail.letter import letter
from portal.models import DocumentKind, Invoice, InvoiceStatus, OutgoingEmail

HTML_TEMPLATE = "mail/document.html"


def document_texts(invoice: Invoice, corrected_number: str | None) -> tuple[str, str]:
    """Subject and plain-text body for an issued document, in the active locale."""
    seller = (invoice.seller or {}).get("name", "")
    customer = invoice.customer or {}
    number = invoice.number
    issued = format_day(invoice.issued_on)
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        # Translators: e-mail subject; number is e.g. CN-2026-000001, seller the vendor's name.
        subject = _("Credit note %(number)s from %(seller)s", number=number, seller=seller)
        # Translators: date is the issue date, e.g. "13 November 2026".
        intro = _(
            "Please find attached credit note %(number)s of %(date)s.", number=number, date=issued
        )
        if corrected_number:
            intro += " " + _("It corrects invoice %(number)s.", number=corrected_number)
    else:
        # Translators: e-mail subject; number is e.g. INV-2026-000001, seller the vendor's name.
        subject = _("Invoice %(number)s from %(seller)s", number=number, seller=seller)
        # Translators: date is the issue date, e.g. "13 November 2026".
        intro = _(
            "Please find attached invoice %(number)s of %(date)s.", number=number, date=issued
        )

    facts = []
    if invoice.period_start and invoice.period_end:
        facts.append(
            _(
                "Period: %(start)s – %(end)s",  # noqa: RUF001 - a date range takes an en dash
                start=format_day(invoice.period_start),
                end=format_day(invoice.period_end),
            )
        )
    facts.append(_("Total: %(total)s", total=format_money(invoice.total_minor, invoice.currency)))
    if invoice.credit_used_minor > 0:
        facts.append(
            _(
                "Account credit used: %(amount)s",
                amount=format_money(invoice.credit_used_minor, invoice.currency),
            )
        )
    if invoice.kind == DocumentKind.CREDIT_NOTE and invoice.change_kind == ChangeKind.REFUND:
        facts.append(
            _(
                "Refunded to %(method)s: %(amount)s",
                method=invoice.paid_with,
                amount=format_money(-invoice.total_minor, invoice.currency),
            )
        )
    if invoice.kind == DocumentKind.CREDIT_NOTE and invoice.change_kind == ChangeKind.CANCELLATION:
        facts.append(_("The invoice it corrects was not paid: nothing is due any more."))
        if invoice.credit_used_minor < 0:
            facts.append(
                _(
                    "The account credit it had used is given back: %(amount)s",
                    amount=format_money(-invoice.credit_used_minor, invoice.currency),
                )
            )
    if invoice.kind == DocumentKind.INVOICE:
        if invoice.status == InvoiceStatus.PAID:
            facts.append(_("Paid in full."))
        else:
            facts.append(
                _(
                    "Amount due: %(amount)s",
                    amount=format_money(invoice.amount_due_minor, invoice.currency),
                )
            )

    name = customer.get("contact_name") or customer.get("company") or ""
    paragraphs = [
        intro,
        "\n".join(facts),
        _("You can also download it at any time from Invoices in the billing portal."),
    ]
    return subject, letter(name, paragraphs, seller)


def expiry_warning_texts(*, name: str, company: str, ends_on: date, seller: str) -> tuple[str, str]:
    """Subject and body of the one warning before a package that will not renew ends."""
    day = format_day(ends_on)
    # Translators: e-mail subject; date is the day the package ends, e.g. "1 December 2026".
    subject = _("Your package ends on %(date)s", date=day)
    paragraphs = [
        _(
            "Auto-renewal is off for %(company)s, so your package ends on %(date)s. "
            "From that day the account is blocked and goes back to the Free limits.",
            company=company,
            date=day,
        ),
        _(
            "To keep your package, turn auto-renewal on under My package in the billing "
            "portal before that day."
        ),
    ]
    return subject, letter(name, paragraphs, seller)


def _html_alternative(email: OutgoingEmail) -> str:
    """The same text as simple HTML; every value is escaped by the template."""
    paragraphs = [block.splitlines() for block in email.body.strip().split("\n\n")]
    template = current_app.jinja_env.get_template(HTML_TEMPLATE)
    return template.render(language=email.language, subject=email.subject, paragraphs=paragraphs)


def build_message(
    email: OutgoingEmail,
    *,
    sender: str,
    sent_at: datetime,
    attachment: tuple[str, bytes] | None,
) -> EmailMessage:
    """The queued e-mail as a MIME message, with the PDF attached when there is one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(email.recipients)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    # A header is one line: a line break in a subject's translation must not stop the e-mail.
    message["Subject"] = " ".join(email.subject.split())
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = email.details["message_id"]
    # Out-of-office replies and vacation responders stay quiet for automatic mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body)
    message.add_alternative(_html_alternative(email), subtype="html")
    if attachment is not None:
        filename, content = attachment
        message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    # Last: turning the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = email.language
    return message


def quote_texts(
    *,
    number: str,
    name: str,
    company: str,
    seller: str,
    valid_until: date,
    total_per_period: str,
    period_label: str,
    first_payment: str,
    link: str,
) -> tuple[str, str]:
    """Subject and body of the e-mail that carries a sales quote, in the active locale."""
    # Translators: e-mail subject; number is e.g. Q-2026-000001, seller the vendor's name.
    subject = _("Quote %(number)s from %(seller)s", number=number, seller=seller)
    paragraphs = [
        _(
            "We have prepared quote %(number)s for %(company)s; you will find it attached.",
            number=number,
            company=company,
        ),
        "\n".join(
            [
                # Translators: amount is e.g. "€1,220.00", period "Monthly" or "Annual".
                _(
                    "Each period (%(period)s): %(amount)s",
                    period=period_label,
                    amount=total_per_period,
                ),
                _("First payment: %(amount)s", amount=first_payment),
                _("Valid until: %(date)s", date=format_day(valid_until)),
            ]
        ),
        _("To accept or reject it, open it in the billing portal:") + "\n" + link,
    ]
    return subject, letter(name, paragraphs, seller)


def quote_decision_texts(
    *,
    number: str,
    company: str,
    accepted: bool,
    decided_by: str | None,
    reason: str,
    invoice: str,
    seller: str,
    link: str,
) -> tuple[str, str]:
    """Subject and body telling staff that a customer accepted or rejected a quote."""
    decided_by = decided_by or _("A billing admin")
    if accepted:
        # Translators: e-mail to the vendor's staff; company is the customer's.
        subject = _("%(company)s accepted quote %(number)s", company=company, number=number)
        paragraphs = [
            _(
                "%(name)s accepted quote %(number)s for %(company)s; invoice %(invoice)s is "
                "issued and the package has changed.",
                name=decided_by,
                number=number,
                company=company,
                invoice=invoice,
            )
        ]
    else:
        subject = _("%(company)s rejected quote %(number)s", company=company, number=number)
        paragraphs = [
            _(
                "%(name)s rejected quote %(number)s for %(company)s.",
                name=decided_by,
                number=number,
                company=company,
            ),
            _("Their reason:") + "\n" + reason if reason else _("They gave no reason."),
        ]
    paragraphs.append(_("The quote in the back office:") + "\n" + link)
    return subject, letter(None, paragraphs, seller)


def quote_request_texts(*, name: str, agents: int, seller: str) -> tuple[str, str]:
    """Subject and body acknowledging a customer's quote request, in the active locale."""
    subject = _("We received your quote request")
    paragraphs = [
        ngettext(
            "Thank you for your request for %(num)d agent. Our team will prepare a quote and "
            "send it to the billing admins of your account.",
            "Thank you for your request for %(num)d agents. Our team will prepare a quote and "
            "send it to the billing admins of your account.",
            agents,
        ),
    ]
    return subject, letter(name, paragraphs, seller)
