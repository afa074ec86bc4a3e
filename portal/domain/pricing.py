"""What a change costs: the one breakdown behind the wizard, the charge, the invoice and the PDF."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from portal.domain.catalog import BillingPeriod, Plan, PriceList
from portal.domain.money import round_half_up
from portal.domain.periods import Period, add_months, period_at, period_containing
from portal.domain.tax import TaxTreatment


@dataclass(frozen=True)
class Configuration:
    """What a subscription is made of."""

    plan: Plan
    period: BillingPeriod
    agents: int
    packs: int


class ConfigurationError(ValueError):
    """A configuration the customer cannot buy; `field` and `code` drive the form error."""

    def __init__(self, field: str, code: str, message: str, limit: int | None = None) -> None:
        """Keep the field, the machine-readable code and the limit that was crossed."""
        super().__init__(message)
        self.field = field
        self.code = code
        self.limit = limit


def _is_count(value: object) -> bool:
    """Whether the value is a real int (bool is an int subclass but no quantity)."""
    return isinstance(value, int) and not isinstance(value, bool)


def validate_configuration(
    config: Configuration, prices: PriceList, *, self_serve: bool = True
) -> None:
    """Raise ConfigurationError unless the configuration can be bought (self-serve by default).

    Staff quotes pass self_serve=False: any number of agents, the other rules unchanged.
    """
    try:
        plan = Plan(config.plan)
    except ValueError:
        raise ConfigurationError("plan", "unknown", f"unknown plan {config.plan!r}") from None
    try:
        BillingPeriod(config.period)
    except ValueError:
        raise ConfigurationError(
            "period", "unknown", f"unknown billing period {config.period!r}"
        ) from None
    if not _is_count(config.agents):
        raise ConfigurationError("agents", "invalid", "the number of agents must be a whole number")
    if config.agents < prices.min_agents:
        raise ConfigurationError(
            "agents", "too_few", f"at least {prices.min_agents} agent is needed", prices.min_agents
        )
    if self_serve and config.agents > prices.max_self_serve_agents:
        raise ConfigurationError(
            "agents",
            "quote_required",
            f"more than {prices.max_self_serve_agents} agents: request a quote",
            prices.max_self_serve_agents,
        )
    if not _is_count(config.packs):
        raise ConfigurationError("packs", "invalid", "the number of packs must be a whole number")
    if config.packs < 0:
        raise ConfigurationError("packs", "too_few", "the number of packs cannot be negative", 0)
    max_packs = prices.rules(plan).max_packs
    if config.packs > max_packs:
        raise ConfigurationError(
            "packs", "too_many", f"the {plan} plan allows at most {max_packs} packs", max_packs
        )


@dataclass(frozen=True)
class ChargedLayer:
    """Units of one component (agents or packs) that one invoice of the period charged:
    those numbered from `low` + 1 to `high`. The units an increase added sit on top of the
    ones charged before them."""

    document: str  # the number of the invoice that charged them
    low: int
    high: int


@dataclass(frozen=True)
class PeriodCharges:
    """What the current period's invoices charged and may still be credited, so a decrease
    reverses the charges of the units it removes, newest first, and names their invoices."""

    agents: tuple[ChargedLayer, ...] = ()
    packs: tuple[ChargedLayer, ...] = ()
    # Per invoice number: the net it charged that no credit note has taken back yet.
    creditable_minor: tuple[tuple[str, int], ...] = ()
    # Per invoice number: the VAT rate it charged (its credit note charges back the same).
    rates: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class CurrentSubscription:
    """The running subscription with the unit prices actually charged for its period."""

    configuration: Configuration
    period: Period
    anchor: date
    currency: str
    # Locked until renewal: credits reverse what was charged, not today's list price.
    agent_unit_minor: int
    pack_unit_minor: int
    # Read only where a decrease is priced; without it a credit names no invoice.
    charges: PeriodCharges = PeriodCharges()


class LineKind(StrEnum):
    """What a breakdown line stands for."""

    AGENTS = "agents"  # agents for a full period
    PACKS = "packs"  # conversation packs for a full period
    AGENTS_PRORATED = "agents_prorated"  # new quantity for the remaining days
    PACKS_PRORATED = "packs_prorated"
    UNUSED_AGENTS = "unused_agents"  # discount for unused subscription (old quantity)
    UNUSED_PACKS = "unused_packs"
    REMOVED_AGENTS = "removed_agents"  # credit for the unused value of removed agents
    REMOVED_PACKS = "removed_packs"


@dataclass(frozen=True)
class BreakdownLine:
    """One line of a summary, invoice or credit note; negative for discounts and credits."""

    kind: LineKind
    plan: Plan
    period: BillingPeriod
    quantity: int
    unit_minor: int
    days: int | None  # remaining days for a prorated line, None for a full period
    of_days: int | None  # length of the period the days belong to
    start: date
    end: date
    amount_minor: int
    # A credit line: the number of the invoice whose charge it reverses.
    corrects: str | None = None


@dataclass(frozen=True)
class VatLine:
    """VAT for the net lines at one rate (per corrected invoice, for a decrease's credits)."""

    rate: Decimal
    base_minor: int
    vat_minor: int
    corrects: str | None = None


class ChangeKind(StrEnum):
    """What kind of change a breakdown prices, and so what a document records.

    The last three are never a breakdown's: a credit note that takes back a whole invoice
    records why (a full refund, the cancellation of an unpaid invoice, or a reissue).
    """

    FIRST_PURCHASE = "first_purchase"
    QUANTITY_CHANGE = "quantity_change"
    PLAN_CHANGE = "plan_change"
    PERIOD_CHANGE = "period_change"
    RENEWAL = "renewal"
    NO_CHANGE = "no_change"
    SALES_QUOTE = "sales_quote"  # a negotiated package accepted from a staff quote
    REFUND = "refund"  # a credit note giving a paid invoice back (the full refund)
    CANCELLATION = "cancellation"  # a credit note cancelling an unpaid invoice
    REISSUE = "reissue"  # a credit note cancelling an invoice reissued with new details


class ChangeNotAllowed(Exception):
    """A change the portal does not do self-serve; `code` says which."""

    def __init__(self, code: str, message: str) -> None:
        """Keep the machine-readable code for the page's message."""
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PriceBreakdown:
    """Everything a summary, a charge, an invoice and its PDF show, computed once."""

    kind: ChangeKind
    currency: str
    configuration: Configuration
    period: Period
    anchor: date
    tax: TaxTreatment
    lines: tuple[BreakdownLine, ...]
    net_minor: int
    vat_lines: tuple[VatLine, ...]
    vat_minor: int
    total_minor: int
    credit_available_minor: int
    credit_used_minor: int
    amount_due_minor: int
    credit_added_minor: int
    # Unit prices of the resulting period: what the subscription locks until its renewal.
    agent_unit_minor: int
    pack_unit_minor: int
    as_of: date

    @property
    def is_credit_note(self) -> bool:
        """Whether the document is a credit note (negative total)."""
        return self.total_minor < 0

    @property
    def discount_minor(self) -> int:
        """Sum of the discount and credit lines, as a negative number (0 if none)."""
        return sum(line.amount_minor for line in self.lines if line.amount_minor < 0)

    @property
    def credit_remaining_minor(self) -> int:
        """Account credit left after this breakdown is paid."""
        return self.credit_available_minor - self.credit_used_minor + self.credit_added_minor


def prorate(quantity: int, unit_minor: int, days: int, of_days: int) -> int:
    """quantity x unit x days / of_days in Decimal, rounded half up to minor units."""
    return round_half_up(Decimal(quantity) * Decimal(unit_minor) * Decimal(days) / Decimal(of_days))


def compute_vat(net_minor: int, rate: Decimal) -> int:
    """VAT on a net amount in minor units, rounded half up and symmetric for credits."""
    return round_half_up(Decimal(net_minor) * rate / Decimal(100))


def price_change(
    *,
    current: CurrentSubscription | None,
    target: Configuration,
    today: date,
    currency: str,
    prices: PriceList,
    tax: TaxTreatment,
    credit_available_minor: int = 0,
) -> PriceBreakdown:
    """Price moving from the current subscription (or none) to the target configuration."""
    validate_configuration(target, prices)
    if currency not in prices.currencies:
        raise ConfigurationError("currency", "unknown", f"unknown currency {currency!r}")
    _check_credit(credit_available_minor)
    target = _normalized(target)

    if current is None:
        return _full_period_breakdown(
            kind=ChangeKind.FIRST_PURCHASE,
            target=target,
            start=today,
            currency=currency,
            prices=prices,
            tax=tax,
            credit_available_minor=credit_available_minor,
            discount_lines=(),
            as_of=today,
        )

    if currency != current.currency:
        raise ChangeNotAllowed(
            "currency_mismatch",
            f"the account pays in {current.currency}; it cannot change to {currency}",
        )
    if not current.period.contains(today):
        raise ChangeNotAllowed(
            "outside_period",
            f"{today} is outside the current period {current.period.start} .. {current.period.end}",
        )
    before = _normalized(current.configuration)
    if before.period is BillingPeriod.ANNUAL and target.period is BillingPeriod.MONTHLY:
        raise ChangeNotAllowed(
            "annual_to_monthly", "annual to monthly is not self-serve: contact support"
        )

    if target == before:
        return _no_change_breakdown(current, before, tax, credit_available_minor, today)
    if target.plan == before.plan and target.period == before.period:
        return _quantity_change_breakdown(
            current, before, target, today, tax, credit_available_minor
        )

    kind = ChangeKind.PLAN_CHANGE if target.plan != before.plan else ChangeKind.PERIOD_CHANGE
    return _full_period_breakdown(
        kind=kind,
        target=target,
        start=today,
        currency=currency,
        prices=prices,
        tax=tax,
        credit_available_minor=credit_available_minor,
        discount_lines=_unused_lines(current, before, today),
        as_of=today,
    )


def price_renewal(
    *,
    current: CurrentSubscription,
    prices: PriceList,
    tax: TaxTreatment,
    credit_available_minor: int = 0,
    contract_ends_on: date | None = None,
) -> PriceBreakdown:
    """Price the next period of the same configuration.

    At the current list price, unless the next period starts before the end of a contract
    agreed through a sales quote: then the negotiated unit prices the subscription holds.
    """
    _check_credit(credit_available_minor)
    configuration = _normalized(current.configuration)
    index, _ = period_containing(current.anchor, configuration.period, current.period.start)
    next_period = period_at(current.anchor, configuration.period, index + 1)
    units = None
    if contract_ends_on is not None and next_period.start < contract_ends_on:
        units = (current.agent_unit_minor, current.pack_unit_minor)
    # The renewal itself is not re-validated against self-serve limits: a subscription
    # agreed through a staff quote (say 80 agents) renews as it is.
    return _full_period_breakdown(
        kind=ChangeKind.RENEWAL,
        target=configuration,
        start=next_period.start,
        currency=current.currency,
        prices=prices,
        tax=tax,
        credit_available_minor=credit_available_minor,
        discount_lines=(),
        as_of=current.period.end,
        period=next_period,
        anchor=current.anchor,
        units=units,
    )


def price_negotiated_period(
    *,
    current: CurrentSubscription | None,
    target: Configuration,
    start: date,
    currency: str,
    agent_unit_minor: int,
    pack_unit_minor: int,
    prices: PriceList,
    tax: TaxTreatment,
    credit_available_minor: int = 0,
) -> PriceBreakdown:
    """A new full period from `start` at negotiated unit prices (a staff quote).

    Any number of agents; the unused rest of a current period that contains `start` is a
    discount line, exactly as for a plan change.
    """
    validate_configuration(target, prices, self_serve=False)
    if currency not in prices.currencies:
        raise ConfigurationError("currency", "unknown", f"unknown currency {currency!r}")
    if agent_unit_minor < 0 or pack_unit_minor < 0:
        raise ValueError("a negotiated unit price cannot be negative")
    _check_credit(credit_available_minor)
    target = _normalized(target)
    discount_lines: tuple[BreakdownLine, ...] = ()
    if current is not None:
        if currency != current.currency:
            raise ChangeNotAllowed(
                "currency_mismatch",
                f"the account pays in {current.currency}; it cannot change to {currency}",
            )
        if current.period.contains(start):
            discount_lines = _unused_lines(current, _normalized(current.configuration), start)
    return _full_period_breakdown(
        kind=ChangeKind.SALES_QUOTE,
        target=target,
        start=start,
        currency=currency,
        prices=prices,
        tax=tax,
        credit_available_minor=credit_available_minor,
        discount_lines=discount_lines,
        as_of=start,
        units=(agent_unit_minor, pack_unit_minor),
    )


def with_tax_and_credit(
    breakdown: PriceBreakdown, *, tax: TaxTreatment, credit_available_minor: int
) -> PriceBreakdown:
    """The same lines priced again for another VAT treatment or credit balance.

    A sales quote freezes its lines when sent; VAT and credit follow the customer's billing
    info and balance on the day it is accepted.
    """
    _check_credit(credit_available_minor)
    return _assemble(
        kind=breakdown.kind,
        currency=breakdown.currency,
        configuration=breakdown.configuration,
        period=breakdown.period,
        anchor=breakdown.anchor,
        tax=tax,
        lines=breakdown.lines,
        credit_available_minor=credit_available_minor,
        agent_unit_minor=breakdown.agent_unit_minor,
        pack_unit_minor=breakdown.pack_unit_minor,
        as_of=breakdown.as_of,
    )


def _normalized(config: Configuration) -> Configuration:
    """The configuration with real enum members, so comparisons and `is` checks hold."""
    return Configuration(
        Plan(config.plan), BillingPeriod(config.period), config.agents, config.packs
    )


def _check_credit(credit_available_minor: int) -> None:
    """Refuse a negative credit balance: credit is money the vendor owes, never a debt."""
    if credit_available_minor < 0:
        raise ValueError(f"available credit cannot be negative: {credit_available_minor}")


def _full_period_breakdown(
    *,
    kind: ChangeKind,
    target: Configuration,
    start: date,
    currency: str,
    prices: PriceList,
    tax: TaxTreatment,
    credit_available_minor: int,
    discount_lines: tuple[BreakdownLine, ...],
    as_of: date,
    period: Period | None = None,
    anchor: date | None = None,
    units: tuple[int, int] | None = None,
) -> PriceBreakdown:
    """A new full period at today's list price (or given units), minus unused time."""
    if period is None:
        period = Period(start, add_months(start, target.period.months))
    if units is None:
        agent_unit = prices.agent_price(target.plan, target.period, currency)
        pack_unit = prices.pack_price(target.plan, target.period, currency)
    else:
        agent_unit, pack_unit = units
    lines = [_full_line(LineKind.AGENTS, target, target.agents, agent_unit, period)]
    if target.packs > 0:
        lines.append(_full_line(LineKind.PACKS, target, target.packs, pack_unit, period))
    lines.extend(discount_lines)
    return _assemble(
        kind=kind,
        currency=currency,
        configuration=target,
        period=period,
        anchor=anchor or period.start,
        tax=tax,
        lines=tuple(lines),
        credit_available_minor=credit_available_minor,
        agent_unit_minor=agent_unit,
        pack_unit_minor=pack_unit,
        as_of=as_of,
    )


def _full_line(
    kind: LineKind, config: Configuration, quantity: int, unit_minor: int, period: Period
) -> BreakdownLine:
    """A line for a whole period."""
    return BreakdownLine(
        kind=kind,
        plan=config.plan,
        period=config.period,
        quantity=quantity,
        unit_minor=unit_minor,
        days=None,
        of_days=None,
        start=period.start,
        end=period.end,
        amount_minor=quantity * unit_minor,
    )


def _prorated_line(
    kind: LineKind,
    config: Configuration,
    quantity: int,
    unit_minor: int,
    period: Period,
    today: date,
    sign: int,
) -> BreakdownLine:
    """A line for the days from today to the end of the period (sign -1 for credits)."""
    remaining = period.remaining_days(today)
    length = period.length_days
    return BreakdownLine(
        kind=kind,
        plan=config.plan,
        period=config.period,
        quantity=quantity,
        unit_minor=unit_minor,
        days=remaining,
        of_days=length,
        start=today,
        end=period.end,
        # Rounded as a positive amount and then negated, so a credit mirrors its charge.
        amount_minor=sign * prorate(quantity, unit_minor, remaining, length),
    )


def _unused_lines(
    current: CurrentSubscription, before: Configuration, today: date
) -> tuple[BreakdownLine, ...]:
    """Discounts for the unused rest of the current period, at the units actually charged."""
    lines = [
        _prorated_line(
            LineKind.UNUSED_AGENTS,
            before,
            before.agents,
            current.agent_unit_minor,
            current.period,
            today,
            -1,
        )
    ]
    if before.packs > 0:
        lines.append(
            _prorated_line(
                LineKind.UNUSED_PACKS,
                before,
                before.packs,
                current.pack_unit_minor,
                current.period,
                today,
                -1,
            )
        )
    return tuple(lines)


def _component_lines(
    before: Configuration,
    old: int,
    new: int,
    unit_minor: int,
    period: Period,
    today: date,
    kinds: tuple[LineKind, LineKind, LineKind],
    layers: tuple[ChargedLayer, ...] = (),
) -> list[BreakdownLine]:
    """Lines for one component (agents or packs) whose quantity goes from old to new."""
    prorated, unused, removed = kinds
    if new > old:
        # Shown like the help center's summary: the new quantity for the remaining days,
        # minus the old quantity over the same days, each rounded on its own.
        lines = [_prorated_line(prorated, before, new, unit_minor, period, today, 1)]
        if old > 0:
            lines.append(_prorated_line(unused, before, old, unit_minor, period, today, -1))
        return lines
    if new < old:
        return _removed_lines(removed, before, old, new, unit_minor, period, today, layers)
    return []


def reversal_minor(low: int, high: int, unit_minor: int, days: int, of_days: int) -> int:
    """What an increase from `low` to `high` units charges for `days` of `of_days`: the two
    quantities rounded on their own, as its lines show them. A decrease over the same units
    and days credits exactly this, so the two cancel to the cent."""
    return prorate(high, unit_minor, days, of_days) - prorate(low, unit_minor, days, of_days)


def _removed_lines(
    kind: LineKind,
    config: Configuration,
    old: int,
    new: int,
    unit_minor: int,
    period: Period,
    today: date,
    layers: tuple[ChargedLayer, ...],
) -> list[BreakdownLine]:
    """The credit for the units from `new` + 1 to `old`, for the remaining days: one line per
    invoice that charged them, the most recent charge first (its units sit on top), each the
    reversal of that charge for those days. Units no known invoice charged (a package set up
    by staff) get one line that names none."""
    remaining = period.remaining_days(today)
    length = period.length_days

    def line(low: int, high: int, corrects: str | None) -> BreakdownLine:
        return BreakdownLine(
            kind=kind,
            plan=config.plan,
            period=config.period,
            quantity=high - low,
            unit_minor=unit_minor,
            days=remaining,
            of_days=length,
            start=today,
            end=period.end,
            amount_minor=-reversal_minor(low, high, unit_minor, remaining, length),
            corrects=corrects,
        )

    lines = []
    top = old
    for layer in sorted(layers, key=lambda layer: layer.high, reverse=True):
        high, low = min(layer.high, top), max(layer.low, new)
        if high > low:
            lines.append(line(low, high, layer.document))
            top = low
    if top > new:
        lines.append(line(new, top, None))
    return lines


def _capped(lines: list[BreakdownLine], charges: PeriodCharges) -> list[BreakdownLine]:
    """Never credit an invoice more than it has left to credit. What a line would take
    beyond that (a cent of rounding; or a plan change's invoice, whose net the unused part
    of the previous package reduced) is credited on a line that names no invoice."""
    left = dict(charges.creditable_minor)
    capped = []
    for line in lines:
        if line.corrects is None or line.corrects not in left or line.amount_minor >= 0:
            capped.append(line)
            continue
        amount = max(line.amount_minor, -max(left[line.corrects], 0))
        left[line.corrects] += amount
        if amount:
            capped.append(replace(line, amount_minor=amount))
        if amount != line.amount_minor:
            capped.append(
                replace(line, quantity=0, amount_minor=line.amount_minor - amount, corrects=None)
            )
    return capped


def _quantity_change_breakdown(
    current: CurrentSubscription,
    before: Configuration,
    target: Configuration,
    today: date,
    tax: TaxTreatment,
    credit_available_minor: int,
) -> PriceBreakdown:
    """Agents or packs change inside the current period; the renewal date stays."""
    charges = current.charges
    lines = _component_lines(
        before,
        before.agents,
        target.agents,
        current.agent_unit_minor,
        current.period,
        today,
        (LineKind.AGENTS_PRORATED, LineKind.UNUSED_AGENTS, LineKind.REMOVED_AGENTS),
        charges.agents,
    )
    lines += _component_lines(
        before,
        before.packs,
        target.packs,
        current.pack_unit_minor,
        current.period,
        today,
        (LineKind.PACKS_PRORATED, LineKind.UNUSED_PACKS, LineKind.REMOVED_PACKS),
        charges.packs,
    )
    lines = _capped(lines, charges)
    return _assemble(
        kind=ChangeKind.QUANTITY_CHANGE,
        currency=current.currency,
        configuration=target,
        period=current.period,
        anchor=current.anchor,
        tax=tax,
        lines=tuple(lines),
        credit_available_minor=credit_available_minor,
        agent_unit_minor=current.agent_unit_minor,
        pack_unit_minor=current.pack_unit_minor,
        as_of=today,
        rates=dict(charges.rates),
    )


def _no_change_breakdown(
    current: CurrentSubscription,
    before: Configuration,
    tax: TaxTreatment,
    credit_available_minor: int,
    today: date,
) -> PriceBreakdown:
    """Nothing changes: no lines and nothing to pay."""
    return _assemble(
        kind=ChangeKind.NO_CHANGE,
        currency=current.currency,
        configuration=before,
        period=current.period,
        anchor=current.anchor,
        tax=tax,
        lines=(),
        credit_available_minor=credit_available_minor,
        agent_unit_minor=current.agent_unit_minor,
        pack_unit_minor=current.pack_unit_minor,
        as_of=today,
    )


def _vat_lines(
    lines: tuple[BreakdownLine, ...], rate: Decimal, rates: dict[str, Decimal]
) -> list[VatLine]:
    """One VAT line for the lines, or one per corrected invoice when they name any."""
    groups: dict[str | None, int] = {}
    for line in lines:
        groups[line.corrects] = groups.get(line.corrects, 0) + line.amount_minor
    if list(groups) == [None] or any(line.amount_minor > 0 for line in lines):
        # Charges and credits together make one document: its VAT is on its net.
        net = sum(groups.values())
        return [VatLine(rate, net, compute_vat(net, rate))]
    found = []
    for corrects, base in groups.items():
        group_rate = rates.get(corrects, rate) if corrects is not None else rate
        found.append(VatLine(group_rate, base, compute_vat(base, group_rate), corrects))
    return found


def _assemble(
    *,
    kind: ChangeKind,
    currency: str,
    configuration: Configuration,
    period: Period,
    anchor: date,
    tax: TaxTreatment,
    lines: tuple[BreakdownLine, ...],
    credit_available_minor: int,
    agent_unit_minor: int,
    pack_unit_minor: int,
    as_of: date,
    rates: dict[str, Decimal] | None = None,
) -> PriceBreakdown:
    """Add up net, VAT, total and credit from the lines.

    VAT is on the sum of the net lines, not per line: one rate per customer. Credit lines
    that name the invoice they correct are grouped by it, each group a credit note of its
    own with that invoice's rate (`rates`) and its VAT worked out on its own.
    """
    net = sum(line.amount_minor for line in lines)
    vat_lines: tuple[VatLine, ...] = ()
    if lines:
        vat_lines = tuple(_vat_lines(lines, tax.rate, rates or {}))
    vat = sum(vat_line.vat_minor for vat_line in vat_lines)
    total = net + vat
    if total > 0:
        credit_used = min(credit_available_minor, total)
        amount_due = total - credit_used
        credit_added = 0
    else:
        # A credit note pays nothing out: its total becomes account credit.
        credit_used = 0
        amount_due = 0
        credit_added = -total
    return PriceBreakdown(
        kind=kind,
        currency=currency,
        configuration=configuration,
        period=period,
        anchor=anchor,
        tax=tax,
        lines=lines,
        net_minor=net,
        vat_lines=vat_lines,
        vat_minor=vat,
        total_minor=total,
        credit_available_minor=credit_available_minor,
        credit_used_minor=credit_used,
        amount_due_minor=amount_due,
        credit_added_minor=credit_added,
        agent_unit_minor=agent_unit_minor,
        pack_unit_minor=pack_unit_minor,
        as_of=as_of,
    )
