"""The price list and the VAT table, read and validated once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from portal.domain.catalog import PriceList, load_price_list
from portal.domain.exchange import ExchangeRates, load_exchange_rates
from portal.domain.tax import VatRates, load_vat_rates


@dataclass(frozen=True)
class ReferenceData:
    """What every breakdown needs besides the customer: prices, rates, the seller's country."""

    prices: PriceList
    vat_rates: VatRates
    seller_country: str
    # Euro rates for e-invoices of documents in other currencies.
    exchange_rates: ExchangeRates


def init_app(app: Flask) -> None:
    """Load the files; a broken one raises an error naming the bad entry."""
    vat_rates = load_vat_rates(app.config["VAT_RATES_FILE"])
    seller_country = app.config["SELLER_COUNTRY"].upper()
    if not vat_rates.is_eu(seller_country):
        raise ValueError(f"SELLER_COUNTRY={seller_country!r} is not an EU country in the VAT table")
    app.extensions["portal.reference"] = ReferenceData(
        prices=load_price_list(app.config["PRICE_LIST_FILE"]),
        vat_rates=vat_rates,
        seller_country=seller_country,
        exchange_rates=load_exchange_rates(app.config["EXCHANGE_RATES_FILE"]),
    )


def reference() -> ReferenceData:
    """The reference data of the running app."""
    return current_app.extensions["portal.reference"]
