"""A PriceBreakdown as JSON data and back, so a confirmed breakdown is stored and applied as is."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.periods import Period
from portal.domain.pricing import (
    BreakdownLine,
    ChangeKind,
    Configuration,
    LineKind,
    PriceBreakdown,
    VatLine,
)
from portal.domain.tax import LetterCitation, TaxKind, TaxTreatment
from portal.domain.vat_registry import RegistryVerdict


def _configuration(config: Configuration) -> dict[str, Any]:
    """A configuration as JSON data."""
    return {
        "plan": str(config.plan),
        "period": str(config.period),
        "agents": config.agents,
        "packs": config.packs,
    }


def _letter_data(tax: TaxTreatment) -> dict[str, Any]:
    """The letter of intent a treatment cites, or its exhausted ceiling; nothing otherwise
    (so the data, and the fingerprint, of every other breakdown stays what it was)."""
    data: dict[str, Any] = {}
    if tax.letter is not None:
        data["letter"] = tax.letter.as_data()
    if tax.ceiling_exhausted:
        data["ceiling_exhausted"] = True
    return data


def _letter_of(data: dict[str, Any] | None) -> LetterCitation | None:
    """The citation `_letter_data` wrote."""
    if data is None:
        return None
    return LetterCitation(data["id"], data["protocol"], date.fromisoformat(data["issued_on"]))


def breakdown_to_data(breakdown: PriceBreakdown) -> dict[str, Any]:
    """Every figure of the breakdown, with dates as ISO strings and rates as decimal strings."""
    return {
        "kind": str(breakdown.kind),
        "currency": breakdown.currency,
        "configuration": _configuration(breakdown.configuration),
        "period": [breakdown.period.start.isoformat(), breakdown.period.end.isoformat()],
        "anchor": breakdown.anchor.isoformat(),
        "tax": {
            "kind": str(breakdown.tax.kind),
            "rate": str(breakdown.tax.rate),
            "customer_country": breakdown.tax.customer_country,
            "seller_country": breakdown.tax.seller_country,
            # Only where the EU registry was consulted: older data and offline installs
            # keep the same figures and fingerprints.
            **({"registry": str(breakdown.tax.registry)} if breakdown.tax.registry else {}),
            **_letter_data(breakdown.tax),
        },
        "lines": [
            {
                **({"corrects": line.corrects} if line.corrects is not None else {}),
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
            for line in breakdown.lines
        ],
        "net_minor": breakdown.net_minor,
        "vat_lines": [
            {
                **({"corrects": v.corrects} if v.corrects is not None else {}),
                "rate": str(v.rate),
                "base_minor": v.base_minor,
                "vat_minor": v.vat_minor,
            }
            for v in breakdown.vat_lines
        ],
        "vat_minor": breakdown.vat_minor,
        "total_minor": breakdown.total_minor,
        "credit_available_minor": breakdown.credit_available_minor,
        "credit_used_minor": breakdown.credit_used_minor,
        "amount_due_minor": breakdown.amount_due_minor,
        "credit_added_minor": breakdown.credit_added_minor,
        "agent_unit_minor": breakdown.agent_unit_minor,
        "pack_unit_minor": breakdown.pack_unit_minor,
        "as_of": breakdown.as_of.isoformat(),
    }


def breakdown_from_data(data: dict[str, Any]) -> PriceBreakdown:
    """Rebuild the breakdown that `breakdown_to_data` wrote."""
    config = data["configuration"]
    tax = data["tax"]
    return PriceBreakdown(
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
            RegistryVerdict(tax["registry"]) if tax.get("registry") else None,
            letter=_letter_of(tax.get("letter")),
            ceiling_exhausted=bool(tax.get("ceiling_exhausted", False)),
        ),
        lines=tuple(
            BreakdownLine(
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
                corrects=line.get("corrects"),
            )
            for line in data["lines"]
        ),
        net_minor=data["net_minor"],
        vat_lines=tuple(
            VatLine(Decimal(v["rate"]), v["base_minor"], v["vat_minor"], v.get("corrects"))
            for v in data["vat_lines"]
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


def breakdown_fingerprint(breakdown: PriceBreakdown) -> str:
    """A short digest of every figure: equal fingerprints mean the customer saw this breakdown."""
    canonical = json.dumps(breakdown_to_data(breakdown), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
