"""Forms of the quote pages: the staff's draft, the customer's rejection and acceptance."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.money import parse_major
from portal.domain.sales_quotes import MAX_AGENTS, MAX_TERM_MONTHS, Discount, DiscountKind
from portal.forms import PortalForm
from portal.labels import every_member, period_label, plan_label
from portal.models import SalesQuote
from portal.models.columns import max_length
from portal.quotes.workflow import MAX_NOTE, MAX_REASON, QuoteDraft
from portal.safe_gettext import lazy_gettext as _l

MAX_DISCOUNT_TEXT = 20


DISCOUNT_KIND_LABELS = every_member(
    DiscountKind,
    {
        DiscountKind.NONE: lambda: _("No discount"),
        DiscountKind.PERCENT: lambda: _("Percent"),
        DiscountKind.AMOUNT: lambda: _("Amount"),
    },
)


def plan_choices() -> list[SelectChoice]:
    """The plans, translated."""
    return [SelectChoice(plan.value, plan_label(plan)) for plan in Plan]


def period_choices() -> list[SelectChoice]:
    """The billing periods, translated."""
    return [SelectChoice(period.value, period_label(period)) for period in BillingPeriod]


def discount_choices() -> list[SelectChoice]:
    """How a discount is written."""
    return [SelectChoice(kind.value, label()) for kind, label in DISCOUNT_KIND_LABELS.items()]


class QuoteDraftForm(PortalForm):
    """What staff agree with a customer."""

    plan = SelectField(_l("Plan"))
    period = SelectField(_l("Billing period"))
    agents = IntegerField(
        _l("Agents"),
        validators=[
            InputRequired(message=_l("Enter a whole number of agents.")),
            NumberRange(1, MAX_AGENTS, message=_l("Enter between 1 and 99,999 agents.")),
        ],
    )
    packs = IntegerField(
        _l("Conversation packs"),
        default=0,
        validators=[
            InputRequired(message=_l("Enter a whole number of packs.")),
            NumberRange(0, 1000, message=_l("Enter a whole number of packs.")),
        ],
    )
    agent_discount_kind = SelectField(_l("Discount on agents"))
    agent_discount_value = StringField(
        _l("Agents discount value"), validators=[Length(max=MAX_DISCOUNT_TEXT)]
    )
    pack_discount_kind = SelectField(_l("Discount on packs"))
    pack_discount_value = StringField(
        _l("Packs discount value"), validators=[Length(max=MAX_DISCOUNT_TEXT)]
    )
    overall_discount_kind = SelectField(_l("Discount on the whole quote"))
    overall_discount_value = StringField(
        _l("Whole quote discount value"), validators=[Length(max=MAX_DISCOUNT_TEXT)]
    )
    term_months = IntegerField(
        _l("Contract term (months)"),
        default=12,
        validators=[
            InputRequired(message=_l("Enter the contract term in months.")),
            NumberRange(1, MAX_TERM_MONTHS, message=_l("The term is 1 to 60 months.")),
        ],
    )
    billing_starts_on = DateField(
        _l("Billing starts on"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    valid_until = DateField(
        _l("Valid until"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    note = TextAreaField(
        _l("Note to the customer"),
        validators=[
            Length(max=MAX_NOTE, message=_l("At most 2,000 characters.")),
        ],
    )

    def __init__(self, *args: object, currency: str = "EUR", **kwargs: object) -> None:
        """Choices in the viewer's language; amounts are read in the quote's currency."""
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.plan.choices = plan_choices()
        self.period.choices = period_choices()
        for field in (
            self.agent_discount_kind,
            self.pack_discount_kind,
            self.overall_discount_kind,
        ):
            field.choices = discount_choices()
        self.parsed: dict[str, Discount] = {}

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then each discount read as a percent or an amount."""
        valid = super().validate(extra_validators)
        for name in ("agent_discount", "pack_discount", "overall_discount"):
            kind_field = getattr(self, f"{name}_kind")
            value_field = getattr(self, f"{name}_value")
            try:
                self.parsed[name] = self._discount(kind_field.data, value_field.data or "")
            except ValueError as error:
                value_field.errors = [*value_field.errors, str(error)]
                valid = False
        if valid and self.valid_until.data < self.billing_starts_on.data:
            self.valid_until.errors = [_("The quote must be valid at least until billing starts.")]
            valid = False
        return valid

    def _discount(self, kind_text: str | None, value_text: str) -> Discount:
        """A discount from its kind and typed value; ValueError with a translated message."""
        kind = DiscountKind(kind_text or DiscountKind.NONE)
        text = value_text.strip().replace(",", ".")
        if kind is DiscountKind.NONE:
            return Discount()
        if kind is DiscountKind.PERCENT:
            try:
                percent = Decimal(text)
            except InvalidOperation:
                raise ValueError(_("Enter a percent between 0 and 100.")) from None
            if not percent.is_finite() or not 0 <= percent <= 100 or percent != round(percent, 2):
                raise ValueError(_("Enter a percent between 0 and 100."))
            return Discount(kind, percent=percent)
        try:
            minor = parse_major(text, self.currency)
        except ValueError:
            raise ValueError(
                _("Enter an amount in %(currency)s, like 150.00.", currency=self.currency)
            ) from None
        if minor > 10**12:
            raise ValueError(
                _("Enter an amount in %(currency)s, like 150.00.", currency=self.currency)
            )
        return Discount(kind, amount_minor=minor)

    def draft(self) -> QuoteDraft:
        """The validated values."""
        return QuoteDraft(
            plan=Plan(self.plan.data),
            period=BillingPeriod(self.period.data),
            agents=self.agents.data,
            packs=self.packs.data,
            agent_discount=self.parsed["agent_discount"],
            pack_discount=self.parsed["pack_discount"],
            overall_discount=self.parsed["overall_discount"],
            term_months=self.term_months.data,
            billing_starts_on=self.billing_starts_on.data,
            valid_until=self.valid_until.data,
            note=(self.note.data or "").strip(),
        )


class NewQuoteForm(QuoteDraftForm):
    """A draft for an account found by search: its name, company, e-mail or VAT ID typed,
    then one of the accounts found chosen (`account_id`, radio buttons the page lists)."""

    account = StringField(
        _l("Account"),
        description=_l("Type a name, company, e-mail or VAT ID, then choose the account."),
        validators=[Length(max=100)],
    )


class RejectForm(PortalForm):
    """Why the customer says no (optional)."""

    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[Length(max=MAX_REASON, message=_l("At most 500 characters."))],
    )


class AcceptForm(PortalForm):
    """The last step: the tick and the figures the customer saw."""

    method = HiddenField()
    fingerprint = HiddenField(validators=[DataRequired()])
    # One key per rendering of the page: a resent confirmation finds the first payment.
    # A portal.security.ConfirmationKey, as on every Pay form.
    confirmation_key = HiddenField()
    accept = BooleanField(
        _l("I accept this quote"),
        validators=[DataRequired(message=_l("Tick the box to accept the quote."))],
    )
    purchase_order = StringField(
        _l("Purchase order number"),
        description=_l("Printed on this quote's invoice, if your company uses one."),
        validators=[Optional(), Length(max=max_length(SalesQuote.purchase_order))],
    )
