"""Staff pages."""

from __future__ import annotations

from flask import abort, render_template

from portal import clock
from portal.backoffice import bp
from portal.models import Role
from portal.security import roles_required
from portal.services.accounts import account_users, load_account
from portal.services.package import all_overviews, overview_of


@bp.get("/accounts")
@roles_required(Role.STAFF)
def accounts() -> str:
    """Every customer account with its plan, quantities, status, renewal date and credit."""
    return render_template("backoffice/accounts.html", overviews=all_overviews(clock.today()))


@bp.get("/accounts/<int:account_id>")
@roles_required(Role.STAFF)
def account(account_id: int) -> str:
    """One account: billing info, package and users."""
    try:
        found = load_account(account_id)
    except LookupError:
        abort(404)
    return render_template(
        "backoffice/account.html",
        account=found,
        package=overview_of(found, clock.today()),
        users=account_users(account_id),
    )
