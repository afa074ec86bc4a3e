"""Which invoice format a customer receives: the plain PDF, or an EN 16931 e-invoice.

Factur-X and UBL are offered to business customers in the EU, that is with a VAT ID in an EU
country (Italian ones included: their legal invoice is the FatturaPA, but the choice still
decides what their invoice e-mails carry). Anyone else receives the PDF, whatever is stored.
"""

from __future__ import annotations

from typing import Any

from portal.models import EInvoiceFormat
from portal.reference_data import reference


def offers_einvoices(country: str | None, vat_id: str | None) -> bool:
    """Whether a customer with this country and VAT ID may choose Factur-X or UBL."""
    return bool(country and vat_id) and reference().vat_rates.is_eu((country or "").upper())


def format_for_document(
    customer: dict[str, Any], chosen: EInvoiceFormat | str | None
) -> EInvoiceFormat:
    """The format a document is delivered in: the choice, where the document's buyer (its
    snapshot) is a business in the EU; the PDF otherwise."""
    if not offers_einvoices(customer.get("country"), customer.get("vat_id")):
        return EInvoiceFormat.PDF
    return EInvoiceFormat(chosen or EInvoiceFormat.PDF)
