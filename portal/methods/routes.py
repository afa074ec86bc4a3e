"""The payment methods page: list, add a card, link PayPal, choose the default, remove."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import clock
from portal.i18n import is_safe_redirect
from portal.methods.forms import CardForm, MethodActionForm, PayPalForm
from portal.methods.text import method_kind_label
from portal.models import BILLING_ROLES
from portal.payments import saved_methods as service
from portal.payments.cards import CardError, parse_card
from portal.payments.gateway import CardEntry, GatewayError, customer_reference, gateway
from portal.payments.messages import already_saved_message, card_error_message
from portal.payments.sandbox_routes import sandbox_card_help
from portal.security import checks_form_text, current_account_id, roles_required
from portal.web import UNPROCESSABLE, render_page, whole_page_redirect

bp = Blueprint("methods", __name__, url_prefix="/billing/payment-methods")


UNAVAILABLE = 503


def _next_url() -> str | None:
    """Where to go after a change (the wizard's payment step); same-site paths only."""
    target = request.values.get("next")
    return target if is_safe_redirect(target) else None


def _gateway_unavailable() -> str:
    """Nothing was saved because the gateway did not answer."""
    return _("The payment service cannot be reached right now. Nothing was saved: try again soon.")


def _render(
    card_form: CardForm, paypal_form: PayPalForm, status: int = 200
) -> tuple[str, int, dict[str, str]]:
    """The page with the account's methods and the add forms the gateway offers."""
    account_id = current_account_id()
    offers = gateway().capabilities
    card_setup = None
    if offers.card_entry is CardEntry.HOSTED_FIELDS:
        try:
            card_setup = gateway().start_card_setup(customer_reference(account_id))
        except GatewayError:
            card_form.form_errors.append(_gateway_unavailable())
    page = render_template(
        "methods/index.html",
        methods=service.list_methods(account_id),
        describe=service.describe,
        kind_label=method_kind_label,
        card_form=card_form,
        paypal_form=paypal_form,
        action_form=MethodActionForm(formdata=None),
        next_url=_next_url(),
        today=clock.today(),
        test_cards=sandbox_card_help() if offers.test_cards else None,
        card_setup=card_setup,
        paypal_offered=offers.paypal,
    )
    if card_setup is None:
        return page, status, {}
    # The gateway's script and the API it calls are allowed on this page only.
    return page, status, {"Content-Security-Policy": card_setup.content_security_policy}


def _back() -> Response:
    """After a change: the wizard's step if it sent us here, else this page."""
    return redirect(_next_url() or url_for("methods.index"))


@bp.get("/")
@roles_required(*BILLING_ROLES)
def index() -> tuple[str, int, dict[str, str]]:
    """The saved methods, the default marked, and the forms to add more."""
    return _render(CardForm(formdata=None), PayPalForm(formdata=None))


@bp.post("/cards")
@roles_required(*BILLING_ROLES)
@checks_form_text
def add_card() -> Response | tuple[str, int, dict[str, str]]:
    """Validate, tokenize and save a card; on error the number and CVC must be typed again."""
    form = CardForm()
    status = UNPROCESSABLE
    if form.validate_on_submit():
        try:
            card = parse_card(
                number=form.number.data or "",
                expiry=form.expiry.data or "",
                cvc=form.cvc.data or "",
                holder=form.holder.data or "",
                today=clock.today(),
            )
            method = service.add_card(
                current_account_id(), current_user.id, card, make_default=form.make_default.data
            )
        except CardError as error:
            for problem in error.problems:  # every field's problem at once
                form[problem.field].errors.append(card_error_message(problem))
        except service.DuplicateMethod as duplicate:
            form.form_errors.append(already_saved_message(duplicate.existing))
        except GatewayError:
            form.form_errors.append(_gateway_unavailable())
            status = UNAVAILABLE
        else:
            flash(_("%(method)s was added.", method=service.describe(method)), "success")
            return _back()
    # Only the customer's own typing is kept; the number and CVC render empty regardless.
    form.number.data = form.cvc.data = ""
    return _render(form, PayPalForm(formdata=None), status)


@bp.post("/paypal")
@roles_required(*BILLING_ROLES)
@checks_form_text
def add_paypal() -> Response | tuple[str, int, dict[str, str]]:
    """Link a PayPal account by e-mail."""
    form = PayPalForm()
    status = UNPROCESSABLE
    if form.validate_on_submit():
        try:
            method = service.add_paypal(
                current_account_id(),
                current_user.id,
                form.email.data or "",
                make_default=form.make_default.data,
            )
        except service.DuplicateMethod as duplicate:
            form.email.errors.append(already_saved_message(duplicate.existing))
        except GatewayError:
            form.form_errors.append(_gateway_unavailable())
            status = UNAVAILABLE
        else:
            flash(_("%(method)s was added.", method=service.describe(method)), "success")
            return _back()
    return _render(CardForm(formdata=None), form, status)


@bp.post("/<int:method_id>/default")
@roles_required(*BILLING_ROLES)
def set_default(method_id: int) -> Response:
    """Make a method the default; another account's id is 404."""
    if not MethodActionForm().validate_on_submit():
        abort(400)
    method = service.set_default(current_account_id(), current_user.id, method_id)
    if method is None:
        abort(404)
    flash(
        _("%(method)s is now the default payment method.", method=service.describe(method)),
        "success",
    )
    # The confirmation page's offer comes back to the confirmation.
    back = request.form.get("back")
    if is_safe_redirect(back):
        return redirect(back)
    return redirect(url_for("methods.index", next=_next_url()))


@bp.post("/<int:method_id>/remove")
@roles_required(*BILLING_ROLES)
def remove(method_id: int) -> Response | str:
    """Remove a method, unless it is the last one of an auto-renewing subscription; it goes
    only once the customer has confirmed (for the default, which method takes its place)."""
    if not MethodActionForm().validate_on_submit():
        abort(400)
    try:
        label = service.remove(
            current_account_id(),
            current_user.id,
            method_id,
            confirmed=request.form.get("confirm_successor"),
        )
    except service.RemovalNeedsConfirmation as needed:
        return render_page(
            "methods/confirm_remove.html",
            "methods/_remove_confirm.html",
            method_id=method_id,
            method=needed.method,
            successor=needed.successor,
            token=needed.token,
            is_default=needed.is_default,
            next_url=_next_url(),
        )
    except service.MethodInUse:
        flash(_("A payment with this method is in progress. Try again in a few minutes."), "error")
        return _after_removal()
    except service.RemovalRefused:
        flash(
            _(
                "This is the only payment method and the subscription renews automatically, "
                "so it was kept. Add another method first, or turn auto-renewal off."
            ),
            "error",
        )
        return _after_removal()
    if label is None:
        abort(404)
    flash(_("%(method)s was removed.", method=label), "success")
    return _after_removal()


def _after_removal() -> Response:
    """Back to the list; an htmx request (the default's Remove) reloads the whole page."""
    return whole_page_redirect(url_for("methods.index", next=_next_url()))
