"""Sales quotes: requests, drafts, sending, withdrawal, rejection and acceptance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, update

from portal import clock, vies
from portal.account_pricing import (
    customer_tax,
    live_pricing,
    quote_pricing,
    running_subscription,
    suggested_currency,
    with_letter_of_intent,
)
from portal.accounts import load_account, lock_account
from portal.activity import record as activity
from portal.checkout import apply_package, issue_paid_document
from portal.documents.issuing import (
    customer_details,
    next_number,
    seller_details,
)
from portal.domain.breakdown_codec import breakdown_fingerprint, breakdown_to_data
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.payment_lifecycle import IN_FLIGHT, PaymentPurpose, RefundReason
from portal.domain.pricing import Configuration, PriceBreakdown, with_tax_and_credit
from portal.domain.sales_quotes import (
    Discount,
    DiscountKind,
    QuotePricing,
    pricing_to_data,
)
from portal.extensions import db, matched_rows
from portal.mail.outbox import (
    deliver_soon,
    queue_quote_decision_to_staff,
    queue_quote_email,
    queue_quote_request_ack,
)
from portal.models import (
    Account,
    ActivityKind,
    BillingActivity,
    EmailKind,
    Invoice,
    OutgoingEmail,
    Payment,
    QuoteRequest,
    QuoteRequestStatus,
    QuoteStatus,
    SalesQuote,
    SequenceKind,
    Subscription,
    SubscriptionStatus,
    User,
)
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import Order, Outcome, PayResult
from portal.security import ConfirmationKey
from portal.text_search import LIKE_ESCAPE, contains_pattern, fold_for_search

SEQUENCE_KIND = SequenceKind.SALES_QUOTE
DEFAULT_VALIDITY = timedelta(days=30)
MAX_REASON = 500
MAX_NOTE = 2000
MAX_MESSAGE = 1000


class QuoteStateError(Exception):
    """The quote is not in a state that allows this; `code` says which state it is in."""

    def __init__(self, code: str) -> None:
        """Keep the machine-readable reason for the page's message."""
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class QuoteDraft:
    """What staff typed on the draft form, parsed."""

    plan: Plan
    period: BillingPeriod
    agents: int
    packs: int
    agent_discount: Discount
    pack_discount: Discount
    overall_discount: Discount
    term_months: int
    billing_starts_on: date
    valid_until: date
    note: str


# --- accounts -------------------------------------------------------------------------------


# The lead's payment-lifecycle branch moves these to portal.accounts
# (load_account / lock_account): only these two functions change at the merge.
# --- reading --------------------------------------------------------------------------------


def _stored(discount: Discount) -> tuple[DiscountKind, Decimal]:
    """A discount as the kind and value columns keep it."""
    if discount.kind is DiscountKind.PERCENT:
        return discount.kind, discount.percent
    if discount.kind is DiscountKind.AMOUNT:
        return discount.kind, Decimal(discount.amount_minor)
    return DiscountKind.NONE, Decimal(0)


def quote_email_ids(quote_id: int) -> list[int]:
    """The queued e-mail of a sent quote, to deliver right after the commit."""
    return list(
        db.session.scalars(
            select(OutgoingEmail.id).where(OutgoingEmail.dedupe_key == f"sales_quote:{quote_id}")
        )
    )


def _subscription_snapshot(subscription: Subscription | None) -> dict[str, Any] | None:
    """The package a quote was priced against: accepting it later needs the same one."""
    running = running_subscription(subscription)
    if running is None or subscription is None:
        return None
    return {
        "plan": str(running.configuration.plan),
        "period": str(running.configuration.period),
        "agents": running.configuration.agents,
        "packs": running.configuration.packs,
        "period_start": subscription.period_start.isoformat(),
        "period_end": subscription.period_end.isoformat(),
        "agent_unit_minor": subscription.agent_unit_minor,
        "pack_unit_minor": subscription.pack_unit_minor,
    }


STAFF_PAGE_SIZE = 25
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class StaffQuotePage:
    """One page of quotes for the back office, with the filters that produced it."""

    rows: list[tuple[SalesQuote, str]]
    page: int
    pages: int
    total: int
    query: str


def staff_quotes(
    status: QuoteStatus | None, account_id: int | None, query: str = "", page: int = 1
) -> StaffQuotePage:
    """Quotes for the back office with their account's name, newest first, filtered and paged.

    The search matches the account's name or the quote number.
    """
    today = clock.today()
    query = " ".join(query.split())[:MAX_SEARCH_LENGTH]
    statement = select(SalesQuote, Account.name).join(Account, Account.id == SalesQuote.account_id)
    statement = _with_status(statement, status, today)
    if account_id is not None:
        statement = statement.where(SalesQuote.account_id == account_id)
    if query:
        pattern = contains_pattern(query.lower())
        statement = statement.where(
            or_(
                Account.name_search.like(
                    contains_pattern(fold_for_search(query)), escape=LIKE_ESCAPE
                ),
                func.lower(SalesQuote.number).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // STAFF_PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        statement.order_by(SalesQuote.id.desc())
        .limit(STAFF_PAGE_SIZE)
        .offset((page - 1) * STAFF_PAGE_SIZE)
    ).all()
    return StaffQuotePage([(row[0], row[1]) for row in rows], page, pages, total, query)


def _with_status(query: Select, status: QuoteStatus | None, today: date) -> Select:
    """Filter by the status people see: expired is a sent quote past its date."""
    if status is None:
        return query
    if status is QuoteStatus.EXPIRED:
        return query.where(SalesQuote.status == QuoteStatus.SENT, SalesQuote.valid_until < today)
    if status is QuoteStatus.SENT:
        return query.where(SalesQuote.status == QuoteStatus.SENT, SalesQuote.valid_until >= today)
    return query.where(SalesQuote.status == status)


def staff_quote(quote_id: int) -> SalesQuote | None:
    """Any quote, for staff."""
    return db.session.get(SalesQuote, quote_id)


def open_requests() -> list[tuple[QuoteRequest, str, str | None]]:
    """Quote requests not turned into a draft yet, oldest first, with account and asker."""
    rows = db.session.execute(
        select(QuoteRequest, Account.name, User.name)
        .join(Account, Account.id == QuoteRequest.account_id)
        .outerjoin(User, User.id == QuoteRequest.user_id)
        .where(QuoteRequest.status == QuoteRequestStatus.OPEN)
        .order_by(QuoteRequest.created_at, QuoteRequest.id)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def account_quotes(account_id: int) -> list[SalesQuote]:
    """The quotes an account was sent (never drafts), newest first."""
    return list(
        db.session.scalars(
            select(SalesQuote)
            .where(SalesQuote.account_id == account_id, SalesQuote.status != QuoteStatus.DRAFT)
            .order_by(SalesQuote.sent_at.desc(), SalesQuote.id.desc())
        )
    )


class RequestState(StrEnum):
    """Where a customer's quote request stands, as the customer sees it."""

    RECEIVED = "received"  # in the staff queue
    IN_PREPARATION = "in_preparation"  # staff drafted the offer, not sent yet
    ANSWERED = "answered"  # the offer was sent: the quote is in the account's list


@dataclass(frozen=True)
class AccountRequest:
    """One of an account's quote requests with its state and, once sent, its quote."""

    request: QuoteRequest
    state: RequestState
    quote: SalesQuote | None


def request_state(request: QuoteRequest, quotes: list[SalesQuote]) -> AccountRequest:
    """A request's state from the quotes drafted from it (a sent one answers it)."""
    sent = [quote for quote in quotes if quote.status is not QuoteStatus.DRAFT]
    if sent:
        return AccountRequest(request, RequestState.ANSWERED, sent[0])
    if quotes or request.status is QuoteRequestStatus.DRAFTED:
        return AccountRequest(request, RequestState.IN_PREPARATION, None)
    return AccountRequest(request, RequestState.RECEIVED, None)


ACCOUNT_REQUESTS_SHOWN = 20


def account_requests(account_id: int) -> list[AccountRequest]:
    """The account's latest quote requests, newest first, each with where it stands."""
    requests = list(
        db.session.scalars(
            select(QuoteRequest)
            .where(QuoteRequest.account_id == account_id)
            .order_by(QuoteRequest.created_at.desc(), QuoteRequest.id.desc())
            .limit(ACCOUNT_REQUESTS_SHOWN)
        )
    )
    quotes: dict[int, list[SalesQuote]] = {request.id: [] for request in requests}
    if quotes:
        for quote in db.session.scalars(
            select(SalesQuote)
            .where(SalesQuote.request_id.in_(quotes), SalesQuote.account_id == account_id)
            .order_by(SalesQuote.id.desc())
        ):
            assert quote.request_id is not None
            quotes[quote.request_id].append(quote)
    return [request_state(request, quotes[request.id]) for request in requests]


def open_quote_count(account_id: int) -> int:
    """Sent quotes the account can still accept or reject."""
    return (
        db.session.scalar(
            select(func.count(SalesQuote.id)).where(
                SalesQuote.account_id == account_id,
                SalesQuote.status == QuoteStatus.SENT,
                SalesQuote.valid_until >= clock.today(),
            )
        )
        or 0
    )


def customer_quote(account_id: int, quote_id: int) -> SalesQuote | None:
    """The account's own sent quote; None for drafts and other accounts' quotes (a 404)."""
    return db.session.scalar(
        select(SalesQuote).where(
            SalesQuote.id == quote_id,
            SalesQuote.account_id == account_id,
            SalesQuote.status != QuoteStatus.DRAFT,
        )
    )


# --- quote requests -------------------------------------------------------------------------


def file_quote_request(
    account: Account, user: User, configuration: Configuration, currency: str, message: str
) -> QuoteRequest:
    """Store a customer's request, log it and queue the acknowledgement; commits."""
    request = QuoteRequest(
        account_id=account.id,
        user_id=user.id,
        plan=configuration.plan,
        billing_period=configuration.period,
        agents=configuration.agents,
        packs=configuration.packs,
        currency=currency,
        message=message[:MAX_MESSAGE],
        status=QuoteRequestStatus.OPEN,
        created_at=clock.now(),
    )
    db.session.add(request)
    db.session.flush()
    activity.record(
        account.id,
        user.id,
        ActivityKind.QUOTE_REQUESTED,
        plan=request.plan,
        period=request.billing_period,
        agents=request.agents,
        packs=request.packs,
        message=request.message,
    )
    email = queue_quote_request_ack(request, user)
    db.session.commit()
    deliver_soon([email.id if email else None])
    return request


def draft_from_request(request_id: int, staff_id: int) -> SalesQuote | None:
    """Turn an open request into a draft in one click; a second click finds the same draft."""
    request = db.session.get(QuoteRequest, request_id)
    if request is None:
        return None
    taken = db.session.execute(
        update(QuoteRequest)
        .where(QuoteRequest.id == request_id, QuoteRequest.status == QuoteRequestStatus.OPEN)
        .values(status=QuoteRequestStatus.DRAFTED)
        .execution_options(synchronize_session=False)
    )
    if matched_rows(taken) != 1:
        db.session.rollback()
        return db.session.scalar(
            select(SalesQuote).where(SalesQuote.request_id == request_id).order_by(SalesQuote.id)
        )
    account = load_account(request.account_id)
    today = clock.today()
    period = BillingPeriod(request.billing_period)
    quote = SalesQuote(
        account_id=request.account_id,
        status=QuoteStatus.DRAFT,
        plan=request.plan,
        billing_period=period,
        agents=request.agents,
        packs=request.packs,
        currency=account.currency or request.currency,
        term_months=12,
        billing_starts_on=today,
        valid_until=today + DEFAULT_VALIDITY,
        note="",
        request_id=request.id,
        created_by_id=staff_id,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    db.session.add(quote)
    db.session.commit()
    return quote


# --- staff ----------------------------------------------------------------------------------


def _apply_draft(quote: SalesQuote, draft: QuoteDraft) -> None:
    """Copy the form's values onto the quote."""
    quote.plan = draft.plan
    quote.billing_period = draft.period
    quote.agents = draft.agents
    quote.packs = draft.packs
    quote.agent_discount_kind, quote.agent_discount_value = _stored(draft.agent_discount)
    quote.pack_discount_kind, quote.pack_discount_value = _stored(draft.pack_discount)
    quote.overall_discount_kind, quote.overall_discount_value = _stored(draft.overall_discount)
    quote.term_months = draft.term_months
    quote.billing_starts_on = draft.billing_starts_on
    quote.valid_until = draft.valid_until
    quote.note = draft.note[:MAX_NOTE]
    quote.updated_at = clock.now()


def create_draft(account_id: int, staff_id: int, draft: QuoteDraft) -> SalesQuote:
    """A new draft for an account, in its currency (or the one its country pays in)."""
    account = load_account(account_id)
    quote = SalesQuote(
        account_id=account_id,
        status=QuoteStatus.DRAFT,
        currency=suggested_currency(account),
        created_by_id=staff_id,
        created_at=clock.now(),
    )
    _apply_draft(quote, draft)
    db.session.add(quote)
    db.session.commit()
    return quote


def preview_new_pricing(account_id: int, draft: QuoteDraft) -> QuotePricing:
    """The figures a new draft for this account would have; nothing is saved."""
    account = load_account(account_id)
    unsaved = SalesQuote(account_id=account_id, currency=suggested_currency(account))
    _apply_draft(unsaved, draft)
    return live_pricing(unsaved, account)


def quote_request_of(quote: SalesQuote) -> tuple[QuoteRequest, str | None] | None:
    """The customer's request a draft was made from, with who filed it, or None."""
    if quote.request_id is None:
        return None
    row = db.session.execute(
        select(QuoteRequest, User.name)
        .outerjoin(User, User.id == QuoteRequest.user_id)
        .where(QuoteRequest.id == quote.request_id)
    ).first()
    return (row[0], row[1]) if row else None


# A quote that can no longer be accepted may be offered again as a new draft.
DUPLICABLE = frozenset({QuoteStatus.REJECTED, QuoteStatus.EXPIRED, QuoteStatus.WITHDRAWN})


def duplicate_quote(quote_id: int, staff_id: int) -> SalesQuote:
    """A new draft with a closed quote's lines, discounts, term and note; commits.

    The original stays as it is. Raises LookupError for an unknown quote, QuoteStateError
    for one that is still a draft, open or accepted. The dates start afresh (billing from
    today at the earliest, valid for the usual 30 days); an amount discount is kept only
    while the account still pays in the quote's currency.
    """
    original = db.session.get(SalesQuote, quote_id)
    if original is None:
        raise LookupError(quote_id)
    today = clock.today()
    status = original.status_on(today)
    if status not in DUPLICABLE:
        raise QuoteStateError(str(status))
    account = load_account(original.account_id)
    currency = suggested_currency(account)
    same_currency = currency == original.currency
    copy = SalesQuote(
        account_id=original.account_id,
        status=QuoteStatus.DRAFT,
        plan=original.plan,
        billing_period=original.billing_period,
        agents=original.agents,
        packs=original.packs,
        currency=currency,
        term_months=original.term_months,
        billing_starts_on=max(original.billing_starts_on, today),
        valid_until=today + DEFAULT_VALIDITY,
        note=original.note,
        request_id=original.request_id,
        created_by_id=staff_id,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    for name in ("agent_discount", "pack_discount", "overall_discount"):
        kind = DiscountKind(getattr(original, f"{name}_kind"))
        if kind is DiscountKind.AMOUNT and not same_currency:
            kind = DiscountKind.NONE
        setattr(copy, f"{name}_kind", kind)
        setattr(
            copy,
            f"{name}_value",
            getattr(original, f"{name}_value") if kind is not DiscountKind.NONE else Decimal(0),
        )
    db.session.add(copy)
    db.session.commit()
    return copy


def preview_pricing(quote: SalesQuote, draft: QuoteDraft) -> QuotePricing:
    """The figures a draft would have with these values; nothing is saved."""
    account = load_account(quote.account_id)
    # A transient copy, never added to the session: the draft itself stays as saved.
    unsaved = SalesQuote(account_id=quote.account_id, currency=quote.currency)
    _apply_draft(unsaved, draft)
    return live_pricing(unsaved, account)


def update_draft(quote_id: int, draft: QuoteDraft) -> SalesQuote:
    """Change a draft; a sent quote is frozen (QuoteStateError)."""
    quote = _claimed_quote(quote_id, QuoteStatus.DRAFT, updated_at=clock.now())
    _apply_draft(quote, draft)
    db.session.commit()
    return quote


def _claimed_quote(quote_id: int, expected: QuoteStatus, **values: Any) -> SalesQuote:
    """The quote, taken for a change while it is still `expected`; the caller commits.

    The conditional UPDATE is the transaction's first write, so a second click or a second
    staff member waits for it and then finds the quote changed, on SQLite (which has no
    row locks) as on PostgreSQL. Raises LookupError, or QuoteStateError naming the status.
    """
    taken = db.session.execute(
        update(SalesQuote)
        .where(SalesQuote.id == quote_id, SalesQuote.status == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    quote = db.session.scalar(
        select(SalesQuote)
        .where(SalesQuote.id == quote_id)
        .execution_options(populate_existing=True)
    )
    if quote is None:
        db.session.rollback()
        raise LookupError(quote_id)
    if matched_rows(taken) != 1:
        db.session.rollback()
        raise QuoteStateError(str(quote.status))
    return quote


def send_quote(quote_id: int, staff_id: int, *, link: str) -> SalesQuote:
    """Freeze the figures, number the quote, e-mail the account's billing admins; commits.

    Raises QuoteStateError for a quote that is no draft, or one whose valid-until date has
    passed; the pricing core's errors for terms it cannot price.
    """
    quote = _claimed_quote(quote_id, QuoteStatus.DRAFT, updated_at=clock.now())
    today = clock.today()
    if quote.valid_until < today:
        db.session.rollback()
        raise QuoteStateError("valid_until_past")
    if quote.billing_starts_on > quote.valid_until:
        db.session.rollback()
        raise QuoteStateError("starts_after_validity")
    account = load_account(quote.account_id)
    if account.currency and account.currency != quote.currency:
        quote.currency = account.currency
    pricing = live_pricing(quote, account)
    quote.frozen = {
        "pricing": pricing_to_data(pricing),
        "subscription": _subscription_snapshot(account.subscription),
        "seller": seller_details(),
        "customer": customer_details(account),
        "tax_kind": str(pricing.first_invoice.tax.kind),
        "priced_on": today.isoformat(),
    }
    sequence = next_number(SEQUENCE_KIND, today.year)
    quote.year, quote.sequence = today.year, sequence
    quote.number = f"Q-{today.year}-{sequence:06d}"
    quote.status = QuoteStatus.SENT
    quote.sent_at = clock.now()
    quote.sent_by_id = staff_id
    activity.record(
        account.id,
        staff_id,
        ActivityKind.QUOTE_SENT,
        quote=quote.number,
        total_minor=pricing.total_per_period_minor,
        currency=quote.currency,
        valid_until=quote.valid_until.isoformat(),
    )
    queue_quote_email(quote, account, link=link)
    db.session.commit()
    return quote


def withdraw_quote(quote_id: int, staff_id: int) -> SalesQuote:
    """Take back a sent quote (expired ones too); anything else is a QuoteStateError.

    Refused while a payment accepting it is under way (QuoteStateError "payment_in_progress"):
    withdrawn then, its charge would be refunded as soon as it succeeded.
    """
    account_id = db.session.scalar(select(SalesQuote.account_id).where(SalesQuote.id == quote_id))
    if account_id is None:
        db.session.rollback()
        raise LookupError(quote_id)
    _lock_without_quote_payment(account_id, quote_id)
    quote = _claimed_quote(
        quote_id,
        QuoteStatus.SENT,
        status=QuoteStatus.WITHDRAWN,
        withdrawn_at=clock.now(),
        withdrawn_by_id=staff_id,
    )
    activity.record(quote.account_id, staff_id, ActivityKind.QUOTE_WITHDRAWN, quote=quote.number)
    db.session.commit()
    return quote


def quote_activity(quote: SalesQuote) -> list[tuple[Any, str | None]]:
    """The billing activity entries about one quote, oldest first, with who made them."""
    if quote.number is None:
        return []
    rows = db.session.execute(
        select(BillingActivity, User.name)
        .outerjoin(User, User.id == BillingActivity.user_id)
        .where(
            BillingActivity.account_id == quote.account_id,
            BillingActivity.kind.in_(
                [
                    ActivityKind.QUOTE_SENT,
                    ActivityKind.QUOTE_WITHDRAWN,
                    ActivityKind.QUOTE_REJECTED,
                    ActivityKind.QUOTE_ACCEPTED,
                ]
            ),
        )
        .order_by(BillingActivity.at, BillingActivity.id)
    ).all()
    return [(row[0], row[1]) for row in rows if (row[0].details or {}).get("quote") == quote.number]


# --- customers ------------------------------------------------------------------------------


def acceptance_refusal(quote: SalesQuote, account: Account) -> str | None:
    """Why the quote cannot be accepted today, as a code; None when it can."""
    status = quote.status_on(clock.today())
    if status is not QuoteStatus.SENT:
        return str(status)
    if quote.billing_starts_on > clock.today():
        return "not_started"
    snapshot = (quote.frozen or {}).get("subscription")
    if snapshot != _subscription_snapshot(account.subscription):
        # The frozen credit for the unused period was computed for that package.
        return "package_changed"
    if (
        account.subscription is not None
        and account.subscription.status == SubscriptionStatus.PAST_DUE
    ):
        return "past_due"
    return None


def _quote_payment_in_flight(quote_id: int) -> Payment | None:
    """A payment accepting this quote that is still waiting for the gateway or the customer."""
    return db.session.scalar(
        select(Payment)
        .where(Payment.sales_quote_id == quote_id, Payment.status.in_(IN_FLIGHT))
        .order_by(Payment.id)
        .limit(1)
    )


def _lock_without_quote_payment(account_id: int, quote_id: int) -> None:
    """Take the account's lock with no payment of this quote in flight, or raise.

    Accepting a quote pays under the same lock (`confirm_quote_checkout`), so once it is held
    the quote cannot start being paid: a rejection or withdrawal decided now is final, and a
    payment already under way makes it refused before that payment is charged and refunded
    (QuoteStateError "payment_in_progress"). A payment a crash or a lost reply left in flight
    is finished first by asking the gateway, as a new payment would. The caller commits.
    """
    for _attempt in range(2):
        db.session.rollback()  # what was read before the lock is not trusted
        lock_account(account_id)
        busy = _quote_payment_in_flight(quote_id)
        if busy is None:
            return
        busy_id, stale = busy.id, payments.is_stale(busy, clock.now())
        db.session.rollback()
        if not stale:
            break
        payments.reconcile_payment(busy_id)
    raise QuoteStateError("payment_in_progress")


def reject_quote(account_id: int, quote_id: int, user_id: int, reason: str) -> SalesQuote:
    """Reject a sent quote with an optional plain-text reason; commits.

    Decided under the account lock, as acceptance is: raises LookupError for another account's
    quote, QuoteStateError when it is no longer open or while a payment accepting it is under
    way ("payment_in_progress").
    """
    _lock_without_quote_payment(account_id, quote_id)
    quote = _sent_quote(account_id, quote_id)
    if quote is None:
        db.session.rollback()
        raise LookupError(quote_id)
    status = quote.status_on(clock.today())
    if status is not QuoteStatus.SENT:
        db.session.rollback()
        raise QuoteStateError(str(status))
    quote.status = QuoteStatus.REJECTED
    quote.decided_at = clock.now()
    quote.decided_by_id = user_id
    quote.rejection_reason = reason.strip()[:MAX_REASON]
    activity.record(
        account_id,
        user_id,
        ActivityKind.QUOTE_REJECTED,
        quote=quote.number,
        reason=quote.rejection_reason,
    )
    queue_quote_decision_to_staff(quote, load_account(account_id), decided_by=_user_name(user_id))
    db.session.commit()
    return quote


def _user_name(user_id: int | None) -> str | None:
    """Who decided, as staff read it in the e-mail (None: nobody at the screen)."""
    if user_id is None:
        return None
    return db.session.scalar(select(User.name).where(User.id == user_id))


def decision_email_ids(quote_id: int) -> list[int]:
    """The e-mails telling staff about a quote's decision, to deliver after the commit."""
    return list(
        db.session.scalars(
            select(OutgoingEmail.id).where(
                OutgoingEmail.kind == EmailKind.QUOTE_DECIDED,
                OutgoingEmail.dedupe_key.like(f"quote_decided:{quote_id}:%"),
            )
        )
    )


def checkout_breakdown(quote: SalesQuote, account: Account) -> PriceBreakdown:
    """The first invoice of an accepted quote: frozen lines, today's VAT treatment and credit."""
    first = quote_pricing(quote, account).first_invoice
    breakdown = with_tax_and_credit(
        first, tax=customer_tax(account), credit_available_minor=account.credit_minor
    )
    return with_letter_of_intent(account, breakdown, clock.today())


def checkout_fingerprint(quote: SalesQuote, account: Account) -> str:
    """A digest of the figures the review page shows; the confirmation must carry the same."""
    return breakdown_fingerprint(checkout_breakdown(quote, account))


def apply_accepted_quote(
    account: Account, quote: SalesQuote, *, paid_with: str, user_id: int | None
) -> Invoice:
    """Make an accepted quote real; adds to the caller's transaction, the caller commits.

    The caller holds the account's row lock. The subscription becomes the quote's package at
    the negotiated unit prices until the contract ends, an invoice is issued from the frozen
    lines (VAT and credit as of today) and queued for e-mail, the quote is marked accepted and
    billing activity says so. Raises QuoteStateError (nothing written) when the quote cannot be
    accepted, also when another admin accepted it a moment ago.
    """
    refusal = acceptance_refusal(quote, account)
    if refusal is not None:
        raise QuoteStateError(refusal)
    taken = db.session.execute(
        update(SalesQuote)
        .where(SalesQuote.id == quote.id, SalesQuote.status == QuoteStatus.SENT)
        .values(status=QuoteStatus.ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    if matched_rows(taken) != 1:
        raise QuoteStateError(str(QuoteStatus.ACCEPTED))
    today = clock.today()
    pricing = quote_pricing(quote, account)
    breakdown = checkout_breakdown(quote, account)
    if account.credit_minor < breakdown.credit_used_minor:
        raise RuntimeError("account credit changed while the quote was being accepted")
    apply_package(
        account,
        breakdown,
        agent_unit_minor=pricing.agent_unit_minor,
        pack_unit_minor=pricing.pack_unit_minor,
        today=today,
        contract_ends_on=pricing.contract_ends_on,
    )
    # A heavily discounted package can cost less than the unused period it replaces: then
    # the document is a credit note, its total becomes account credit.
    invoice = issue_paid_document(
        account,
        breakdown,
        paid_with=paid_with,
        today=today,
        purchase_order=quote.purchase_order,
        quote_number=quote.number or "",
    )
    quote.status = QuoteStatus.ACCEPTED
    quote.decided_at = clock.now()
    quote.decided_by_id = user_id
    quote.invoice_id = invoice.id
    config = breakdown.configuration
    activity.record(
        account.id,
        user_id,
        ActivityKind.QUOTE_ACCEPTED,
        quote=quote.number,
        document=invoice.number,
        plan=str(config.plan),
        period=str(config.period),
        agents=config.agents,
        packs=config.packs,
        contract_ends_on=pricing.contract_ends_on.isoformat(),
        amount_paid_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
    )
    queue_quote_decision_to_staff(
        quote, account, decided_by=_user_name(user_id), invoice=invoice.number or ""
    )
    return invoice


def _sent_quote(account_id: int, quote_id: int) -> SalesQuote | None:
    """One of the account's quotes that was sent (whatever happened since), read fresh."""
    return db.session.scalar(
        select(SalesQuote)
        .where(
            SalesQuote.id == quote_id,
            SalesQuote.account_id == account_id,
            SalesQuote.status != QuoteStatus.DRAFT,
        )
        .execution_options(populate_existing=True)
    )


def confirm_quote_checkout(
    *,
    account_id: int,
    user_id: int,
    quote_id: int,
    method_id: int | None,
    confirmation_key: ConfirmationKey,
    seen_fingerprint: str,
    return_url: Callable[[int], str],
    purchase_order: str = "",
) -> PayResult:
    """Accept a quote: one charge of its first invoice through the payment lifecycle.

    Under the account lock the quote must still be open and its figures the ones the
    customer confirmed; a refusal comes back as NOT_ALLOWED with the quote's reason. The
    purchase-order number given is kept on the quote for the invoice it issues.
    """

    def prepare(account: Account) -> Order | PayResult:
        """Check the quote and price its first invoice again, under the lock."""
        quote = _sent_quote(account_id, quote_id)
        if quote is None:
            return PayResult(Outcome.NOT_ALLOWED, reason="not_found")
        refusal = acceptance_refusal(quote, account)
        if refusal is not None:
            return PayResult(Outcome.NOT_ALLOWED, reason=refusal)
        breakdown = checkout_breakdown(quote, account)
        if breakdown_fingerprint(breakdown) != seen_fingerprint:
            return PayResult(Outcome.NOT_ALLOWED, reason="figures_changed")
        quote.purchase_order = purchase_order
        return Order(
            purpose=PaymentPurpose.QUOTE,
            amount_minor=breakdown.amount_due_minor,
            currency=breakdown.currency,
            description=quote.number or "",
            breakdown=breakdown_to_data(breakdown),
            basis=seen_fingerprint,
            sales_quote_id=quote.id,
        )

    # As every checkout: a VAT ID the EU registry has not answered for is asked about first
    # (a confirmation changes the figures: the review shows them again, nothing is charged).
    vies.recheck_before_payment(account_id, user_id)
    return payments.start_payment(
        account_id=account_id,
        user_id=user_id,
        key=confirmation_key,
        method_id=method_id,
        prepare=prepare,
        return_url=return_url,
    )


class AcceptedQuoteHandler:
    """A paid quote: the package becomes the quote's, its first invoice is issued."""

    def still_wanted(self, account: Account, payment: Payment) -> RefundReason | None:
        """The quote must still be open, with the figures that were charged."""
        quote = _sent_quote(account.id, payment.sales_quote_id or 0)
        if (
            quote is None
            or acceptance_refusal(quote, account) is not None
            or checkout_fingerprint(quote, account) != payment.basis
        ):
            return RefundReason.ORDER_CHANGED
        return None

    def apply(self, account: Account, payment: Payment) -> None:
        """Accept the quote with the payment's method on the invoice."""
        quote = _sent_quote(account.id, payment.sales_quote_id or 0)
        assert quote is not None
        with force_locale(_invoice_language(account)):
            paid_with = payment.method_label or _("Account credit")
        invoice = apply_accepted_quote(account, quote, paid_with=paid_with, user_id=payment.user_id)
        payment.invoice_id = invoice.id


def _invoice_language(account: Account) -> str:
    """The language the account's documents are written in."""
    return account.billing_info.invoice_language if account.billing_info else "en"
