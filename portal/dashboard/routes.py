"""The home page for each role, and My package."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal import clock
from portal.dashboard import bp
from portal.models import BILLING_ROLES, CUSTOMER_ROLES, Role
from portal.security import current_account_id, roles_required
from portal.services.package import package_overview
from portal.services.renewal import NoPaymentMethod, expiry_warning, set_auto_renew
from portal.web import wants_fragment


@bp.get("/")
@login_required
def home() -> Response:
    """Send each role to its own start page."""
    if current_user.user_role is Role.STAFF:
        return redirect(url_for("backoffice.accounts"))
    if current_user.user_role is Role.TRANSLATOR:
        return redirect(url_for("catalogs.overview"))
    return redirect(url_for("dashboard.my_package"))


@bp.get("/package")
@roles_required(*CUSTOMER_ROLES)
def my_package() -> str:
    """Plan, period, agents, conversations, renewal or expiry, auto-renewal and credit."""
    overview = package_overview(current_account_id(), clock.today())
    return render_template(
        "dashboard/package.html",
        package=overview,
        manages_billing=current_user.user_role.manages_billing,
    )


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
        overview = package_overview(current_account_id(), clock.today())
        fragment = render_template("dashboard/_auto_renewal.html", package=overview, error=error)
        return (fragment, 422) if error else fragment
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
