"""The owner's team page: invitations, roles, removal and the hand-over of ownership."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import account_users
from portal.mail.outbox import deliver_soon
from portal.models import Role, User
from portal.security import checks_form_text, current_account_id, roles_required
from portal.sign_in_limits import SignInLocked, confirm_password, wait_message
from portal.team import changes as service
from portal.team.contacts import contacts_for_member
from portal.team.forms import BillingAdminForm, HandOverForm, InviteForm, TeamActionForm
from portal.web import UNPROCESSABLE, render_page

TOO_MANY_REQUESTS = 429

bp = Blueprint("team", __name__, url_prefix="/team")


@bp.app_context_processor
def billing_contacts() -> dict[str, Any]:
    """A member's pages (My package, a refusal) name whom to ask about billing."""
    return {"billing_contacts_for_member": contacts_for_member}


def _refusal_message(reason: str) -> str:
    """What the owner reads when a team change is not allowed."""
    messages = {
        "in_team": _("This person is already in your team."),
        "owner": _("The owner cannot be removed. Hand over ownership first."),
        "owner_role": _("The owner's role cannot be changed."),
        "not_owner": _("This change was not made: you are no longer the owner of this account."),
        "yourself": _("You cannot do this to your own user."),
        "not_billing_admin": _("Ownership can only go to a billing admin who has joined."),
    }
    return messages.get(reason, _("This change is not possible."))


def _page(invite_form: InviteForm, status: int = 200) -> tuple[str, int]:
    """The team with each user's role and the invitation form."""
    page = render_template(
        "team/members.html",
        users=account_users(current_account_id()),
        form=BillingAdminForm(formdata=None),
        invite_form=invite_form,
    )
    return page, status


@bp.get("/")
@roles_required(Role.OWNER)
def members() -> tuple[str, int]:
    """Everyone in the account with their role, and the invitation form."""
    return _page(InviteForm(formdata=None))


@bp.post("/invite")
@roles_required(Role.OWNER)
@checks_form_text
def invite() -> Response | tuple[str, int]:
    """Invite someone by e-mail; they choose their password through the e-mail's link."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            email_id = service.invite(
                current_account_id(),
                current_user._get_current_object(),
                form.email.data or "",
                form.name.data or "",
                Role(form.role.data),
            )
        except service.TeamChangeRefused as refused:
            if refused.reason == "not_owner":
                return _refused(refused)
            form.email.errors.append(_refusal_message(refused.reason))
        else:
            deliver_soon([email_id])
            flash(
                _("Invitation sent to %(email)s.", email=(form.email.data or "").lower()),
                "success",
            )
            return redirect(url_for("team.members"))
    return _page(form, UNPROCESSABLE)


def _refused(refused: service.TeamChangeRefused) -> Response:
    """Say why the change was not made: back to the team, or home for who is no longer owner."""
    flash(_refusal_message(refused.reason), "error")
    if refused.reason == "not_owner":
        return redirect(url_for("dashboard.home"))
    return redirect(url_for("team.members"))


@bp.post("/<int:user_id>/billing-admin")
@roles_required(Role.OWNER)
def change_billing_admin(user_id: int) -> Response:
    """Name a user billing admin or take the role back; other accounts' users are 404."""
    form = BillingAdminForm()
    if not form.validate_on_submit():
        abort(400)
    grant = form.grant.data == "1"
    user = _apply_team_change(
        lambda account_id, owner, user_id: service.set_billing_admin(
            account_id, owner, user_id, grant
        ),
        user_id,
        checked=True,
    )
    if isinstance(user, Response):
        return user
    if user.role is Role.BILLING_ADMIN:
        flash(_("%(name)s is now a billing admin.", name=user.name), "success")
    else:
        flash(_("%(name)s is no longer a billing admin.", name=user.name), "success")
    return redirect(url_for("team.members"))


def _apply_team_change(
    change: Callable[[int, User, int], service.TeamChange | None],
    user_id: int,
    *,
    checked: bool = False,
) -> Response | User:
    """Run one owner-only change on a user of this account, then send its e-mails.

    Returns the changed user, or the answer to give instead: a redirect with the refusal, or
    a 404 for a user of another account. `checked`: the caller validated its own form.
    """
    if not checked and not TeamActionForm().validate_on_submit():
        abort(400)
    try:
        made = change(current_account_id(), current_user._get_current_object(), user_id)
    except service.TeamChangeRefused as refused:
        return _refused(refused)
    if made is None:
        abort(404)
    deliver_soon(made.email_ids)
    return made.user


def _team_user(user_id: int) -> User:
    """A current user of this account, for a confirmation; other accounts' users are 404."""
    user = service.team_user(current_account_id(), user_id)
    if user is None:
        abort(404)
    return user


def _company() -> str:
    """The signed-in owner's company, as the confirmations name it."""
    return current_user.account.name


@bp.get("/<int:user_id>/remove")
@roles_required(Role.OWNER)
def confirm_remove(user_id: int) -> Response | str:
    """Ask before removing a user or withdrawing an invitation: a page, or its htmx fragment."""
    user = _team_user(user_id)
    if user.role is Role.OWNER:
        return _refused(
            service.TeamChangeRefused("yourself" if user.id == current_user.id else "owner")
        )
    return render_page(
        "team/confirm_remove.html",
        "team/_confirm_remove.html",
        user=user,
        company=_company(),
        form=TeamActionForm(formdata=None),
    )


@bp.post("/<int:user_id>/remove")
@roles_required(Role.OWNER)
def remove(user_id: int) -> Response:
    """Remove a user from the team (their sessions end); other accounts' users are 404."""
    user = _apply_team_change(service.remove_user, user_id)
    if isinstance(user, Response):
        return user
    flash(_("%(name)s was removed from the team.", name=user.name), "success")
    return redirect(url_for("team.members"))


def _hand_over_page(
    user: User, form: HandOverForm, status: int = 200, headers: dict[str, str] | None = None
) -> tuple[str, int, dict[str, str]]:
    """The hand-over's confirmation with the password field: a page, or its htmx fragment."""
    page = render_page(
        "team/confirm_transfer.html",
        "team/_confirm_transfer.html",
        user=user,
        company=_company(),
        form=form,
    )
    return page, status, headers or {}


def _hand_over_refusal(user: User) -> service.TeamChangeRefused | None:
    """Why this user cannot be handed the account, seen before asking for the password."""
    if user.id == current_user.id:
        return service.TeamChangeRefused("yourself")
    if user.role is not Role.BILLING_ADMIN or user.invitation_pending:
        return service.TeamChangeRefused("not_billing_admin")
    return None


@bp.get("/<int:user_id>/ownership")
@roles_required(Role.OWNER)
def confirm_transfer(user_id: int) -> Response | tuple[str, int, dict[str, str]]:
    """Ask to confirm the hand-over, with the owner's password."""
    user = _team_user(user_id)
    refusal = _hand_over_refusal(user)
    if refusal is not None:
        return _refused(refusal)
    return _hand_over_page(user, HandOverForm(formdata=None))


@bp.post("/<int:user_id>/ownership")
@roles_required(Role.OWNER)
@checks_form_text
def transfer_ownership(user_id: int) -> Response | tuple[str, int, dict[str, str]]:
    """Hand the account over to a billing admin once the owner's password is right; the
    owner stays as billing admin. A wrong password changes nothing and counts like a failed
    sign-in, so this form cannot be used to guess it."""
    user = _team_user(user_id)
    form = HandOverForm()
    if not form.validate_on_submit():
        return _hand_over_page(user, form, UNPROCESSABLE)
    try:
        right = confirm_password(current_user._get_current_object(), form.password.data or "")
    except SignInLocked as locked:
        form.password.errors.append(wait_message(locked))
        retry = {"Retry-After": str(locked.minutes * 60)}
        return _hand_over_page(user, form, TOO_MANY_REQUESTS, retry)
    if not right:
        form.password.errors.append(_("The password is not right. Ownership was not handed over."))
        return _hand_over_page(user, form, UNPROCESSABLE)
    handed = _apply_team_change(service.transfer_ownership, user_id, checked=True)
    if isinstance(handed, Response):
        return handed
    flash(_("%(name)s is now the owner. You stay a billing admin.", name=handed.name), "success")
    return redirect(url_for("dashboard.home"))
