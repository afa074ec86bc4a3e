"""What each billing activity entry says, in the viewer's language: one renderer per kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.domain.subscription_lifecycle import StopReason
from portal.i18n import format_day, format_money
from portal.labels import (
    as_role,
    every_member,
    period_label,
    plan_label,
    role_in_sentence,
    stop_reason_label,
)
from portal.models import ActivityKind, BillingActivity, RefundReason

Details = Mapping[str, Any]


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
        "purchase_order": _("Purchase order number"),
        "einvoice_format": _("E-invoice format"),
        "recipient_code": _("SdI recipient code"),
        "pec": _("PEC address"),
        "tax_code": _("Tax code"),
    }


def _amount(details: Details, key: str = "amount_minor") -> str:
    """A stored amount with its currency, formatted for the viewer."""
    if key not in details or "currency" not in details:
        return ""
    return format_money(int(details[key]), details["currency"])


def _day(details: Details, key: str) -> str:
    """A stored ISO date, formatted for the viewer."""
    value = details.get(key)
    return format_day(date.fromisoformat(value)) if value else ""


def _package(d: Details) -> str:
    """The plan and period an entry names, e.g. "Standard · Monthly"."""
    return f"{plan_label(d.get('plan'))} · {period_label(d.get('period', 'monthly'))}"


def _method(d: Details) -> str:
    """The payment method an entry names (older entries kept it as "label")."""
    return d.get("method", d.get("label", ""))


def _purchase(d: Details) -> str:
    """A paid change of package."""
    return ngettext(
        "Package changed to %(package)s with %(num)d agent; %(document)s, paid %(amount)s.",
        "Package changed to %(package)s with %(num)d agents; %(document)s, paid %(amount)s.",
        int(d.get("agents", 1)),
        package=_package(d),
        document=d.get("document", ""),
        amount=_amount(d, "amount_paid_minor"),
    )


def _payment_declined(d: Details) -> str:
    """The bank said no."""
    return _(
        "Payment of %(amount)s with %(method)s was declined.",
        amount=_amount(d),
        method=d.get("method", ""),
    )


def _payment_cancelled(d: Details) -> str:
    """The customer cancelled at PayPal or the 3-D Secure step: not a decline."""
    return _(
        "Payment of %(amount)s with %(method)s was cancelled: nothing was charged.",
        amount=_amount(d),
        method=d.get("method", ""),
    )


def _charge_refunded(d: Details) -> str:
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


def _invoice_paid(d: Details) -> str:
    """An open invoice paid."""
    return _(
        "Invoice %(document)s paid: %(amount)s with %(method)s.",
        document=d.get("document", ""),
        amount=_amount(d),
        method=d.get("method", ""),
    )


def _invoice_reissued(d: Details) -> str:
    """The latest invoice reissued with the current billing info."""
    return _(
        "Invoice %(document)s reissued as %(new)s with the current billing info "
        "(credit note %(note)s).",
        document=d.get("document", ""),
        new=d.get("new", ""),
        note=d.get("credit_note", ""),
    )


def _invoice_note(d: Details) -> str:
    """A note written on an invoice."""
    return _("Note of %(document)s changed.", document=d.get("document", ""))


def _billing_info(d: Details) -> str:
    """Which billing info fields changed."""
    labels = _field_labels()
    fields = ", ".join(labels.get(name, name) for name in d.get("fields", []))
    return _("Billing info changed: %(fields)s.", fields=fields)


def _vat_id_check(d: Details) -> str:
    """The EU registry's answer about the VAT ID moved its standing."""
    vat_id, number = d.get("vat_id", ""), d.get("consultation_number", "")
    verdict = d.get("verdict")
    if verdict == "valid":
        if number:
            return _(
                "VAT ID %(vat_id)s confirmed by the EU VAT registry (VIES), consultation "
                "number %(number)s: reverse charge applies to the invoices issued from now on.",
                vat_id=vat_id,
                number=number,
            )
        return _(
            "VAT ID %(vat_id)s confirmed by the EU VAT registry (VIES): reverse charge "
            "applies to the invoices issued from now on.",
            vat_id=vat_id,
        )
    if verdict == "invalid":
        return _(
            "The EU VAT registry (VIES) reports VAT ID %(vat_id)s as not valid: VAT is "
            "charged on the invoices issued from now on.",
            vat_id=vat_id,
        )
    return _(
        "VAT ID %(vat_id)s could not be confirmed: the EU VAT registry (VIES) did not "
        "answer. VAT is charged until it does; it will be checked again.",
        vat_id=vat_id,
    )


def _payment_method_added(d: Details) -> str:
    """A new payment method."""
    return _("Payment method added: %(method)s.", method=_method(d))


def _payment_method_removed(d: Details) -> str:
    """A payment method taken away."""
    return _("Payment method removed: %(method)s.", method=_method(d))


def _default_payment_method(d: Details) -> str:
    """Another method is the default."""
    return _("Default payment method: %(method)s.", method=_method(d))


def _auto_renew(d: Details) -> str:
    """Auto-renewal turned on or off."""
    if d.get("on"):
        return _("Auto-renewal turned on.")
    ended = _("Auto-renewal turned off: the package ends on %(date)s.", date=_day(d, "period_end"))
    reason = d.get("reason")
    if reason not in set(StopReason):
        return ended
    because = _("Reason: %(reason)s.", reason=stop_reason_label(reason))
    comment = d.get("comment")
    if comment:
        said = _("Comment: %(comment)s", comment=comment)
        return f"{ended} {because} {said}"
    return f"{ended} {because}"


def _renewal(d: Details) -> str:
    """The package renewed for another period."""
    return _(
        "Package renewed until %(date)s: %(document)s, total %(amount)s.",
        date=_day(d, "period_end"),
        document=d.get("document", ""),
        amount=_amount(d, "total_minor"),
    )


def _renewal_failed(d: Details) -> str:
    """The renewal payment did not go through."""
    return _(
        "The renewal payment for %(document)s did not go through. "
        "Unless it is paid, the account is blocked on %(date)s.",
        document=d.get("document", ""),
        date=_day(d, "block_on"),
    )


def _renewal_cancelled(d: Details) -> str:
    """A blocked account's unpaid renewal taken back."""
    return _(
        "The unpaid renewal was cancelled by credit note %(documents)s.",
        documents=", ".join(d.get("documents", [])),
    )


def _expiry_warning(d: Details) -> str:
    """The e-mail that the package ends without auto-renewal."""
    return _(
        "E-mail sent: the package ends on %(date)s without auto-renewal.",
        date=_day(d, "period_end"),
    )


def _blocked(d: Details) -> str:
    """Back to the Free limits, and why."""
    if d.get("reason") == "unpaid":
        return _("The renewal was not paid: the account was blocked.")
    return _("Auto-renewal was off: the account was blocked at the end of the period.")


def _refund(d: Details) -> str:
    """The full refund."""
    return _(
        "Full refund of %(amount)s; credit notes %(documents)s. Back to the Free package.",
        amount=_amount(d),
        documents=", ".join(d.get("documents", [])),
    )


def _user_invited(d: Details) -> str:
    """Someone invited to the team."""
    return _(
        # Translators: as_role is "as" and a role, such as "as an agent" (context "as a role").
        "%(email)s invited %(as_role)s.",
        email=d.get("email", ""),
        as_role=as_role(d.get("role", "member")),
    )


def _user_joined(d: Details) -> str:
    """An invitation accepted."""
    return _("%(name)s accepted the invitation and joined the team.", name=d.get("name", ""))


def _user_removed(d: Details) -> str:
    """Someone removed from the team."""
    return _(
        "%(name)s (%(email)s) was removed from the team.",
        name=d.get("name", ""),
        email=d.get("email", ""),
    )


def _role_changed(d: Details) -> str:
    """A new role for someone in the team."""
    return _(
        "%(name)s is now %(role)s.",
        name=d.get("name", ""),
        role=role_in_sentence(d.get("role", "member")),
    )


def _ownership_transferred(d: Details) -> str:
    """The owner handed the account over."""
    return _(
        "Ownership handed over from %(previous)s to %(owner)s.",
        previous=d.get("previous", ""),
        owner=d.get("owner", ""),
    )


def _quote_requested(d: Details) -> str:
    """A customer asked for a quote."""
    return ngettext(
        "Quote requested for %(num)d agent.",
        "Quote requested for %(num)d agents.",
        int(d.get("agents", 0)),
    )


def _quote_sent(d: Details) -> str:
    """Staff sent a quote."""
    return _(
        "Quote %(quote)s sent, valid until %(date)s.",
        quote=d.get("quote", ""),
        date=_day(d, "valid_until"),
    )


def _quote_withdrawn(d: Details) -> str:
    """Staff took a quote back."""
    return _("Quote %(quote)s withdrawn.", quote=d.get("quote", ""))


def _quote_rejected(d: Details) -> str:
    """A billing admin said no."""
    if d.get("reason"):
        return _(
            "Quote %(quote)s rejected: %(reason)s", quote=d.get("quote", ""), reason=d["reason"]
        )
    return _("Quote %(quote)s rejected.", quote=d.get("quote", ""))


def _quote_accepted(d: Details) -> str:
    """A billing admin accepted; the package changed."""
    return ngettext(
        "Quote %(quote)s accepted: %(package)s with %(num)d agent until %(date)s; "
        "%(document)s, paid %(amount)s.",
        "Quote %(quote)s accepted: %(package)s with %(num)d agents until %(date)s; "
        "%(document)s, paid %(amount)s.",
        int(d.get("agents", 1)),
        quote=d.get("quote", ""),
        package=_package(d),
        date=_day(d, "contract_ends_on"),
        document=d.get("document", ""),
        amount=_amount(d, "amount_paid_minor"),
    )


K = ActivityKind
RENDERERS: Mapping[ActivityKind, Callable[[Details], str]] = every_member(
    ActivityKind,
    {
        K.PURCHASE: _purchase,
        K.PAYMENT_DECLINED: _payment_declined,
        K.PAYMENT_CANCELLED: _payment_cancelled,
        K.CHARGE_REFUNDED: _charge_refunded,
        K.INVOICE_PAID: _invoice_paid,
        K.INVOICE_NOTE: _invoice_note,
        K.INVOICE_REISSUED: _invoice_reissued,
        K.BILLING_INFO: _billing_info,
        K.VAT_ID_CHECK: _vat_id_check,
        K.PAYMENT_METHOD_ADDED: _payment_method_added,
        K.PAYMENT_METHOD_REMOVED: _payment_method_removed,
        K.DEFAULT_PAYMENT_METHOD: _default_payment_method,
        K.AUTO_RENEW: _auto_renew,
        K.RENEWAL: _renewal,
        K.RENEWAL_FAILED: _renewal_failed,
        K.RENEWAL_CANCELLED: _renewal_cancelled,
        K.EXPIRY_WARNING: _expiry_warning,
        K.BLOCKED: _blocked,
        K.REFUND: _refund,
        K.USER_INVITED: _user_invited,
        K.USER_JOINED: _user_joined,
        K.USER_REMOVED: _user_removed,
        K.ROLE_CHANGED: _role_changed,
        K.OWNERSHIP_TRANSFERRED: _ownership_transferred,
        K.QUOTE_REQUESTED: _quote_requested,
        K.QUOTE_SENT: _quote_sent,
        K.QUOTE_WITHDRAWN: _quote_withdrawn,
        K.QUOTE_REJECTED: _quote_rejected,
        K.QUOTE_ACCEPTED: _quote_accepted,
    },
)


def describe_activity(entry: BillingActivity) -> str:
    """One readable sentence for an entry."""
    return RENDERERS[ActivityKind(entry.kind)](entry.details or {})
