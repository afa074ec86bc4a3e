"""A customer's choice of package, read from a wizard step, the seat page or the Pay form, with
field errors; and its price, or the message that stands in for it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from flask import abort
from flask_babel import format_number
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.account_pricing import (
    ChangeRequest,
    current_configuration,
    price_for,
    suggested_currency,
)
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.money import CURRENCIES
from portal.domain.pricing import (
    ChangeNotAllowed,
    Configuration,
    ConfigurationError,
    PriceBreakdown,
    validate_configuration,
)
from portal.forms import REPLACEMENT, UNSAFE_TEXT_ERROR, marked
from portal.models import Account
from portal.numbers import whole_number
from portal.reference_data import reference

MAX_DIGITS = 6  # nobody types a million agents; longer input is refused as not a number


@dataclass
class Selection:
    """Plan, period, currency and quantities as the customer chose them (raw text kept)."""

    plan: Plan
    period: BillingPeriod
    currency: str
    agents_text: str
    packs_text: str
    errors: dict[str, str] = field(default_factory=dict)
    # More agents than self-serve allows: not an error, the way to a quote (see quote_message).
    quote_required: bool = False

    @property
    def agents(self) -> int | None:
        """The number of agents, if it parses."""
        return _to_int(self.agents_text)

    @property
    def packs(self) -> int | None:
        """The number of packs, if it parses."""
        return _to_int(self.packs_text)

    @property
    def valid(self) -> bool:
        """No field has an error and the quantities can be bought here (not through a quote)."""
        return not self.errors and not self.quote_required

    @property
    def quote_message(self) -> str:
        """What the agents field says when the number asked for takes a quote."""
        return _(
            "For more than %(max)d agents we prepare an offer for you.",
            max=reference().prices.max_self_serve_agents,
        )

    def fields_shown(self, refusal_code: str | None) -> str:
        """What step 2's fields region shows besides the typed numbers and Back's link (sent
        on its own with each summary), as a short key.

        Without an error, a quote link or a refusal, the region only depends on the plan (the
        packs hint); the page keeps this key in #fields-shown and the summary request sends it
        back, so the region is swapped again only when the key changes. Any error, quote or
        refusal gives "" (never sent as current), so those answers always carry the fields.
        """
        if self.errors or self.quote_required or refusal_code:
            return ""
        return self.plan.value

    def request(self) -> ChangeRequest:
        """What to price (only when valid)."""
        assert self.agents is not None and self.packs is not None
        return ChangeRequest(
            Configuration(self.plan, self.period, self.agents, self.packs), self.currency
        )

    def query(self, **overrides: Any) -> dict[str, Any]:
        """The choices as query arguments, so every step and the back button keep them."""
        values = {
            "plan": self.plan.value,
            "period": self.period.value,
            "currency": self.currency,
            "agents": self.agents_text,
            "packs": self.packs_text,
        }
        values.update(overrides)
        return values


def _to_int(text: str) -> int | None:
    """A whole number typed by a person, or None."""
    text = text.strip()
    if len(text) > MAX_DIGITS:
        return None
    return whole_number(text)


def _enum_or_400(enum: type, value: str | None, default: Any) -> Any:
    """Choices the page offers; anything else was not sent by our forms."""
    if value in (None, ""):
        return default
    try:
        return enum(value)
    except ValueError:
        abort(400)


def read_selection(args: MultiDict[str, str], account: Account) -> Selection:
    """Parse and check the choices against the account and the price list."""
    current = current_configuration(account)
    plan = _enum_or_400(Plan, args.get("plan"), current.plan if current else Plan.STANDARD)
    period = _enum_or_400(
        BillingPeriod, args.get("period"), current.period if current else BillingPeriod.MONTHLY
    )
    currency = args.get("currency") or suggested_currency(account)
    if currency not in CURRENCIES:
        abort(400)
    if account.currency and currency != account.currency:
        # The currency is chosen at the first purchase and fixed afterwards.
        abort(400)
    same_plan = current is not None and current.plan == plan
    # A number not given at all starts from the package's; one given empty (a cleared field,
    # or letters, which a number field sends as "") is an error, never a default price.
    agents_text = args.get("agents", str(current.agents if current else 1))
    packs_text = args.get("packs", str(current.packs if same_plan and current else 0))
    # Control or text-direction characters typed in a quantity are shown as U+FFFD, with
    # their own error (see _check_quantities), never echoed.
    selection = Selection(
        plan, period, currency, marked(agents_text.strip()), marked(packs_text.strip())
    )
    _check_quantities(selection)
    return selection


def _check_quantities(selection: Selection) -> None:
    """Fill in translated field errors for quantities outside the self-serve limits."""
    prices = reference().prices
    if selection.agents is None:
        selection.errors["agents"] = _("Enter a whole number of agents.")
    if selection.packs is None:
        selection.errors["packs"] = _("Enter a whole number of packs.")
    for name, text in (("agents", selection.agents_text), ("packs", selection.packs_text)):
        if REPLACEMENT in text:
            selection.errors[name] = str(UNSAFE_TEXT_ERROR)
    if selection.errors:
        return
    configuration = selection.request().configuration
    try:
        validate_configuration(configuration, prices)
    except ConfigurationError as error:
        if error.code != "quote_required":
            selection.errors[error.field] = configuration_message(error, selection.plan)
            return
        selection.quote_required = True
        # The packs are still checked: a quote is asked for packs the plan allows.
        try:
            validate_configuration(
                replace(configuration, agents=prices.max_self_serve_agents), prices
            )
        except ConfigurationError as packs_error:
            selection.errors[packs_error.field] = configuration_message(packs_error, selection.plan)


def configuration_message(error: ConfigurationError, plan: Plan) -> str:
    """A customer-facing message for a configuration the price list refuses."""
    prices = reference().prices
    if error.field == "agents":
        return _("Choose at least %(min)d agent.", min=prices.min_agents)
    rules = prices.rules(plan)
    return _(
        "Choose between 0 and %(max)d extra packs (up to %(conversations)s conversations).",
        max=rules.max_packs,
        conversations=format_number(rules.max_conversations),
    )


class Priced(NamedTuple):
    """A selection's breakdown, or the message that stands in for it and, for a change the
    domain refuses, the refusal's code (the steps then offer no way to continue)."""

    breakdown: PriceBreakdown | None
    message: str | None
    refusal_code: str | None = None


def priced(selection: Selection, account: Account) -> Priced:
    """The breakdown for a valid selection, or the message that stands in for it."""
    if selection.errors:
        return Priced(None, _("Correct the highlighted fields to see the price."))
    if selection.quote_required:
        return Priced(
            None,
            _(
                "More than %(max)d agents are priced in a quote: request one and our team "
                "will send you an offer.",
                max=reference().prices.max_self_serve_agents,
            ),
        )
    try:
        return Priced(price_for(account, selection.request(), clock.today()), None)
    except ChangeNotAllowed as refusal:
        return Priced(None, change_refusal_message(refusal), refusal.code)
    except ConfigurationError:
        return Priced(None, _("Correct the highlighted fields to see the price."))


def change_refusal_message(refusal: ChangeNotAllowed) -> str:
    """Why a change cannot be made here."""
    if refusal.code == "annual_to_monthly":
        return _(
            "Switching from annual to monthly billing is not available here. "
            "Please contact our support team and we will arrange it."
        )
    if refusal.code == "past_due":
        return _(
            "The renewal of your package is not paid yet. Pay the open invoice from Invoices, "
            "then you can change your package."
        )
    if refusal.code == "outside_period":
        return _("Your current period has ended and is being renewed. Please try again shortly.")
    return _("The currency of this account cannot be changed.")
