"""Document e-mails through an outbox: queued with the document, delivered after the commit.

The row is written in the transaction that issues the invoice, so a payment is never blocked
or undone by mail; `flask mail deliver` (cron) sends what is due, retrying with a backoff.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select, update

from portal import clock
from portal.einvoices.files import delivered_pdf
from portal.extensions import db, matched_rows
from portal.i18n import format_money
from portal.labels import period_label
from portal.mail.messages import (
    build_message,
    document_texts,
    expiry_warning_texts,
    quote_decision_texts,
    quote_request_texts,
    quote_texts,
)
from portal.mail.transports import Transport, TransportError, transport_for
from portal.models import (
    BILLING_ROLES,
    Account,
    EmailKind,
    EmailStatus,
    Invoice,
    OutgoingEmail,
    QuoteRequest,
    QuoteStatus,
    Role,
    SalesQuote,
    Subscription,
    User,
)
from portal.models.account import MAX_CC
from portal.models.columns import max_length
from portal.pdf import load as load_pdf_drawing
from portal.public_url import public_url_for

log = logging.getLogger(__name__)

# Wait after the 1st, 2nd, ... failed attempt; the attempt after the last wait is the final one.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed message is not due for others this long; far beyond one SMTP conversation, and a
# worker that died mid-send has its message picked up again afterwards.
CLAIM_LEASE = timedelta(minutes=15)
MAX_ERROR_LENGTH = 2000
# E-mails per task handed to a delivery worker: a batch is split in a few, so the workers
# share the last batch of a run instead of one drawing all its PDFs while the others wait.
HANDOVER_SIZE = 5


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0  # gave up for good in this run


def _copies(cc_emails: Iterable[str] | None, to: str) -> list[str]:
    """The CC addresses once each, without the main recipient, at most MAX_CC."""
    seen = {to.casefold()}
    copies: list[str] = []
    for address in cc_emails or ():
        address = address.strip()
        if address and address.casefold() not in seen:
            seen.add(address.casefold())
            copies.append(address)
    return copies[:MAX_CC]


def _document_language(invoice: Invoice) -> str:
    """The invoice's language, or the default one if it is not offered (any more)."""
    config = current_app.config
    return (
        invoice.language
        if invoice.language in config["LANGUAGES"]
        else config["BABEL_DEFAULT_LOCALE"]
    )


def _sender_domain() -> str:
    """The domain of the From address, used in Message-IDs."""
    return current_app.config["MAIL_FROM"].rpartition("@")[2] or "localhost"


def queue_document_email(invoice: Invoice, account: Account | None = None) -> OutgoingEmail | None:
    """Queue the e-mail that carries an issued invoice or credit note; the caller commits.

    None when the customer does not receive invoices by e-mail (or has no billing e-mail).
    `account`: the invoice's account when the caller has it loaded already.
    """
    if account is None or account.id != invoice.account_id:
        account = db.session.get(Account, invoice.account_id)
    info = account.billing_info if account is not None else None
    if info is None or not info.invoices_by_email or not (info.billing_email or "").strip():
        return None
    dedupe_key = f"document:{invoice.id}"
    existing = db.session.scalar(
        select(OutgoingEmail).where(OutgoingEmail.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return existing
    language = _document_language(invoice)
    corrected = (
        db.session.scalar(select(Invoice.number).where(Invoice.id == invoice.corrects_id))
        if invoice.corrects_id is not None
        else None
    )
    try:
        with force_locale(language):
            subject, body = document_texts(invoice, corrected)
    except Exception:
        # The document is issued and paid; a wording bug must not take that back.
        log.exception("could not write the e-mail for %s; none queued", invoice.number)
        return None
    to = info.billing_email.strip()
    return _queue(
        account_id=invoice.account_id,
        kind=EmailKind(invoice.kind.value),
        dedupe_key=dedupe_key,
        recipients=[to],
        cc=_copies(info.cc_emails, to),
        language=language,
        subject=subject,
        body=body,
        invoice_id=invoice.id,
        details={"number": invoice.number},
    )


def _queue(*, subject: str, details: dict[str, str], **fields: Any) -> OutgoingEmail:
    """Add a pending message, due now, to the caller's transaction."""
    now = clock.now()
    email = OutgoingEmail(
        subject=subject[: max_length(OutgoingEmail.subject)],
        details={**details, "message_id": make_msgid(domain=_sender_domain())},
        status=EmailStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        **fields,
    )
    db.session.add(email)
    return email


def queue_expiry_warning(account: Account, subscription: Subscription) -> OutgoingEmail | None:
    """Queue the warning that a package without auto-renewal ends; once per period.

    It goes to the billing e-mail, or to the account's owner and billing admins when there is
    none. None if it was queued before (the caller then has nothing to commit) or nobody can
    receive it.
    """
    dedupe_key = f"expiry:{subscription.id}:{subscription.period_end.isoformat()}"
    if db.session.scalar(select(OutgoingEmail.id).where(OutgoingEmail.dedupe_key == dedupe_key)):
        return None
    info = account.billing_info
    billing_email = (info.billing_email or "").strip() if info else ""
    if billing_email:
        recipients = [billing_email]
        copies = _copies(info.cc_emails if info else None, billing_email)
    else:
        recipients = list(
            db.session.scalars(
                select(User.email)
                .where(
                    User.account_id == account.id,
                    User.role.in_([str(role) for role in BILLING_ROLES]),
                )
                .order_by(User.id)
            )
        )
        copies = []
    if not recipients:
        return None
    config = current_app.config
    language = info.invoice_language if info else config["BABEL_DEFAULT_LOCALE"]
    if language not in config["LANGUAGES"]:
        language = config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        subject, body = expiry_warning_texts(
            name=(info.contact_name if info else "") or "",
            company=(info.company if info else "") or account.name,
            ends_on=subscription.period_end,
            seller=config["SELLER_NAME"],
        )
    return _queue(
        account_id=account.id,
        kind=EmailKind.EXPIRY_WARNING,
        dedupe_key=dedupe_key,
        recipients=recipients,
        cc=copies,
        language=language,
        subject=subject,
        body=body,
        details={},
    )


def _account_language(account: Account) -> str:
    """The account's invoice language, or the default one if it is not offered."""
    config = current_app.config
    info = account.billing_info
    language = info.invoice_language if info else config["BABEL_DEFAULT_LOCALE"]
    return language if language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def queue_quote_email(quote: SalesQuote, account: Account, *, link: str) -> OutgoingEmail | None:
    """Queue the e-mail carrying a sent quote to every billing admin; the caller commits.

    In the account's invoice language; the quote's PDF is attached when it is delivered.
    None when the account has no owner or billing admin with an address.
    """
    from portal.account_pricing import quote_pricing
    from portal.accounts import billing_admin_emails

    recipients = billing_admin_emails(account.id)
    if not recipients:
        return None
    language = _account_language(account)
    pricing = quote_pricing(quote, account)
    info = account.billing_info
    with force_locale(language):
        subject, body = quote_texts(
            number=quote.number or "",
            name=(info.contact_name if info else "") or "",
            company=(info.company if info else "") or account.name,
            seller=current_app.config["SELLER_NAME"],
            valid_until=quote.valid_until,
            total_per_period=format_money(pricing.total_per_period_minor, quote.currency),
            period_label=period_label(quote.billing_period),
            first_payment=format_money(pricing.first_invoice.amount_due_minor, quote.currency),
            link=link,
        )
    return _queue(
        account_id=account.id,
        kind=EmailKind.SALES_QUOTE,
        dedupe_key=f"sales_quote:{quote.id}",
        recipients=recipients,
        cc=[],
        language=language,
        subject=subject,
        body=body,
        details={"number": quote.number or "", "sales_quote_id": str(quote.id)},
    )


def queue_quote_decision_to_staff(
    quote: SalesQuote, account: Account, *, decided_by: str | None, invoice: str = ""
) -> list[OutgoingEmail]:
    """Tell every member of staff, each in their language, that the customer accepted or
    rejected a quote (with the rejection's reason); the caller commits."""
    staff = db.session.scalars(
        select(User).where(
            User.role == Role.STAFF, User.removed_at.is_(None), User.invitation_pending.is_(False)
        )
    ).all()
    link = public_url_for("quotes.staff_detail", quote_id=quote.id)
    info = account.billing_info
    queued = []
    for user in staff:
        if not (user.email or "").strip():
            continue
        language = user_language(user)
        with force_locale(language):
            subject, body = quote_decision_texts(
                number=quote.number or "",
                company=(info.company if info else "") or account.name,
                accepted=quote.status is QuoteStatus.ACCEPTED,
                decided_by=decided_by,
                reason=quote.rejection_reason or "",
                invoice=invoice,
                seller=current_app.config["SELLER_NAME"],
                link=link,
            )
        queued.append(
            _queue(
                account_id=account.id,
                kind=EmailKind.QUOTE_DECIDED,
                dedupe_key=f"quote_decided:{quote.id}:{user.id}",
                recipients=[user.email],
                cc=[],
                language=language,
                subject=subject,
                body=body,
                details={"number": quote.number or "", "user_id": str(user.id)},
            )
        )
    return queued


def queue_quote_request_ack(request: QuoteRequest, user: User) -> OutgoingEmail | None:
    """Queue the acknowledgement of a quote request to who asked; the caller commits."""
    if not (user.email or "").strip():
        return None
    account = db.session.get(Account, request.account_id)
    assert account is not None
    language = user.locale or _account_language(account)
    if language not in current_app.config["LANGUAGES"]:
        language = _account_language(account)
    with force_locale(language):
        subject, body = quote_request_texts(
            name=user.name, agents=request.agents, seller=current_app.config["SELLER_NAME"]
        )
    return _queue(
        account_id=account.id,
        kind=EmailKind.QUOTE_REQUEST,
        dedupe_key=f"quote_request:{request.id}",
        recipients=[user.email],
        cc=[],
        language=language,
        subject=subject,
        body=body,
        details={},
    )


def _claim_next(only_ids: list[int] | None) -> OutgoingEmail | None:
    """Take the next due message for this run, committed, so no other run sends it."""
    while True:
        now = clock.now()
        query = (
            select(OutgoingEmail.id)
            .where(
                OutgoingEmail.status == EmailStatus.PENDING, OutgoingEmail.next_attempt_at <= now
            )
            .order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.id)
            .limit(1)
        )
        if only_ids is not None:
            query = query.where(OutgoingEmail.id.in_(only_ids))
        if db.engine.dialect.name == "postgresql":
            # Rows another run is claiming are skipped, not waited for.
            query = query.with_for_update(skip_locked=True)
        email_id = db.session.scalar(query)
        if email_id is None:
            db.session.rollback()
            return None
        # The due-check again in the UPDATE: on SQLite (no row locks) only one run wins.
        claimed = db.session.execute(
            update(OutgoingEmail)
            .where(
                OutgoingEmail.id == email_id,
                OutgoingEmail.status == EmailStatus.PENDING,
                OutgoingEmail.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if matched_rows(claimed) == 1:
            return db.session.get(OutgoingEmail, email_id, populate_existing=True)


def _message_for(email: OutgoingEmail) -> EmailMessage:
    """The MIME message of a queued e-mail, with the document's current PDF attached."""
    config = current_app.config
    attachment = None
    if email.invoice_id is not None:
        invoice = db.session.get(Invoice, email.invoice_id)
        if invoice is not None:
            # The Factur-X PDF in place of the plain one where the account chose it.
            attachment = delivered_pdf(invoice)
    elif email.details.get("sales_quote_id"):
        from portal.documents.quote_pdf import sales_quote_pdf

        quote = db.session.get(SalesQuote, int(email.details["sales_quote_id"]))
        if quote is not None:
            attachment = (f"{quote.number}.pdf", sales_quote_pdf(quote))
    if not email.details.get("message_id"):
        email.details = {**email.details, "message_id": make_msgid(domain=_sender_domain())}
    return build_message(
        email,
        sender=formataddr((config["SELLER_NAME"], config["MAIL_FROM"])),
        sent_at=clock.now(),
        attachment=attachment,
    )


def _record_failure(email: OutgoingEmail, error: str) -> str:
    """Count the failed attempt: try again after the backoff, or give up after the last."""
    email.attempts += 1
    email.last_error = error[:MAX_ERROR_LENGTH]
    if email.attempts >= MAX_ATTEMPTS:
        email.status = EmailStatus.FAILED
        log.error("gave up on e-mail %s after %d attempts: %s", email.id, email.attempts, error)
        outcome = "failed"
    else:
        email.next_attempt_at = clock.now() + BACKOFF[email.attempts - 1]
        log.warning("e-mail %s not delivered (attempt %d): %s", email.id, email.attempts, error)
        outcome = "retried"
    db.session.commit()
    return outcome


def _attempt(email: OutgoingEmail, transport: Transport) -> str:
    """Send one claimed message and record how it went: "sent", "retried" or "failed"."""
    email_id = email.id
    try:
        message = _message_for(email)
        # Building the message may have stored a PDF drawn just now: commit it before the
        # SMTP conversation. On SQLite an open write holds the database's only write lock,
        # so every request that saves anything would wait for the mail server meanwhile.
        db.session.commit()
        transport.send(message)
    except TransportError as error:
        return _record_failure(email, str(error))
    except Exception as error:
        # A broken PDF or message must not stop the run; it counts as a failed attempt.
        log.exception("could not build e-mail %s", email_id)
        db.session.rollback()
        reloaded = db.session.get(OutgoingEmail, email_id, populate_existing=True)
        assert reloaded is not None
        return _record_failure(reloaded, f"{type(error).__name__}: {error}")
    email.attempts += 1
    email.status = EmailStatus.SENT
    email.sent_at = clock.now()
    email.last_error = ""
    db.session.commit()
    return "sent"


def _deliver(limit: int, only_ids: list[int] | None) -> DeliveryReport:
    """Claim and send due messages one at a time, up to `limit`."""
    transport = transport_for(current_app)
    outcomes = {"sent": 0, "retried": 0, "failed": 0}
    for _ in range(limit):
        email = _claim_next(only_ids)
        if email is None:
            break
        outcomes[_attempt(email, transport)] += 1
    return DeliveryReport(**outcomes)


def deliver_pending(limit: int = 50) -> DeliveryReport:
    """Send the due messages (oldest first); problems are recorded on the rows, never raised."""
    return _deliver(limit, None)


def deliver_soon(ids: Iterable[int | None]) -> DeliveryReport:
    """Best effort, right after the caller committed them: send these messages now.

    Never raises: whatever is not sent here is left to `flask mail deliver`.
    """
    wanted = [email_id for email_id in ids if email_id is not None]
    if not wanted:
        return DeliveryReport()
    try:
        return _deliver(len(wanted), wanted)
    except Exception:
        log.exception("immediate delivery of e-mails %s failed; cron will retry", wanted)
        db.session.rollback()
        return DeliveryReport()


class DeliveryPool:
    """Worker processes that send e-mails by id (drawing their PDFs) while the caller goes on.

    The renewal run hands each batch's committed e-mails over and goes on with the next
    batch, so the PDFs are drawn in parallel with it and with each other. Each worker claims
    a message before sending it, as every delivery run does: none is sent twice. The workers
    are forked from the caller and open their own database connections.
    """

    def __init__(self, app: Flask, workers: int) -> None:
        # Imported here once, not once in every worker: they are forked from this process.
        load_pdf_drawing()
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_delivery_worker,
            initargs=(app,),
        )
        self._pending: list[Future[DeliveryReport]] = []

    def send(self, ids: list[int]) -> None:
        """Queue these committed e-mails for the workers, a few per task."""
        for start in range(0, len(ids), HANDOVER_SIZE):
            chunk = ids[start : start + HANDOVER_SIZE]
            self._pending.append(self._executor.submit(deliver_soon, chunk))

    def finish(self) -> DeliveryReport:
        """Wait for every e-mail handed over; what was sent, retried and given up on."""
        totals = DeliveryReport()
        try:
            for future in self._pending:
                try:
                    report = future.result()
                except Exception:
                    # A worker that died leaves its messages pending: cron sends them.
                    log.exception("an e-mail delivery worker failed; cron will send its e-mails")
                    continue
                totals = DeliveryReport(
                    totals.sent + report.sent,
                    totals.retried + report.retried,
                    totals.failed + report.failed,
                )
        finally:
            self._executor.shutdown()
        return totals


def _start_delivery_worker(app: Flask) -> None:
    """In a forked worker: the app's context, and connections of its own (not the parent's)."""
    context = app.app_context()
    context.push()
    db.engine.dispose(close=False)


def deliver_document_soon(invoice_id: int | None) -> DeliveryReport:
    """Best effort: send the e-mail of a just-committed document now (see deliver_soon)."""
    if invoice_id is None:
        return DeliveryReport()
    try:
        ids = list(
            db.session.scalars(
                select(OutgoingEmail.id).where(
                    OutgoingEmail.invoice_id == invoice_id,
                    OutgoingEmail.status == EmailStatus.PENDING,
                )
            )
        )
    except Exception:
        log.exception("could not look up the e-mail of invoice %s; cron will send it", invoice_id)
        db.session.rollback()
        return DeliveryReport()
    return deliver_soon(ids)


def queue_user_email(
    user: User,
    *,
    kind: EmailKind,
    language: str,
    subject: str,
    body: str,
    dedupe_key: str | None,
) -> OutgoingEmail:
    """Queue an account e-mail to one user in the caller's transaction; deliver_soon sends it."""
    return _queue(
        account_id=user.account_id,
        kind=kind,
        dedupe_key=dedupe_key,
        recipients=[user.email],
        cc=[],
        language=language,
        subject=subject,
        body=body,
        details={"user_id": str(user.id)},
    )


def user_language(user: User, fallback: str | None = None) -> str:
    """The language to write to a user in: their saved one, else `fallback` (the page's, when
    they are the one acting), else their account's invoice language, else the default."""
    offered = current_app.config["LANGUAGES"]
    for language in (user.locale, fallback):
        if language is not None and language in offered:
            return language
    account = db.session.get(Account, user.account_id) if user.account_id else None
    return _account_language(account) if account else current_app.config["BABEL_DEFAULT_LOCALE"]


def queue_user_notice(
    user: User,
    *,
    kind: EmailKind,
    texts: Callable[[], tuple[str, str]],
    fallback: str | None = None,
) -> int:
    """Queue a security notice to one user in their language (see user_language); its id.

    `texts` gives the subject and body, called in that language.
    """
    language = user_language(user, fallback)
    with force_locale(language):
        subject, body = texts()
    email = queue_user_email(
        user, kind=kind, language=language, subject=subject, body=body, dedupe_key=None
    )
    db.session.flush()
    return email.id


def support_contact() -> str:
    """Support as an e-mail shows it: the help-desk page, else support's address."""
    return current_app.config["SUPPORT_URL"] or current_app.config["SUPPORT_EMAIL"]
