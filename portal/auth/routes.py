"""Sign-in with limits on failed attempts, sign-out, and passwords (change, reset)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from portal.account_links import LinkRefused
from portal.accounts import authenticate, save_locale
from portal.auth import passwords
from portal.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    NewPasswordForm,
    PasswordChangeForm,
    SignInForm,
)
from portal.extensions import db
from portal.i18n import is_safe_redirect
from portal.mail.outbox import deliver_soon
from portal.models import User
from portal.models.columns import max_length
from portal.security import checks_form_text
from portal.sign_in_limits import (
    SignInLocked,
    begin_attempt,
    client_address,
    forget_attempt,
    wait_message,
)
from portal.team import changes as team
from portal.web import form_status

bp = Blueprint("auth", __name__)

CONFLICT = 409
TOO_MANY_REQUESTS = 429


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign in on a fresh session: nothing from before (a planted CSRF token) carries over."""
    chosen_locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)
    login_user(user, remember=remember)
    if chosen_locale:
        session["locale"] = chosen_locale
        if not user.locale:
            # A language picked before signing in becomes the saved preference.
            save_locale(user, chosen_locale)


@bp.route("/login", methods=["GET", "POST"])
@checks_form_text
def login() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Show the form; on success go to the page asked for, or the home page."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            attempt_id = begin_attempt(client_address(), email)
        except SignInLocked as locked:
            form.password.errors.append(wait_message(locked))
            page = render_template("auth/login.html", form=form)
            return page, TOO_MANY_REQUESTS, {"Retry-After": str(locked.minutes * 60)}
        user = authenticate(email, form.password.data or "")
        if user is not None:
            forget_attempt(attempt_id)
            start_session(user, remember=bool(form.remember.data))
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for("dashboard.home"))
        form.password.errors.append(_("Wrong e-mail or password."))
    return render_template("auth/login.html", form=form)


def _end_session() -> None:
    """Forget the session and the remember cookie; keep only the chosen language."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    # Flask-Login deletes the remember cookie on this response when it reads this.
    session["_remember"] = "clear"
    if locale:
        session["locale"] = locale


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out for good: this session's cookies, copied or not, stop working."""
    current_user.end_sessions()
    db.session.commit()
    _end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@checks_form_text
def change_password() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Change the password; the user's other sessions end, this one goes on."""
    form = PasswordChangeForm()
    form.user_email = current_user.email
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # Guesses at the current password count like failed sign-ins: a borrowed session
        # must not become a way to find the password.
        try:
            attempt_id = begin_attempt(client_address(), user.email)
        except SignInLocked as locked:
            form.current_password.errors.append(wait_message(locked))
            page = render_template("auth/password.html", form=form)
            return page, TOO_MANY_REQUESTS, {"Retry-After": str(locked.minutes * 60)}
        notice_id = passwords.change_password(
            user, form.current_password.data or "", form.new_password.data or ""
        )
        if notice_id is not None:
            forget_attempt(attempt_id)
            deliver_soon([notice_id])
            start_session(user)
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(url_for("dashboard.home"))
        form.current_password.errors.append(_("The current password is not right."))
    status = form_status(form)
    return render_template("auth/password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@checks_form_text
def forgot_password() -> Response | str | tuple[str, int]:
    """Ask for a reset link; the answer never tells whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        deliver_soon([passwords.request_reset(form.email.data or "")])
        flash(
            _(
                "If an account uses %(email)s, we have sent it a link to choose a new "
                "password. Check your inbox.",
                email=(form.email.data or "")[: max_length(User.email)],
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = form_status(form)
    return render_template("auth/forgot.html", form=form), status


def _refused_link(error: LinkRefused) -> tuple[str, int]:
    """An expired, used or forged link: say so and offer a new one."""
    if error.reason == "expired":
        message = _("This link has expired. Ask for a new one.")
    else:
        message = _("This link is not valid any more: it was used already or replaced.")
    return render_template("auth/link_refused.html", message=message), 410


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@checks_form_text
def reset_password(token: str) -> Response | str | tuple[str, int]:
    """Choose a new password from the e-mailed link (once, before it expires)."""
    try:
        user = passwords.reset_user(token)
    except LinkRefused as error:
        return _refused_link(error)
    form = NewPasswordForm()
    form.user_email = user.email
    if form.validate_on_submit():
        try:
            notice_id = passwords.reset_password(token, form.new_password.data or "")
        except LinkRefused as error:
            return _refused_link(error)
        deliver_soon([notice_id])
        if current_user.is_authenticated:
            _end_session()
        flash(_("Your password was changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    status = form_status(form)
    return render_template("auth/reset.html", form=form, token=token), status


def _address_in_use(invited: User) -> tuple[str, int]:
    """The invited address signs in as a user already (a user belongs to one company).

    Only the person the link was e-mailed to reads this: the inviting owner is never told.
    """
    assert invited.account is not None
    page = render_template(
        "auth/invitation_address_in_use.html",
        email=invited.email,
        company=invited.account.name,
    )
    return page, CONFLICT


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@checks_form_text
def accept_invitation(token: str) -> Response | str | tuple[str, int]:
    """Join a team from the e-mailed link: choose a name and a password, then go in."""
    try:
        user = team.invited_user(token)
    except LinkRefused as error:
        return _refused_link(error)
    if team.address_signs_in_elsewhere(user):
        return _address_in_use(user)
    form = AcceptInvitationForm(data={"name": user.name} if request.method == "GET" else None)
    form.user_email = user.email
    if form.validate_on_submit():
        try:
            joined = team.accept_invitation(
                token, form.name.data or "", form.new_password.data or ""
            )
        except LinkRefused as error:
            return _refused_link(error)
        except team.AddressInUse:
            return _address_in_use(user)
        start_session(joined)
        assert joined.account is not None  # an invitation is to an account's team
        company = joined.account.name
        if company.endswith("."):
            # "S.r.l." already ends the sentence: no second full stop.
            flash(_("Welcome to the team of %(company)s", company=company), "success")
        else:
            flash(_("Welcome to the team of %(company)s.", company=company), "success")
        return redirect(url_for("dashboard.home"))
    status = form_status(form)
    page = render_template("auth/invitation.html", form=form, token=token, invited=user)
    return page, status
