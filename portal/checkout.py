"""Pay for a confirmed summary (wizard or seat page): one charge and one invoice per confirmation.

The payment itself runs through `portal.payments.lifecycle`; this module says what a checkout
is (the breakdown the customer saw, priced again under the account lock) and what its success
does (the package changes, the invoice is issued).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock, vies
from portal.account_pricing import ChangeRequest, price_for
from portal.activity import record as activity
from portal.documents.issuing import (
    build_credit_notes,
    cancel_unpaid,
    corrects_by_invoice,
    issue_document,
    latest_invoice,
    number_documents,
)
from portal.domain.breakdown_codec import (
    breakdown_fingerprint,
    breakdown_from_data,
    breakdown_to_data,
)
from portal.domain.payment_lifecycle import PaymentPurpose, PaymentStatus, RefundReason
from portal.domain.pricing import ChangeNotAllowed, PriceBreakdown
from portal.domain.subscription_lifecycle import INITIAL, SubscriptionEvent
from portal.domain.tax import TaxKind
from portal.extensions import db
from portal.letters.ceiling import still_covers
from portal.mail.outbox import queue_document_email
from portal.models import (
    Account,
    ActivityKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    Subscription,
    SubscriptionStatus,
)
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import Order, Outcome, PayResult
from portal.payments.saved_methods import default_method, method_of
from portal.security import ConfirmationKey


def package_basis(account: Account) -> str:
    """What a breakdown of a change was priced on: the package, its period, the credit."""
    subscription = account.subscription
    if subscription is None:
        return f"free|{account.credit_minor}"
    return "|".join(
        str(value)
        for value in (
            subscription.plan,
            subscription.billing_period,
            subscription.agents,
            subscription.packs,
            subscription.period_start,
            subscription.period_end,
            subscription.status,
            account.credit_minor,
        )
    )


def letter_still_covers(account: Account, breakdown: PriceBreakdown) -> bool:
    """Whether a breakdown priced under a letter of intent is still covered by it today."""
    letter = breakdown.tax.letter
    if breakdown.tax.kind is not TaxKind.LETTER_OF_INTENT or letter is None:
        return True
    return still_covers(account.id, letter.id, breakdown.net_minor, clock.today())


def confirm_checkout(
    *,
    account_id: int,
    user_id: int,
    request: ChangeRequest,
    method_id: int | None,
    confirmation_key: ConfirmationKey,
    seen_fingerprint: str,
    return_url: Callable[[int], str],
) -> PayResult:
    """Charge what the customer saw and apply it; any resend of the same key returns the first."""

    def prepare(account: Account) -> Order | PayResult:
        """Price the change again under the lock: only what the customer saw is charged."""
        try:
            breakdown = price_for(account, request, clock.today())
        except ChangeNotAllowed as refusal:
            # A forged or stale form: the page said so already; nothing is charged.
            return PayResult(Outcome.NOT_ALLOWED, refusal=refusal)
        if breakdown_fingerprint(breakdown) != seen_fingerprint:
            return PayResult(Outcome.PRICE_CHANGED, breakdown=breakdown)
        return Order(
            purpose=PaymentPurpose.CHECKOUT,
            amount_minor=breakdown.amount_due_minor,
            currency=breakdown.currency,
            description=_("Subscription"),
            breakdown=breakdown_to_data(breakdown),
            basis=package_basis(account),
        )

    # A VAT ID the EU registry has not answered for is asked about again first, before any
    # lock: a confirmation now prices reverse charge (a new summary, nothing charged yet);
    # still no answer charges the country's rate, as the summary the customer saw said.
    vies.recheck_before_payment(account_id, user_id)
    return payments.start_payment(
        account_id=account_id,
        user_id=user_id,
        key=confirmation_key,
        method_id=method_id,
        prepare=prepare,
        return_url=return_url,
    )


class CheckoutHandler:
    """A paid checkout changes the package and issues its invoice (or credit note)."""

    def still_wanted(self, account: Account, payment: Payment) -> RefundReason | None:
        """The package must still be the one the breakdown was priced on."""
        if payment.basis is not None and payment.basis != package_basis(account):
            return RefundReason.ORDER_CHANGED
        if not letter_still_covers(account, breakdown_from_data(payment.breakdown or {})):
            # Priced VAT-free under a letter that staff withdrew meanwhile, or whose ceiling
            # no longer holds the net: charging it without VAT would be wrong.
            return RefundReason.ORDER_CHANGED
        return None

    def apply(self, account: Account, payment: Payment) -> None:
        """Make the paid breakdown real."""
        _apply(account, payment, breakdown_from_data(payment.breakdown or {}))


def apply_package(
    account: Account,
    breakdown: PriceBreakdown,
    *,
    agent_unit_minor: int,
    pack_unit_minor: int,
    today: date,
    contract_ends_on: date | None = None,
) -> None:
    """The account's subscription becomes the breakdown's package (at these unit prices) and
    its credit moves as the breakdown says; a blocked package's unpaid renewal is cancelled."""
    config = breakdown.configuration
    subscription = account.subscription
    if subscription is None:
        subscription = Subscription(account_id=account.id, status=INITIAL)
        account.subscription = subscription
    else:
        if subscription.status == SubscriptionStatus.BLOCKED:
            # A new package replaces the blocked one: its unpaid renewal is not owed any more.
            for note in cancel_unpaid(account, issued_on=today):
                queue_document_email(note)
        subscription.apply(SubscriptionEvent.BUY)
    subscription.plan = config.plan
    subscription.billing_period = config.period
    subscription.agents = config.agents
    subscription.packs = config.packs
    subscription.anchor_date = breakdown.anchor
    subscription.period_start = breakdown.period.start
    subscription.period_end = breakdown.period.end
    subscription.agent_unit_minor = agent_unit_minor
    subscription.pack_unit_minor = pack_unit_minor
    if contract_ends_on is not None:
        subscription.contract_ends_on = contract_ends_on
    subscription.auto_renew = True
    account.currency = breakdown.currency
    account.credit_minor += breakdown.credit_added_minor - breakdown.credit_used_minor


def issue_paid_document(
    account: Account,
    breakdown: PriceBreakdown,
    *,
    paid_with: str,
    today: date,
    purchase_order: str | None = None,
    quote_number: str = "",
) -> Invoice:
    """The paid invoice of a breakdown (a credit note correcting the latest invoice when its
    total is negative), queued for e-mail."""
    invoice = issue_document(
        account,
        breakdown,
        issued_on=today,
        paid_with=paid_with,
        status=InvoiceStatus.PAID,
        corrects=latest_invoice(account.id) if breakdown.is_credit_note else None,
        purchase_order=purchase_order,
        quote_number=quote_number,
    )
    queue_document_email(invoice)
    return invoice


def issue_paid_documents(
    account: Account, breakdown: PriceBreakdown, *, paid_with: str, today: date
) -> list[Invoice]:
    """The documents of a paid change, queued for e-mail: its invoice; or, for a decrease,
    one credit note per invoice whose charge it reverses."""
    if not corrects_by_invoice(breakdown):
        return [issue_paid_document(account, breakdown, paid_with=paid_with, today=today)]
    notes = build_credit_notes(account, breakdown, issued_on=today, paid_with=paid_with)
    number_documents(notes)
    for note in notes:
        queue_document_email(note)
    return notes


def _apply(account: Account, payment: Payment, breakdown: PriceBreakdown) -> None:
    """Make the paid breakdown real: subscription, credit, invoice, payment, activity."""
    today = clock.today()
    config = breakdown.configuration
    apply_package(
        account,
        breakdown,
        agent_unit_minor=breakdown.agent_unit_minor,
        pack_unit_minor=breakdown.pack_unit_minor,
        today=today,
    )
    documents = issue_paid_documents(
        account, breakdown, paid_with=payment.method_label or _("Account credit"), today=today
    )
    invoice = documents[0]
    payment.invoice_id = invoice.id
    activity.record(
        account.id,
        payment.user_id,
        ActivityKind.PURCHASE,
        change=str(breakdown.kind),
        plan=str(config.plan),
        period=str(config.period),
        agents=config.agents,
        packs=config.packs,
        document=", ".join(document.number for document in documents),
        total_minor=breakdown.total_minor,
        amount_paid_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
    )


@dataclass(frozen=True)
class Receipt:
    """What the confirmation page shows about a paid change."""

    payment: Payment
    invoice: Invoice
    breakdown: PriceBreakdown
    # The saved method it was paid with, when that is not the default: offered as the new one.
    other_than_default: PaymentMethod | None = None
    default_method: PaymentMethod | None = None


def paid_change(account_id: int, payment_id: int) -> Receipt | None:
    """A succeeded payment of the account with its document; None otherwise."""
    payment = db.session.scalar(
        select(Payment).where(
            Payment.id == payment_id,
            Payment.account_id == account_id,
            Payment.status == PaymentStatus.SUCCEEDED,
        )
    )
    if payment is None or payment.invoice_id is None or payment.breakdown is None:
        return None
    invoice = db.session.get(Invoice, payment.invoice_id)
    assert invoice is not None
    paid_with = method_of(account_id, payment.method_id) if payment.method_id else None
    if paid_with is None or paid_with.is_default:
        return Receipt(payment, invoice, breakdown_from_data(payment.breakdown))
    return Receipt(
        payment,
        invoice,
        breakdown_from_data(payment.breakdown),
        other_than_default=paid_with,
        default_method=default_method(account_id),
    )
