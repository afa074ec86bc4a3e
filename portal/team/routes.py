"""The owner's team page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.models import Role
from portal.security import current_account_id, roles_required
from portal.services.accounts import RoleChangeRefused, account_users, set_billing_admin
from portal.team import bp
from portal.team.forms import BillingAdminForm


@bp.get("/")
@roles_required(Role.OWNER)
def members() -> str:
    """Everyone in the account with their role."""
    return render_template(
        "team/members.html", users=account_users(current_account_id()), form=BillingAdminForm()
    )


@bp.post("/<int:user_id>/billing-admin")
@roles_required(Role.OWNER)
def change_billing_admin(user_id: int) -> Response:
    """Name a user billing admin or take the role back; other accounts' users are 404."""
    form = BillingAdminForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = set_billing_admin(current_account_id(), user_id, form.grant.data == "1")
    except RoleChangeRefused:
        flash(_("The owner's role cannot be changed."), "error")
        return redirect(url_for("team.members"))
    if user is None:
        abort(404)
    if user.user_role is Role.BILLING_ADMIN:
        flash(_("%(name)s is now a billing admin.", name=user.name), "success")
    else:
        flash(_("%(name)s is no longer a billing admin.", name=user.name), "success")
    return redirect(url_for("team.members"))
