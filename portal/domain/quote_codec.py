"""A PriceQuote as plain JSON data and back, so a confirmed quote is stored and applied as is."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.periods import Period
from portal.domain.pricing import (
    ChangeKind,
    Configuration,
    LineKind,
    PriceQuote,
    QuoteLine,
    VatLine,
)
from portal.domain.tax import TaxKind, TaxTreatment


def _configuration(config: Configuration) -> dict[str, Any]:
    """A configuration as JSON data."""
    return {
        "plan": str(config.plan),
        "period": str(config.period),
        "agents": config.agents,
        "packs": config.packs,
    }


def quote_to_data(quote: PriceQuote) -> dict[str, Any]:
    """Every figure of the quote, with dates as ISO strings and rates as decimal strings."""
    return {
        "kind": str(quote.kind),
        "currency": quote.currency,
        "configuration": _configuration(quote.configuration),
        "period": [quote.period.start.isoformat(), quote.period.end.isoformat()],
        "anchor": quote.anchor.isoformat(),
        "tax": {
            "kind": str(quote.tax.kind),
            "rate": str(quote.tax.rate),
            "customer_country": quote.tax.customer_country,
            "seller_country": quote.tax.seller_country,
        },
        "lines": [
            {
                "kind": str(line.kind),
                "plan": str(line.plan),
                "period": str(line.period),
                "quantity": line.quantity,
                "unit_minor": line.unit_minor,
                "days": line.days,
                "of_days": line.of_days,
                "start": line.start.isoformat(),
                "end": line.end.isoformat(),
                "amount_minor": line.amount_minor,
            }
            for line in quote.lines
        ],
        "net_minor": quote.net_minor,
        "vat_lines": [
            {"rate": str(v.rate), "base_minor": v.base_minor, "vat_minor": v.vat_minor}
            for v in quote.vat_lines
        ],
        "vat_minor": quote.vat_minor,
        "total_minor": quote.total_minor,
        "credit_available_minor": quote.credit_available_minor,
        "credit_used_minor": quote.credit_used_minor,
        "amount_due_minor": quote.amount_due_minor,
        "credit_added_minor": quote.credit_added_minor,
        "agent_unit_minor": quote.agent_unit_minor,
        "pack_unit_minor": quote.pack_unit_minor,
        "as_of": quote.as_of.isoformat(),
    }


def quote_from_data(data: dict[str, Any]) -> PriceQuote:
    """Rebuild the quote that `quote_to_data` wrote."""
    config = data["configuration"]
    tax = data["tax"]
    return PriceQuote(
        kind=ChangeKind(data["kind"]),
        currency=data["currency"],
        configuration=Configuration(
            Plan(config["plan"]), BillingPeriod(config["period"]), config["agents"], config["packs"]
        ),
        period=Period(date.fromisoformat(data["period"][0]), date.fromisoformat(data["period"][1])),
        anchor=date.fromisoformat(data["anchor"]),
        tax=TaxTreatment(
            TaxKind(tax["kind"]),
            Decimal(tax["rate"]),
            tax["customer_country"],
            tax["seller_country"],
        ),
        lines=tuple(
            QuoteLine(
                kind=LineKind(line["kind"]),
                plan=Plan(line["plan"]),
                period=BillingPeriod(line["period"]),
                quantity=line["quantity"],
                unit_minor=line["unit_minor"],
                days=line["days"],
                of_days=line["of_days"],
                start=date.fromisoformat(line["start"]),
                end=date.fromisoformat(line["end"]),
                amount_minor=line["amount_minor"],
            )
            for line in data["lines"]
        ),
        net_minor=data["net_minor"],
        vat_lines=tuple(
            VatLine(Decimal(v["rate"]), v["base_minor"], v["vat_minor"]) for v in data["vat_lines"]
        ),
        vat_minor=data["vat_minor"],
        total_minor=data["total_minor"],
        credit_available_minor=data["credit_available_minor"],
        credit_used_minor=data["credit_used_minor"],
        amount_due_minor=data["amount_due_minor"],
        credit_added_minor=data["credit_added_minor"],
        agent_unit_minor=data["agent_unit_minor"],
        pack_unit_minor=data["pack_unit_minor"],
        as_of=date.fromisoformat(data["as_of"]),
    )


def quote_fingerprint(quote: PriceQuote) -> str:
    """A short digest of every figure: equal fingerprints mean the customer saw this quote."""
    canonical = json.dumps(quote_to_data(quote), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
