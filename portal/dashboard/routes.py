"""The home page for each role, and My package."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts import load_account
from portal.dashboard.package import (
    BillingFacts,
    account_next_payment,
    billing_facts,
    package_overview,
)
from portal.full_refund import refund_offer
from portal.models import BILLING_ROLES, CUSTOMER_ROLES, Role
from portal.renewal.auto_renew import NoPaymentMethod, expiry_warning, set_auto_renew
from portal.security import current_account_id, roles_required
from portal.web import UNPROCESSABLE, wants_fragment

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def home() -> Response:
    """Send each role to its own start page; a visitor not signed in to the sign-in page,
    without "Please sign in to see this page" (they asked for no page yet)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role is Role.STAFF:
        return redirect(url_for("backoffice.accounts"))
    if current_user.role is Role.TRANSLATOR:
        return redirect(url_for("catalogs.overview"))
    return redirect(url_for("dashboard.my_package"))


@bp.get("/package")
@roles_required(*CUSTOMER_ROLES)
def my_package() -> str:
    """Plan, period, agents, conversations, renewal or expiry, auto-renewal and credit."""
    return package_page()


def package_page(refund_error: str | None = None) -> str:
    """My package, with the refund offer for those who manage billing."""
    manages_billing = current_user.role.manages_billing
    # What billing shows beyond the account (loaded with the user) comes in one query; a
    # member sees none of it, so nothing is read.
    account = load_account(current_account_id())  # it came with the user: no query
    facts = billing_facts(account, refund=True) if manages_billing else None
    return render_template(
        "dashboard/package.html",
        **_package_context(facts=facts),
        refund=refund_offer(account.id, clock.now(), facts.refund) if facts else None,
        refund_error=refund_error,
    )


def _package_context(
    error: str | None = None, facts: BillingFacts | None = None
) -> dict[str, object]:
    """What the package fragment shows: facts, next payment, the auto-renewal switch."""
    manages_billing = current_user.role.manages_billing
    account_id = current_account_id()
    return {
        "package": package_overview(account_id, clock.today()),
        # Amounts and methods are for those who manage billing, as the account credit is.
        "next_payment": account_next_payment(account_id, facts) if manages_billing else None,
        "manages_billing": manages_billing,
        "error": error,
    }


@bp.post("/package/auto-renewal")
@roles_required(*BILLING_ROLES)
def auto_renewal() -> Response | str | tuple[str, int]:
    """Turn auto-renewal on or off: the switch is swapped in place, or the page reloads."""
    choice = request.form.get("auto_renew")
    if choice not in {"on", "off"}:
        abort(400)
    error = None
    try:
        state = set_auto_renew(current_account_id(), current_user.id, choice == "on")
    except NoPaymentMethod:
        state, error = False, _("Add a payment method first: auto-renewal charges it.")
    if state is None:
        abort(404)
    if wants_fragment():
        # The whole package swaps: "Renews on", "Auto-renewal" and the next payment change too.
        fragment = render_template("dashboard/_package.html", **_package_context(error))
        return (fragment, UNPROCESSABLE) if error else fragment
    if error:
        flash(error, "error")
    return redirect(url_for("dashboard.my_package"))


@bp.app_context_processor
def expiry_banner() -> dict[str, object]:
    """Every page of a customer account can show the expiry warning (computed only if used)."""

    def warning() -> object:
        if not current_user.is_authenticated or current_user.account_id is None:
            return None
        return expiry_warning(current_user.account, clock.today())

    return {"expiry_warning": warning}
