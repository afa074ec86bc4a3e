"""Stripe's pages in the portal: saving a card, the 3-D Secure step, and the webhook."""

from __future__ import annotations

import json
import logging
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.extensions import csrf
from portal.forms import FILE_IN_TEXT_ERROR, unsafe_text_error
from portal.i18n import is_safe_redirect
from portal.models import BILLING_ROLES
from portal.payments import saved_methods as payment_methods
from portal.payments import stripe_events
from portal.payments.cards import CardError
from portal.payments.gateway import GatewayError, customer_reference, gateway
from portal.payments.messages import already_saved_message, card_error_message
from portal.payments.stripe_gateway import StripeGateway, content_security_policy
from portal.security import checks_form_text, current_account_id, roles_required

log = logging.getLogger(__name__)

bp = Blueprint("stripe", __name__)

# A SetupIntent's id as Stripe writes it.
SETUP_INTENT = re.compile(r"seti_[A-Za-z0-9_]{1,95}")


def _stripe() -> StripeGateway:
    """The configured Stripe gateway."""
    found = gateway()
    assert isinstance(found, StripeGateway)
    return found


@bp.post("/billing/payment-methods/stripe-card")
@roles_required(*BILLING_ROLES)
@checks_form_text
def save_card() -> Response:
    """Keep the card Stripe.js saved: brand, last four, expiry and its id, nothing else."""
    setup_intent = request.form.get("setup_intent", "")
    holder = request.form.get("holder", "")
    target = request.args.get("next")
    back = target if is_safe_redirect(target) else url_for("methods.index")
    # The form is Stripe.js's: its card fields live in Stripe's frame and are typed again on
    # the page, so the refusal of its one text field (the name) is said above the form.
    refused = FILE_IN_TEXT_ERROR if request.files else unsafe_text_error(holder)
    if refused is not None:
        flash(str(refused), "error")
        return redirect(back)
    if not SETUP_INTENT.fullmatch(setup_intent):
        flash(_("The card could not be saved. Check the details and try again."), "error")
        return redirect(back)
    try:
        payment_methods.add_saved_card(
            current_account_id(),
            current_user.id,
            setup_intent,
            holder=holder[:120].strip(),
            make_default=request.form.get("make_default") == "y",
        )
    except CardError as error:
        flash(card_error_message(error), "error")
        return redirect(url_for("methods.index"))
    except payment_methods.DuplicateMethod as duplicate:
        flash(already_saved_message(duplicate.existing), "error")
        return redirect(url_for("methods.index"))
    except GatewayError:
        log.exception("Stripe could not be reached saving a card")
        unavailable = _(
            "The payment service cannot be reached right now. Nothing was saved: try again soon."
        )
        flash(unavailable, "error")
        return redirect(url_for("methods.index"))
    flash(_("Card saved."), "success")
    return redirect(back)


@bp.get("/payments/stripe/<reference>/authenticate")
@login_required
def authenticate(reference: str) -> Response | str:
    """The bank's 3-D Secure step, run by Stripe.js; then back to the portal's return page."""
    import stripe  # imported on use: ~30 MiB per process

    back = request.args.get("back", "")
    if not is_safe_redirect(back) or not reference.startswith("pi_") or len(reference) > 100:
        abort(404)
    account_id = getattr(current_user, "account_id", None)
    try:
        secret = _stripe().client_secret(reference, customer_reference(account_id))
    except (GatewayError, stripe.InvalidRequestError):
        abort(404)
    if secret is None:
        abort(404)
    page = render_template(
        "stripe/authenticate.html",
        publishable_key=_stripe().settings.publishable_key,
        js_url=_stripe().settings.js_url,
        client_secret=secret,
        back=back,
    )
    response = current_app.make_response(page)
    response.headers["Content-Security-Policy"] = content_security_policy(_stripe().settings)
    return response


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def webhook() -> tuple[str, int]:
    """Stripe's events: signature checked, each handled once, fed to the same settlement."""
    import stripe  # imported on use: ~30 MiB per process

    payload = request.get_data()
    try:
        stripe.WebhookSignature.verify_header(
            payload,
            request.headers.get("Stripe-Signature", ""),
            _stripe().settings.webhook_secret,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
    except (ValueError, stripe.SignatureVerificationError):
        return "invalid signature", 400
    # Stripe retries an event answered with a 5xx for days: a signed event the portal cannot
    # read is a 400, one about an intent Stripe itself does not know a 200, both logged.
    try:
        event = json.loads(payload)
    except ValueError:
        log.warning("signed Stripe event that is not JSON ignored: %.200r", payload)
        return "malformed event", 400
    try:
        stripe_events.handle(event)
    except stripe_events.MalformedEvent as error:
        log.warning("malformed Stripe event ignored (%s): %.200r", error, payload)
        return "malformed event", 400
    except stripe.InvalidRequestError as error:
        log.warning("Stripe event about an intent Stripe does not know ignored: %s", error)
        return "", 200
    except GatewayError:
        return "try again later", 503
    return "", 200
