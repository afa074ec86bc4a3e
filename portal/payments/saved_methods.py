"""Saved payment methods: add, choose the default, remove. Only gateway tokens are kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, select, update

from portal.accounts import lock_account
from portal.activity.record import record
from portal.domain.payment_lifecycle import IN_FLIGHT
from portal.extensions import db
from portal.models import (
    ActivityKind,
    MethodKind,
    Payment,
    PaymentMethod,
    Subscription,
    SubscriptionStatus,
)
from portal.numbers import MAX_ID
from portal.payments.cards import CardBrand, CardDetails
from portal.payments.gateway import customer_reference, gateway

# A subscription in these states is charged at period end (or retried), so needs a method.
_CHARGED_STATES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


class RemovalRefused(Exception):
    """The account's only method cannot go while its subscription renews automatically."""


class RemovalNeedsConfirmation(Exception):
    """A method is going: the customer first confirms it (and, for the default, which method
    takes its place)."""

    def __init__(
        self, method: str, successor: str | None, token: str, *, is_default: bool = True
    ) -> None:
        super().__init__(method)
        self.method = method
        self.successor = successor
        self.token = token
        self.is_default = is_default


# What the confirmation of a method that is not the default carries.
CONFIRMED = "confirmed"


def _confirmation_token(method: PaymentMethod, successor: PaymentMethod | None) -> str:
    """What the confirmation form carries: for the default, the successor it named, so a
    changed one asks again."""
    if not method.is_default:
        return CONFIRMED
    return str(successor.id) if successor is not None else "none"


class DuplicateMethod(Exception):
    """The card (or PayPal account) is saved already; `existing` is that method."""

    def __init__(self, existing: PaymentMethod) -> None:
        super().__init__(existing.id)
        self.existing = existing


class MethodInUse(Exception):
    """A payment with this method is still waiting for the gateway: removing the method would
    lose the way to learn how it ended."""


def describe(method: PaymentMethod) -> str:
    """A label such as "Visa •••• 4242" or "PayPal (x@y.com)"; brand names are not translated."""
    if method.kind == MethodKind.PAYPAL:
        return f"PayPal ({method.paypal_email})"
    try:
        brand = CardBrand(method.brand or "").label
    except ValueError:
        brand = (method.brand or "").title()
    return f"{brand} •••• {method.last4}".strip()


def list_methods(account_id: int) -> list[PaymentMethod]:
    """The account's methods, the default first, then the newest."""
    return list(
        db.session.scalars(
            select(PaymentMethod)
            .where(PaymentMethod.account_id == account_id)
            .order_by(
                PaymentMethod.is_default.desc(),
                PaymentMethod.created_at.desc(),
                PaymentMethod.id.desc(),
            )
        )
    )


def default_method_id(account_id: Any) -> ScalarSelect[int]:
    """The id of the account's default method, the lowest if ever two, as a subquery
    (`account_id` may be a value or a bound parameter: My package reads it in its one query)."""
    return (
        select(PaymentMethod.id)
        .where(PaymentMethod.account_id == account_id, PaymentMethod.is_default)
        .order_by(PaymentMethod.id)
        .limit(1)
        .scalar_subquery()
    )


def default_method(account_id: int) -> PaymentMethod | None:
    """The method renewals and the wizard use unless the customer picks another."""
    return db.session.scalar(
        select(PaymentMethod).where(PaymentMethod.id == default_method_id(account_id))
    )


def method_of(account_id: int, method_id: int) -> PaymentMethod | None:
    """One of the account's methods; None for another account's id (or one no id can be)."""
    if not 0 < method_id <= MAX_ID:  # a forged form's number would overflow the id column
        return None
    return db.session.scalar(
        select(PaymentMethod).where(
            PaymentMethod.id == method_id, PaymentMethod.account_id == account_id
        )
    )


def _lock_account(account_id: int) -> None:
    """Serialise changes to one account's methods, so it always has exactly one default."""
    lock_account(account_id)


def _make_default(account_id: int, method: PaymentMethod) -> None:
    """Make `method` the only default of the account."""
    db.session.execute(
        update(PaymentMethod)
        .where(PaymentMethod.account_id == account_id, PaymentMethod.id != method.id)
        .values(is_default=False)
    )
    method.is_default = True


def is_same_method(saved: PaymentMethod, new: PaymentMethod) -> bool:
    """Whether a new method is one the account has saved already.

    Cards: by the gateway's fingerprint of the number where both have one (Stripe), else by
    brand and last four; and by expiry, so a renewed card (same number, new expiry) can
    still be added in place of the old one. PayPal: by the e-mail address.
    """
    if saved.kind != new.kind:
        return False
    if new.kind == MethodKind.PAYPAL:
        return (saved.paypal_email or "").casefold() == (new.paypal_email or "").casefold()
    if (saved.exp_month, saved.exp_year) != (new.exp_month, new.exp_year):
        return False
    if saved.fingerprint and new.fingerprint:
        return saved.fingerprint == new.fingerprint
    return (saved.brand, saved.last4) == (new.brand, new.last4)


def _add(account_id: int, user_id: int | None, method: PaymentMethod, make_default: bool) -> None:
    """Store a tokenized method; the account's first method becomes its default.

    Raises DuplicateMethod, keeping nothing, when the account has saved it already; the
    account's lock makes two tabs adding the same card at once save it once.
    """
    _lock_account(account_id)
    existing = next(
        (saved for saved in list_methods(account_id) if is_same_method(saved, method)), None
    )
    if existing is not None:
        db.session.rollback()
        raise DuplicateMethod(existing)
    first = default_method(account_id) is None
    method.account_id = account_id
    method.is_default = False
    db.session.add(method)
    db.session.flush()
    if first or make_default:
        _make_default(account_id, method)
    record(
        account_id,
        user_id,
        ActivityKind.PAYMENT_METHOD_ADDED,
        method=describe(method),
        default=method.is_default,
    )
    db.session.commit()


def add_card(
    account_id: int, user_id: int | None, card: CardDetails, *, make_default: bool = False
) -> PaymentMethod:
    """Tokenize a validated card and keep brand, last four, expiry, holder and token only."""
    saved = gateway().tokenize_card(card)
    method = PaymentMethod(
        kind=MethodKind.CARD,
        brand=saved.brand.value,
        last4=saved.last4,
        exp_month=saved.exp_month,
        exp_year=saved.exp_year,
        holder=card.holder,
        token=saved.token,
        fingerprint=saved.fingerprint,
    )
    _add_or_discard(account_id, user_id, method, make_default)
    return method


def _add_or_discard(
    account_id: int, user_id: int | None, method: PaymentMethod, make_default: bool
) -> None:
    """`_add` a card the gateway saved; a duplicate is forgotten at the gateway too."""
    try:
        _add(account_id, user_id, method, make_default)
    except DuplicateMethod:
        gateway().discard_card(method.token)
        raise


def add_saved_card(
    account_id: int, user_id: int | None, setup_id: str, *, holder: str, make_default: bool
) -> PaymentMethod:
    """Keep a card the gateway saved in the browser (Stripe.js): brand, last four, expiry."""
    saved = gateway().finish_card_setup(customer_reference(account_id), setup_id)
    method = PaymentMethod(
        kind=MethodKind.CARD,
        brand=saved.brand.value,
        last4=saved.last4,
        exp_month=saved.exp_month,
        exp_year=saved.exp_year,
        holder=holder,
        token=saved.token,
        fingerprint=saved.fingerprint,
    )
    _add_or_discard(account_id, user_id, method, make_default)
    return method


def add_paypal(
    account_id: int, user_id: int | None, email: str, *, make_default: bool = False
) -> PaymentMethod:
    """Link a PayPal account through the gateway."""
    email = email.strip()
    method = PaymentMethod(
        kind=MethodKind.PAYPAL, paypal_email=email, token=gateway().link_paypal(email)
    )
    _add(account_id, user_id, method, make_default)
    return method


def set_default(account_id: int, user_id: int | None, method_id: int) -> PaymentMethod | None:
    """Make one of the account's methods the default; None for another account's id."""
    _lock_account(account_id)
    method = method_of(account_id, method_id)
    if method is None:
        db.session.rollback()
        return None
    if not method.is_default:
        _make_default(account_id, method)
        record(account_id, user_id, ActivityKind.DEFAULT_PAYMENT_METHOD, method=describe(method))
    db.session.commit()
    return method


def _renews_automatically(account_id: int) -> bool:
    """True when the account's subscription will charge its default method by itself."""
    subscription = db.session.scalar(
        select(Subscription).where(Subscription.account_id == account_id)
    )
    return (
        subscription is not None
        and subscription.auto_renew
        and subscription.status in _CHARGED_STATES
    )


def remove(
    account_id: int, user_id: int | None, method_id: int, *, confirmed: str | None = None
) -> str | None:
    """Delete a method and return its label; None for another account's id.

    Raises RemovalRefused for the last method of a subscription with auto-renewal on.
    Nothing goes before the customer has confirmed it (`confirmed`), else
    RemovalNeedsConfirmation asks; a removed default hands over to the newest remaining
    method, once the customer has confirmed that very successor.
    """
    _lock_account(account_id)
    method = method_of(account_id, method_id)
    if method is None:
        db.session.rollback()
        return None
    pending = db.session.scalar(
        select(Payment.id)
        .where(Payment.method_id == method.id, Payment.status.in_(IN_FLIGHT))
        .limit(1)
    )
    if pending is not None:
        db.session.rollback()
        raise MethodInUse
    others = [other for other in list_methods(account_id) if other.id != method.id]
    if not others and _renews_automatically(account_id):
        db.session.rollback()
        raise RemovalRefused
    label = describe(method)
    successor = max(others, key=lambda other: (other.created_at, other.id)) if others else None
    token = _confirmation_token(method, successor)
    if confirmed != token:
        is_default = method.is_default
        db.session.rollback()
        raise RemovalNeedsConfirmation(
            label,
            describe(successor) if successor and is_default else None,
            token,
            is_default=is_default,
        )
    # What ON DELETE SET NULL does on PostgreSQL, done here so SQLite agrees.
    db.session.execute(update(Payment).where(Payment.method_id == method.id).values(method_id=None))
    db.session.delete(method)
    record(account_id, user_id, ActivityKind.PAYMENT_METHOD_REMOVED, method=label)
    if method.is_default and successor is not None:
        _make_default(account_id, successor)
        record(
            account_id,
            user_id,
            ActivityKind.DEFAULT_PAYMENT_METHOD,
            method=describe(successor),
            replaces=label,
        )
    db.session.commit()
    return label
