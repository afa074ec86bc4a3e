"""The home page for each role, and My package."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal import clock
from portal.dashboard import bp
from portal.models import CUSTOMER_ROLES, Role
from portal.security import current_account_id, roles_required
from portal.services.package import package_overview


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
