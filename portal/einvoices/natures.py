"""Why a document carries no Italian VAT, as FatturaPA says it: one data row per tax treatment.

Natura codes are those of the FatturaPA schema 1.2.3 (the generic N2, N3 and N6 are refused by
the exchange system since 2021, rule 00445). Legal references are the DPR 633/72 articles the
treatment rests on; the row is what the e-invoice writes in `Natura` and `RiferimentoNormativo`.

Stamp duty (imposta di bollo, DPR 642/72, Tariff art. 13 and Table B art. 6): €2 on an invoice
whose amounts without VAT exceed €77.47, except for exports and intra-EU supplies of goods; it
applies to services outside the scope of Italian VAT (art. 7-ter) and to sales under a letter of
intent (art. 8 c. 1 lett. c). The seller pays it (virtual stamp, `BolloVirtuale`); it is not
charged to the customer, so no document total changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

STAMP_DUTY = Decimal("2.00")
# The duty applies when the amounts without VAT are above this (art. 13 of the Tariff).
STAMP_DUTY_THRESHOLD = Decimal("77.47")


@dataclass(frozen=True)
class Exemption:
    """The Natura of lines without Italian VAT, the law it cites, and whether stamp duty applies."""

    nature: str
    law: str  # RiferimentoNormativo: at most 100 characters
    stamp_duty: bool


# Keyed by the document's tax kind (portal.domain.tax.TaxKind values); a domestic sale has VAT.
EXEMPTIONS: Mapping[str, Exemption] = MappingProxyType(
    {
        # A business elsewhere in the EU: the service is taxed where the customer is
        # established (art. 7-ter), which accounts for the VAT by reverse charge.
        "reverse_charge": Exemption(
            "N2.1", "Art. 7-ter DPR 633/72 - inversione contabile (art. 196 dir. 2006/112/CE)", True
        ),
        # A customer outside the EU: the service is not supplied in Italy (art. 7-ter for
        # businesses; art. 7-septies for electronic services to private persons).
        "out_of_scope": Exemption(
            "N2.1", "Operazione non soggetta, artt. 7-ter e 7-septies DPR 633/72", True
        ),
        # A private person elsewhere in the EU: the customer country's VAT, paid through the
        # One Stop Shop (art. 7-octies and 74-sexies): not Italian VAT.
        "eu_consumer": Exemption(
            "N7",
            "IVA assolta in altro Stato UE, artt. 7-octies e 74-sexies DPR 633/72 (OSS)",
            False,
        ),
        # An Italian habitual exporter under an approved letter of intent.
        "letter_of_intent": Exemption(
            "N3.5", "Non imponibile art. 8 c. 1 lett. c) DPR 633/72, dichiarazione d'intento", True
        ),
    }
)


def exemption_for(tax_kind: str) -> Exemption | None:
    """The exemption row of a tax kind; None for a sale with Italian VAT."""
    return EXEMPTIONS.get(str(tax_kind))


def stamp_duty_due(exemption: Exemption | None, amount_without_vat: Decimal) -> bool:
    """Whether an invoice with this exemption and amount carries the €2 stamp duty."""
    return (
        exemption is not None and exemption.stamp_duty and amount_without_vat > STAMP_DUTY_THRESHOLD
    )
