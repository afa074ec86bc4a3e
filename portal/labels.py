"""Translated names of the enumerations that templates show."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from portal.domain.catalog import BillingPeriod, Plan
from portal.models import DocumentKind, InvoiceStatus, Role, SubscriptionStatus


def plan_label(plan: Plan | str | None) -> str:
    """The package name; None is the Free package."""
    # One lookup per call (a list shows one per row), not a dict translating every choice.
    if plan is None:
        return _("Free")
    return _("Standard") if Plan(plan) is Plan.STANDARD else _("Pro")


def period_label(period: BillingPeriod | str) -> str:
    """Monthly or annual."""
    return _("Monthly") if BillingPeriod(period) is BillingPeriod.MONTHLY else _("Annual")


def status_label(status: SubscriptionStatus | str | None) -> str:
    """Where the subscription stands."""
    if status is None:
        return _("Free")
    status = SubscriptionStatus(status)
    if status is SubscriptionStatus.ACTIVE:
        return _("Active")
    return _("Past due") if status is SubscriptionStatus.PAST_DUE else _("Blocked")


def document_status_label(
    kind: DocumentKind | str, status: InvoiceStatus | str, *, refunded: bool = False
) -> str:
    """Where an invoice or credit note stands, in the list, the back office and the PDF.

    A credit note is named as such, never "Paid"; an invoice a refund gave back is
    "Refunded". The context lets Italian and French agree with "fattura" and "facture".
    """
    if DocumentKind(kind) is DocumentKind.CREDIT_NOTE:
        return pgettext("invoice status", "Credit note")
    if refunded:
        return pgettext("invoice status", "Refunded")
    # Only the one text asked for is translated (a list asks once per row).
    status = InvoiceStatus(status)
    if status is InvoiceStatus.PAID:
        return pgettext("invoice status", "Paid")
    if status is InvoiceStatus.OPEN:
        return pgettext("invoice status", "Open")
    return pgettext("invoice status", "Cancelled")


def agents_label(agents: int) -> str:
    """How many agents a package has."""
    return ngettext("%(num)d agent", "%(num)d agents", agents)


def translated_once(label: Callable[..., str]) -> Callable[..., str]:
    """`label` for one page of a list: each different label is translated once, not on
    every row (a page of 25 shows a handful). Made per page, so it never outlives the
    request's language or the translators' live edits."""
    return cache(label)


def role_label(role: Role | str) -> str:
    """A user's role."""
    return {
        Role.OWNER: _("Owner"),
        Role.BILLING_ADMIN: _("Billing admin"),
        Role.MEMBER: _("Agent"),
        Role.STAFF: _("Staff"),
        Role.TRANSLATOR: _("Translator"),
    }[Role(role)]


def init_app(app: Flask) -> None:
    """Make the labels available to every template."""
    app.jinja_env.globals.update(
        plan_label=plan_label,
        period_label=period_label,
        status_label=status_label,
        role_label=role_label,
        document_status_label=document_status_label,
        agents_label=agents_label,
        translated_once=translated_once,
    )
