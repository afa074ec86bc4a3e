"""Sign-in with a limit on failed attempts, and sign-out."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from portal.auth import bp
from portal.auth.forms import SignInForm
from portal.extensions import limiter
from portal.i18n import is_safe_redirect
from portal.services.accounts import authenticate, save_locale


def _attempt_key() -> str:
    """Failed sign-ins are counted per address and e-mail, so one attacker locks no one else."""
    email = request.form.get("email", "").strip().lower()
    return f"sign-in:{get_remote_address()}:{email}"


def _login_limit() -> str:
    """The configured limit, e.g. "5 per 15 minutes"."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response: Response) -> bool:
    """Only a refused sign-in counts against the limit."""
    return response.status_code == 200 and request.method == "POST"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_attempt_key, methods=["POST"], deduct_when=_failed)
def login() -> Response | str:
    """Show the form; on success go to the page asked for, or the home page."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            chosen_locale = session.get("locale")
            login_user(user, remember=form.remember.data)
            if chosen_locale and not user.locale:
                # A language picked before signing in becomes the saved preference.
                save_locale(user, chosen_locale)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for("dashboard.home"))
        form.password.errors.append(_("Wrong e-mail or password."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out and forget the session."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
