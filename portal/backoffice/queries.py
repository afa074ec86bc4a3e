"""The staff's view of every account: a paged, searchable list and read-only details.

Built for thousands of accounts: one query per page (LIMIT/OFFSET on the indexed name) that
also brings the count and the totals of past-due and blocked accounts (indexed status). The
search is a "contains" on several columns, served by trigram indexes on PostgreSQL
(migration 075bd1a96616).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, func, select

from portal.account_pricing import quote_pricing
from portal.documents.refunds import refunded_expression
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.sales_quotes import QuotePricing
from portal.extensions import db
from portal.invoices.listing import ListedDocument
from portal.labels import every_member, status_label
from portal.models import (
    Account,
    BillingInfo,
    DocumentKind,
    Invoice,
    Payment,
    QuoteStatus,
    SalesQuote,
    Subscription,
    SubscriptionStatus,
)
from portal.text_search import matching_accounts

PAGE_SIZE = 25
DETAIL_PAGE_SIZE = 25
MAX_QUERY_LENGTH = 100


class AccountFilter(StrEnum):
    """The status filter of the account list."""

    ACTIVE = "active"
    PAST_DUE = "past_due"
    BLOCKED = "blocked"
    FREE = "free"


FILTER_LABELS = every_member(
    AccountFilter,
    {
        AccountFilter.ACTIVE: lambda: status_label(SubscriptionStatus.ACTIVE),
        AccountFilter.PAST_DUE: lambda: status_label(SubscriptionStatus.PAST_DUE),
        AccountFilter.BLOCKED: lambda: status_label(SubscriptionStatus.BLOCKED),
        AccountFilter.FREE: lambda: _("Free"),
    },
)


def filter_label(value: AccountFilter) -> str:
    """The filter as staff read it."""
    return FILTER_LABELS[AccountFilter(value)]()


@dataclass(frozen=True)
class AccountRow:
    """One line of the account list."""

    id: int
    name: str
    plan: Plan | None
    billing_period: BillingPeriod | None
    agents: int | None
    status: SubscriptionStatus | None
    period_end: date | None
    auto_renew: bool
    credit_minor: int
    currency: str | None
    billing_email: str | None
    vat_id: str | None

    @property
    def needs_attention(self) -> bool:
        """Past due or blocked: shown highlighted."""
        return self.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.BLOCKED)


@dataclass(frozen=True)
class AccountPage:
    """One page of accounts with the search that produced it."""

    rows: list[AccountRow]
    page: int
    pages: int
    total: int
    query: str
    status: AccountFilter | None
    attention: dict[SubscriptionStatus, int]  # all accounts past due and blocked, unfiltered


def _status_condition(status: AccountFilter) -> ColumnElement[bool]:
    """Accounts in one state; Free means no subscription."""
    if status is AccountFilter.FREE:
        return ~exists().where(Subscription.account_id == Account.id)
    return Account.id.in_(
        select(Subscription.account_id).where(Subscription.status == status.value)
    )


def _conditions(query: str, status: AccountFilter | None) -> list[ColumnElement[bool]]:
    """The search and the filter, on the accounts table alone (no join needed to count)."""
    conditions: list[ColumnElement[bool]] = []
    if query:
        # A CTE: the page and its count both use it, and the database finds the matches once.
        matches = matching_accounts(query).cte("matches")
        conditions.append(Account.id.in_(select(matches.c.id)))
    if status is not None:
        conditions.append(_status_condition(status))
    return conditions


def parse_filter(value: str | None) -> AccountFilter | None:
    """The status filter from the query string; anything unknown means no filter."""
    try:
        return AccountFilter(value) if value else None
    except ValueError:
        return None


_ROW_COLUMNS = (
    Account.id,
    Account.name,
    Subscription.plan,
    Subscription.billing_period,
    Subscription.agents,
    Subscription.status,
    Subscription.period_end,
    func.coalesce(Subscription.auto_renew, False),
    Account.credit_minor,
    Account.currency,
    BillingInfo.billing_email,
    BillingInfo.vat_id,
)
ATTENTION = (SubscriptionStatus.PAST_DUE, SubscriptionStatus.BLOCKED)


def _figures(conditions: list[ColumnElement[bool]]) -> list[Any]:
    """The list's total, then how many accounts are past due and blocked, as scalar
    subqueries the database runs once each (the total on the accounts table alone: its
    smallest index when nothing is searched; the others on the indexed status)."""
    total = select(func.count()).select_from(Account).where(*conditions).scalar_subquery()
    return [total] + [
        select(func.count()).where(Subscription.status == status.value).scalar_subquery()
        for status in ATTENTION
    ]


def _account_rows(conditions: list[ColumnElement[bool]], page: int) -> list[Any]:
    """One page of rows, each followed by the figures: the page's ids come from walking the
    (name) index past the earlier pages without joining them; only those 25 accounts are
    joined to their subscription and billing info."""
    page_ids = (
        select(Account.id)
        .where(*conditions)
        .order_by(Account.name, Account.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .subquery("page_ids")
    )
    return list(
        db.session.execute(
            select(*_ROW_COLUMNS, *_figures(conditions))
            .select_from(page_ids)
            .join(Account, Account.id == page_ids.c.id)
            .outerjoin(Subscription, Subscription.account_id == Account.id)
            .outerjoin(BillingInfo, BillingInfo.account_id == Account.id)
            .order_by(Account.name, Account.id)
        ).all()
    )


def search_accounts(query: str, status: AccountFilter | None, page: int) -> AccountPage:
    """One page of accounts, by name, matching the search and the status filter, with how
    many accounts need attention: one query, a second when the page is empty."""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    conditions = _conditions(query, status)
    page = max(page, 1)
    rows = _account_rows(conditions, page)
    if rows:
        figures = tuple(rows[0][len(_ROW_COLUMNS) :])
    else:
        figures = tuple(db.session.execute(select(*_figures(conditions))).one())
        if figures[0] and page > 1:
            # Past the last page (an old link or a typed number): show the last page.
            page = -(-figures[0] // PAGE_SIZE)
            rows = _account_rows(conditions, page)
    total, *attention = figures
    return AccountPage(
        [AccountRow(*row[: len(_ROW_COLUMNS)]) for row in rows],
        page,
        max(1, -(-total // PAGE_SIZE)),
        total,
        query,
        status,
        dict(zip(ATTENTION, attention, strict=True)),
    )


@dataclass(frozen=True)
class Contract:
    """The quote an account's package came from and the prices it holds until the contract
    ends (None on the page when the account never accepted a quote)."""

    quote: SalesQuote
    pricing: QuotePricing
    ends_on: date
    running: bool  # the subscription still holds the negotiated prices


def contract_of(account: Account, today: date) -> Contract | None:
    """The account's latest accepted quote with its frozen figures."""
    quote = db.session.scalar(
        select(SalesQuote)
        .where(SalesQuote.account_id == account.id, SalesQuote.status == QuoteStatus.ACCEPTED)
        .order_by(SalesQuote.decided_at.desc(), SalesQuote.id.desc())
        .limit(1)
    )
    if quote is None:
        return None
    pricing = quote_pricing(quote, account)
    subscription = account.subscription
    ends_on = (
        subscription.contract_ends_on
        if subscription is not None and subscription.contract_ends_on is not None
        else pricing.contract_ends_on
    )
    return Contract(quote, pricing, ends_on, ends_on > today)


@dataclass(frozen=True)
class Listing:
    """One page of an account's documents or payments, newest first."""

    rows: list[Any]
    page: int
    pages: int
    total: int


def _paged(statement: Select[Any], count: Select[Any], page: int) -> Listing:
    """Run a listing query for one page."""
    total = db.session.scalar(count) or 0
    pages = max(1, -(-total // DETAIL_PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = list(
        db.session.scalars(statement.limit(DETAIL_PAGE_SIZE).offset((page - 1) * DETAIL_PAGE_SIZE))
    )
    return Listing(rows, page, pages, total)


def account_documents(account_id: int, kind: DocumentKind, page: int) -> Listing:
    """The account's invoices or credit notes, newest first, each with whether a refund gave
    it back (shown "Refunded", as the customer sees it)."""
    conditions = (Invoice.account_id == account_id, Invoice.kind == kind.value)
    total = db.session.scalar(select(func.count(Invoice.id)).where(*conditions)) or 0
    pages = max(1, -(-total // DETAIL_PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(Invoice, refunded_expression(Invoice))
        .where(*conditions)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(DETAIL_PAGE_SIZE)
        .offset((page - 1) * DETAIL_PAGE_SIZE)
    ).all()
    listed = [ListedDocument(invoice, None, bool(refunded)) for invoice, refunded in rows]
    return Listing(listed, page, pages, total)


def account_payments(account_id: int, page: int) -> Listing:
    """The account's payment attempts, newest first."""
    return _paged(
        select(Payment)
        .where(Payment.account_id == account_id)
        .order_by(Payment.created_at.desc(), Payment.id.desc()),
        select(func.count(Payment.id)).where(Payment.account_id == account_id),
        page,
    )
