"""The home page for each role, and My package."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts import load_account
from portal.dashboard.forms import StopSubscriptionForm
from portal.dashboard.package import (
    BillingFacts,
    account_next_payment,
    billing_facts,
    package_overview,
)
from portal.full_refund import refund_offer
from portal.i18n import format_day
from portal.models import BILLING_ROLES, CUSTOMER_ROLES, Role, SubscriptionStatus
from portal.renewal.auto_renew import NoPaymentMethod, expiry_warning, set_auto_renew
from portal.security import checks_form_text, current_account_id, roles_required
from portal.web import UNPROCESSABLE, wants_fragment, whole_page_redirect

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
    """Turn auto-renewal on: the switch is swapped in place, or the page reloads. Turning it
    off is stopping the subscription: that asks for confirmation and a reason first."""
    choice = request.form.get("auto_renew")
    if choice == "off":
        return whole_page_redirect(url_for("dashboard.stop_subscription"), code=303)
    if choice != "on":
        abort(400)
    error = None
    try:
        state = set_auto_renew(current_account_id(), current_user.id, True)
    except NoPaymentMethod:
        state, error = False, _("Add a payment method first: auto-renewal charges it.")
    if state is None:
        abort(404)
    if wants_fragment():
        # The whole package swaps: "Renews on", "Auto-renewal" and the next payment change too.
        context = _package_context(error)
        fragment = render_template("dashboard/_package.html", **context, renewal_saved=not error)
        return (fragment, UNPROCESSABLE) if error else fragment
    if error:
        flash(error, "error")
    else:
        flash(renewal_on_message(), "success")
    return redirect(url_for("dashboard.my_package"))


def renewal_on_message() -> str:
    """The confirmation once auto-renewal is on."""
    return _("Auto-renewal is on: your package renews at the end of each period.")


@bp.route("/package/stop", methods=["GET", "POST"])
@roles_required(*BILLING_ROLES)
@checks_form_text
def stop_subscription() -> Response | str | tuple[str, int]:
    """Stop the subscription: what happens at the end of the period, why, and confirm.
    It turns auto-renewal off; the package runs to the end of the period already paid."""
    package = package_overview(current_account_id(), clock.today())
    if package.is_free or not package.auto_renew or package.status is SubscriptionStatus.BLOCKED:
        # Nothing to stop: no package, or it already ends.
        return redirect(url_for("dashboard.my_package"))
    form = StopSubscriptionForm()
    if form.validate_on_submit():
        state = set_auto_renew(
            current_account_id(),
            current_user.id,
            False,
            reason=form.stop_reason,
            comment=(form.comment.data or "").strip(),
        )
        if state is None:
            return redirect(url_for("dashboard.my_package"))
        flash(
            _(
                "Your subscription is stopped: auto-renewal is off and nothing more will be "
                "charged. Your package stays active until %(date)s, then the account goes "
                "back to the Free package.",
                date=format_day(package.period_end),
            ),
            "success",
        )
        return redirect(url_for("dashboard.my_package"))
    page = render_template("dashboard/stop.html", form=form, package=package)
    return (page, UNPROCESSABLE) if form.is_submitted() else page


@bp.app_context_processor
def expiry_banner() -> dict[str, object]:
    """Every page of a customer account can show the expiry warning (computed only if used)."""

    def warning() -> object:
        if not current_user.is_authenticated or current_user.account_id is None:
            return None
        return expiry_warning(current_user.account, clock.today())

    return {"expiry_warning": warning}
