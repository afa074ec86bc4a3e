"""What each billing activity entry says, in the viewer's language."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.i18n import format_day, format_money
from portal.labels import period_label, plan_label, role_label
from portal.models import BillingActivity, RefundReason


def _field_labels() -> dict[str, str]:
    """The billing info fields as the form names them."""
    return {
        "company": _("Company"),
        "contact_name": _("Contact name"),
        "billing_email": _("Billing e-mail"),
        "cc_emails": _("Copies to (CC)"),
        "address": _("Address"),
        "postal_code": _("Postal code"),
        "city": _("City"),
        "country": _("Country"),
        "vat_id": _("VAT ID"),
        "invoice_language": _("Invoice language"),
        "invoices_by_email": _("Receive invoices by e-mail"),
    }


def _amount(details: dict, key: str = "amount_minor") -> str:
    """A stored amount with its currency, formatted for the viewer."""
    if key not in details or "currency" not in details:
        return ""
    return format_money(int(details[key]), details["currency"])


def _day(details: dict, key: str) -> str:
    """A stored ISO date, formatted for the viewer."""
    value = details.get(key)
    return format_day(date.fromisoformat(value)) if value else ""


def _refunded_charge(d: dict) -> str:
    """A charge given back because it paid for nothing, with why."""
    amount, method = _amount(d), d.get("method", "")
    if d.get("reason") == RefundReason.INVOICE_CLOSED:
        return _(
            "Payment of %(amount)s with %(method)s refunded: the invoice was already settled.",
            amount=amount,
            method=method,
        )
    if d.get("reason") == RefundReason.ORDER_CHANGED:
        return _(
            "Payment of %(amount)s with %(method)s refunded: the package had changed meanwhile.",
            amount=amount,
            method=method,
        )
    return _(
        "Payment of %(amount)s with %(method)s refunded: it came too late to be used.",
        amount=amount,
        method=method,
    )


def _team_activity(kind: str, d: dict) -> str | None:
    """Invitations, joins, removals, roles and ownership; None for other kinds."""
    if kind == "user_invited":
        return _(
            "%(email)s invited as %(role)s.",
            email=d.get("email", ""),
            role=role_label(d.get("role", "member")),
        )
    if kind == "user_joined":
        return _("%(name)s accepted the invitation and joined the team.", name=d.get("name", ""))
    if kind == "user_removed":
        return _(
            "%(name)s (%(email)s) was removed from the team.",
            name=d.get("name", ""),
            email=d.get("email", ""),
        )
    if kind == "role_changed":
        return _(
            "%(name)s is now %(role)s.",
            name=d.get("name", ""),
            role=role_label(d.get("role", "member")),
        )
    if kind == "ownership_transferred":
        return _(
            "Ownership handed over from %(previous)s to %(owner)s.",
            previous=d.get("previous", ""),
            owner=d.get("owner", ""),
        )
    return None


def describe_activity(entry: BillingActivity) -> str:
    """One readable sentence for an entry."""
    d = entry.details or {}
    kind = entry.kind
    if kind == "purchase":
        package = f"{plan_label(d.get('plan'))} · {period_label(d.get('period', 'monthly'))}"
        return ngettext(
            "Package changed to %(package)s with %(num)d agent; %(document)s, paid %(amount)s.",
            "Package changed to %(package)s with %(num)d agents; %(document)s, paid %(amount)s.",
            int(d.get("agents", 1)),
            package=package,
            document=d.get("document", ""),
            amount=_amount(d, "amount_paid_minor"),
        )
    if kind == "payment_declined":
        return _(
            "Payment of %(amount)s with %(method)s was declined.",
            amount=_amount(d),
            method=d.get("method", ""),
        )
    if kind == "invoice_paid":
        return _(
            "Invoice %(document)s paid: %(amount)s with %(method)s.",
            document=d.get("document", ""),
            amount=_amount(d),
            method=d.get("method", ""),
        )
    if kind == "invoice_note":
        return _("Note of %(document)s changed.", document=d.get("document", ""))
    if kind == "billing_info":
        labels = _field_labels()
        fields = ", ".join(labels.get(name, name) for name in d.get("fields", []))
        return _("Billing info changed: %(fields)s.", fields=fields)
    if kind == "payment_method_added":
        return _("Payment method added: %(method)s.", method=d.get("method", d.get("label", "")))
    if kind == "payment_method_removed":
        return _("Payment method removed: %(method)s.", method=d.get("method", d.get("label", "")))
    if kind == "default_payment_method":
        return _("Default payment method: %(method)s.", method=d.get("method", d.get("label", "")))
    if kind == "auto_renew":
        if d.get("on"):
            return _("Auto-renewal turned on.")
        return _(
            "Auto-renewal turned off: the package ends on %(date)s.", date=_day(d, "period_end")
        )
    if kind == "renewal":
        return _(
            "Package renewed until %(date)s: %(document)s, total %(amount)s.",
            date=_day(d, "period_end"),
            document=d.get("document", ""),
            amount=_amount(d, "total_minor"),
        )
    if kind == "renewal_failed":
        return _(
            "The renewal payment for %(document)s did not go through. "
            "Unless it is paid, the account is blocked on %(date)s.",
            document=d.get("document", ""),
            date=_day(d, "block_on"),
        )
    if kind == "blocked":
        if d.get("reason") == "unpaid":
            return _("The renewal was not paid: the account was blocked.")
        return _("Auto-renewal was off: the account was blocked at the end of the period.")
    if kind == "charge_refunded":
        return _refunded_charge(d)
    if kind == "renewal_cancelled":
        return _(
            "The unpaid renewal was cancelled by credit note %(documents)s.",
            documents=", ".join(d.get("documents", [])),
        )
    if kind == "expiry_warning":
        return _(
            "E-mail sent: the package ends on %(date)s without auto-renewal.",
            date=_day(d, "period_end"),
        )
    if kind == "refund":
        return _(
            "Full refund of %(amount)s; credit notes %(documents)s. Back to the Free package.",
            amount=_amount(d),
            documents=", ".join(d.get("documents", [])),
        )
    team_text = _team_activity(kind, d)
    if team_text is not None:
        return team_text
    if kind in _QUOTE_KINDS:
        return _QUOTE_KINDS[kind](d)
    return kind


def _quote_requested(d: dict) -> str:
    """A customer asked for a quote."""
    return ngettext(
        "Quote requested for %(num)d agent.",
        "Quote requested for %(num)d agents.",
        int(d.get("agents", 0)),
    )


def _quote_sent(d: dict) -> str:
    """Staff sent a quote."""
    return _(
        "Quote %(quote)s sent, valid until %(date)s.",
        quote=d.get("quote", ""),
        date=_day(d, "valid_until"),
    )


def _quote_withdrawn(d: dict) -> str:
    """Staff took a quote back."""
    return _("Quote %(quote)s withdrawn.", quote=d.get("quote", ""))


def _quote_rejected(d: dict) -> str:
    """A billing admin said no."""
    if d.get("reason"):
        return _(
            "Quote %(quote)s rejected: %(reason)s", quote=d.get("quote", ""), reason=d["reason"]
        )
    return _("Quote %(quote)s rejected.", quote=d.get("quote", ""))


def _quote_accepted(d: dict) -> str:
    """A billing admin accepted; the package changed."""
    package = f"{plan_label(d.get('plan'))} · {period_label(d.get('period', 'monthly'))}"
    return ngettext(
        "Quote %(quote)s accepted: %(package)s with %(num)d agent until %(date)s; "
        "%(document)s, paid %(amount)s.",
        "Quote %(quote)s accepted: %(package)s with %(num)d agents until %(date)s; "
        "%(document)s, paid %(amount)s.",
        int(d.get("agents", 1)),
        quote=d.get("quote", ""),
        package=package,
        date=_day(d, "contract_ends_on"),
        document=d.get("document", ""),
        amount=_amount(d, "amount_paid_minor"),
    )


_QUOTE_KINDS = {
    "quote_requested": _quote_requested,
    "quote_sent": _quote_sent,
    "quote_withdrawn": _quote_withdrawn,
    "quote_rejected": _quote_rejected,
    "quote_accepted": _quote_accepted,
}
