"""Translated names of the enumerations that pages, e-mails and PDFs show.

Each shown enumeration has one map from every member to its label, checked when the module
is imported: a member without a label stops the app at start-up (and every test), never a
page that shows a raw value or another member's name. A label is a function called when it
is shown, so a list translates one text per row, in the language of that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from types import MappingProxyType
from typing import TypeVar

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.letters_of_intent import LetterState
from portal.domain.pricing import ChangeKind, LineKind
from portal.domain.subscription_lifecycle import StopReason
from portal.domain.tax import TaxKind
from portal.models import (
    DocumentKind,
    EInvoiceState,
    InvoiceStatus,
    MethodKind,
    PaymentStatus,
    QuoteStatus,
    Role,
    SubscriptionStatus,
)

Label = Callable[[], str]
E = TypeVar("E", bound=Enum)
V = TypeVar("V")


def every_member(enum: type[E], entries: Mapping[E, V]) -> Mapping[E, V]:
    """`entries` (a label or a renderer per member), refused with a LookupError unless they
    name every member of `enum` and nothing else."""
    missing = [str(member.value) for member in enum if member not in entries]
    foreign = [repr(key) for key in entries if not isinstance(key, enum)]
    if missing or foreign:
        raise LookupError(
            f"{enum.__name__}: nothing for {missing or 'none'}; not members: {foreign or 'none'}"
        )
    return MappingProxyType(dict(entries))


PLAN_LABELS = every_member(
    Plan,
    {
        Plan.STANDARD: lambda: _("Standard"),
        Plan.PRO: lambda: _("Pro"),
    },
)

PERIOD_LABELS = every_member(
    BillingPeriod,
    {
        BillingPeriod.MONTHLY: lambda: _("Monthly"),
        BillingPeriod.ANNUAL: lambda: _("Annual"),
    },
)

SUBSCRIPTION_STATUS_LABELS = every_member(
    SubscriptionStatus,
    {
        SubscriptionStatus.ACTIVE: lambda: _("Active"),
        SubscriptionStatus.PAST_DUE: lambda: _("Past due"),
        SubscriptionStatus.BLOCKED: lambda: _("Blocked"),
    },
)

# A context of their own: Italian and French agree with "fattura" and "facture".
INVOICE_STATUS_LABELS = every_member(
    InvoiceStatus,
    {
        InvoiceStatus.PAID: lambda: pgettext("invoice status", "Paid"),
        InvoiceStatus.OPEN: lambda: pgettext("invoice status", "Open"),
        InvoiceStatus.CANCELLED: lambda: pgettext("invoice status", "Cancelled"),
    },
)

ROLE_LABELS = every_member(
    Role,
    {
        Role.OWNER: lambda: _("Owner"),
        Role.BILLING_ADMIN: lambda: _("Billing admin"),
        Role.MEMBER: lambda: _("Agent"),
        Role.STAFF: lambda: _("Staff"),
        Role.TRANSLATOR: lambda: _("Translator"),
    },
)

STOP_REASON_LABELS = every_member(
    StopReason,
    {
        StopReason.TOO_EXPENSIVE: lambda: _("It costs too much"),
        StopReason.MISSING_FEATURES: lambda: _("A feature we need is missing"),
        StopReason.OTHER_PRODUCT: lambda: _("We are moving to another product"),
        StopReason.NOT_NEEDED: lambda: _("We no longer need it"),
        StopReason.OTHER: lambda: _("Another reason"),
    },
)

# A context of their own: Italian and French agree with "pagamento" and "paiement".
PAYMENT_STATUS_LABELS = every_member(
    PaymentStatus,
    {
        PaymentStatus.CREATED: lambda: pgettext("payment status", "Created"),
        PaymentStatus.PROCESSING: lambda: pgettext("payment status", "Processing"),
        PaymentStatus.REQUIRES_ACTION: lambda: pgettext("payment status", "Waiting for 3-D Secure"),
        PaymentStatus.SUCCEEDED: lambda: pgettext("payment status", "Succeeded"),
        PaymentStatus.DECLINED: lambda: pgettext("payment status", "Declined"),
        PaymentStatus.CANCELLED: lambda: pgettext("payment status", "Cancelled"),
        PaymentStatus.ABANDONED: lambda: pgettext("payment status", "Abandoned"),
        PaymentStatus.REFUNDED: lambda: pgettext("payment status", "Refunded"),
    },
)


# What staff read of an e-invoice file's state.
EINVOICE_STATE_LABELS = every_member(
    EInvoiceState,
    {
        EInvoiceState.GENERATED: lambda: pgettext("e-invoice state", "Generated"),
        EInvoiceState.INVALID: lambda: pgettext("e-invoice state", "Invalid"),
        EInvoiceState.SENT: lambda: pgettext("e-invoice state", "Sent"),
        EInvoiceState.DELIVERED: lambda: pgettext("e-invoice state", "Delivered"),
        EInvoiceState.NOT_DELIVERABLE: lambda: pgettext("e-invoice state", "Not deliverable"),
        EInvoiceState.REJECTED: lambda: pgettext("e-invoice state", "Rejected"),
        EInvoiceState.SUPERSEDED: lambda: pgettext("e-invoice state", "Superseded"),
    },
)


# A context of their own: Italian and French agree with "dichiarazione" and "lettre".
LETTER_STATE_LABELS = every_member(
    LetterState,
    {
        LetterState.SUBMITTED: lambda: pgettext("letter of intent", "Waiting for our check"),
        LetterState.APPROVED: lambda: pgettext("letter of intent", "Approved"),
        LetterState.REJECTED: lambda: pgettext("letter of intent", "Rejected"),
        LetterState.WITHDRAWN: lambda: pgettext("letter of intent", "Withdrawn"),
    },
)


# What a customer reads beside a document: whether the legal e-invoice went out and arrived.
# A file the portal or the exchange system refused is fixed by staff and sent again, so the
# customer reads that it is being prepared, never a rule or an error code.
def _being_prepared() -> str:
    return _("E-invoice being prepared")


EINVOICE_CUSTOMER_LABELS = every_member(
    EInvoiceState,
    {
        EInvoiceState.GENERATED: _being_prepared,
        EInvoiceState.INVALID: _being_prepared,
        EInvoiceState.REJECTED: _being_prepared,
        EInvoiceState.SUPERSEDED: _being_prepared,
        EInvoiceState.SENT: lambda: _("E-invoice sent to the exchange system"),
        EInvoiceState.DELIVERED: lambda: _("E-invoice delivered"),
        EInvoiceState.NOT_DELIVERABLE: lambda: _(
            "E-invoice not deliverable to your mailbox: download it here"
        ),
    },
)


def einvoice_state_label(state: EInvoiceState | str) -> str:
    """An e-invoice file's state, for staff."""
    return EINVOICE_STATE_LABELS[EInvoiceState(state)]()


def einvoice_customer_label(state: EInvoiceState | str) -> str:
    """A document's e-invoice state in the customer's words."""
    return EINVOICE_CUSTOMER_LABELS[EInvoiceState(state)]()


def letter_state_label(state: LetterState | str) -> str:
    """Where a letter of intent stands."""
    return LETTER_STATE_LABELS[LetterState(state)]()


def plan_label(plan: Plan | str | None) -> str:
    """The package name; None is the Free package."""
    if plan is None:
        return _("Free")
    return PLAN_LABELS[Plan(plan)]()


def period_label(period: BillingPeriod | str) -> str:
    """Monthly or annual."""
    return PERIOD_LABELS[BillingPeriod(period)]()


SAVINGS_PER_PERIOD_LABELS = every_member(
    BillingPeriod,
    {
        BillingPeriod.MONTHLY: lambda: _("Savings per month"),
        BillingPeriod.ANNUAL: lambda: _("Savings per year"),
    },
)


def savings_per_period_label(period: BillingPeriod | str) -> str:
    """What a quote saves each billing period, named by the period ("Savings per year")."""
    return SAVINGS_PER_PERIOD_LABELS[BillingPeriod(period)]()


def savings_over_term_label(term_months: int) -> str:
    """What a quote saves over its contract term, named with the term's length."""
    return ngettext(
        "Savings over the term (%(num)d month)",
        "Savings over the term (%(num)d months)",
        term_months,
    )


def status_label(status: SubscriptionStatus | str | None) -> str:
    """Where the subscription stands; None is the Free package."""
    if status is None:
        return _("Free")
    return SUBSCRIPTION_STATUS_LABELS[SubscriptionStatus(status)]()


def document_status_label(
    kind: DocumentKind | str, status: InvoiceStatus | str, *, refunded: bool = False
) -> str:
    """Where an invoice or credit note stands, in the list, the back office and the PDF.

    A credit note is named as such, never "Paid"; an invoice a refund gave back is
    "Refunded".
    """
    if DocumentKind(kind) is DocumentKind.CREDIT_NOTE:
        return pgettext("invoice status", "Credit note")
    if refunded:
        return pgettext("invoice status", "Refunded")
    return INVOICE_STATUS_LABELS[InvoiceStatus(status)]()


def payment_status_label(
    status: PaymentStatus | str, method_kind: MethodKind | str | None = None
) -> str:
    """Where a payment stands, for staff; a PayPal payment waits for PayPal, not 3-D Secure."""
    status = PaymentStatus(status)
    if status is PaymentStatus.REQUIRES_ACTION and method_kind == MethodKind.PAYPAL:
        return pgettext("payment status", "Waiting for PayPal")
    return PAYMENT_STATUS_LABELS[status]()


def agents_label(agents: int) -> str:
    """How many agents a package has."""
    return ngettext("%(num)d agent", "%(num)d agents", agents)


def stop_reason_label(reason: StopReason | str) -> str:
    """Why a customer stopped their subscription."""
    return STOP_REASON_LABELS[StopReason(reason)]()


def role_label(role: Role | str) -> str:
    """A user's role, as a heading or a list names it ("Billing admin")."""
    return ROLE_LABELS[Role(role)]()


# A role inside a sentence, lowercase, as the language writes it after "is now" or in
# parentheses: "Aldo est maintenant agent", "connesso come Aldo (agente)".
ROLES_IN_A_SENTENCE = every_member(
    Role,
    {
        Role.OWNER: lambda: pgettext("role in a sentence", "owner"),
        Role.BILLING_ADMIN: lambda: pgettext("role in a sentence", "billing admin"),
        Role.MEMBER: lambda: pgettext("role in a sentence", "agent"),
        Role.STAFF: lambda: pgettext("role in a sentence", "staff member"),
        Role.TRANSLATOR: lambda: pgettext("role in a sentence", "translator"),
    },
)

# "as" and the role, one phrase: French elides "que" before a vowel ("en tant qu'agent").
AS_A_ROLE = every_member(
    Role,
    {
        Role.OWNER: lambda: pgettext("as a role", "as the owner"),
        Role.BILLING_ADMIN: lambda: pgettext("as a role", "as a billing admin"),
        Role.MEMBER: lambda: pgettext("as a role", "as an agent"),
        Role.STAFF: lambda: pgettext("as a role", "as a staff member"),
        Role.TRANSLATOR: lambda: pgettext("as a role", "as a translator"),
    },
)


def role_in_sentence(role: Role | str) -> str:
    """A user's role inside a sentence ("Aldo is now %(role)s", "Aldo (%(role)s)")."""
    return ROLES_IN_A_SENTENCE[Role(role)]()


def as_role(role: Role | str) -> str:
    """ "As" and a user's role, for "invited %(as_role)s": "en tant qu'agent", "come agente"."""
    return AS_A_ROLE[Role(role)]()


# What templates compare with: `invoice.status == InvoiceStatus.OPEN`, never a bare string.
TEMPLATE_ENUMS: tuple[type[Enum], ...] = (
    BillingPeriod,
    ChangeKind,
    DocumentKind,
    EInvoiceState,
    InvoiceStatus,
    LetterState,
    LineKind,
    MethodKind,
    Plan,
    QuoteStatus,
    Role,
    TaxKind,
)


def init_app(app: Flask) -> None:
    """Make the labels, and the enumerations they name, available to every template."""
    app.jinja_env.globals.update(
        plan_label=plan_label,
        period_label=period_label,
        savings_per_period_label=savings_per_period_label,
        savings_over_term_label=savings_over_term_label,
        status_label=status_label,
        role_label=role_label,
        role_in_sentence=role_in_sentence,
        as_role=as_role,
        document_status_label=document_status_label,
        payment_status_label=payment_status_label,
        agents_label=agents_label,
        einvoice_state_label=einvoice_state_label,
        einvoice_customer_label=einvoice_customer_label,
        letter_state_label=letter_state_label,
    )
    app.jinja_env.globals.update({enum.__name__: enum for enum in TEMPLATE_ENUMS})
