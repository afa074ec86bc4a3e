"""The PDF of a sent sales quote, in the account's invoice language, from its frozen figures."""

from __future__ import annotations

from babel import Locale
from flask import current_app
from flask_babel import force_locale

from portal.account_pricing import quote_pricing
from portal.billing_text import line_description, line_heading, tax_mention
from portal.domain.tax import TaxKind
from portal.extensions import db
from portal.models import Account, SalesQuote
from portal.pdf import FONT_FAMILY, FONT_FILES, PdfRenderError, font_directory, html_to_pdf

TEMPLATE = "pdf/sales_quote.html"


class QuotePdfError(PdfRenderError):
    """A quote could not be rendered as PDF; the message says which one and why."""


def _language(account: Account) -> str:
    """The account's invoice language, or the default one if it is not offered."""
    config = current_app.config
    info = account.billing_info
    language = info.invoice_language if info else config["BABEL_DEFAULT_LOCALE"]
    return language if language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _country_name(code: str | None, language: str) -> str:
    """A country's name in the document's language."""
    if not code:
        return ""
    return Locale.parse(language).territories.get(code.upper(), code.upper())


def render_quote_html(quote: SalesQuote) -> str:
    """The HTML handed to xhtml2pdf; it depends on the quote alone, never on the viewer."""
    account = db.session.get(Account, quote.account_id)
    assert account is not None and quote.frozen is not None
    language = _language(account)
    pricing = quote_pricing(quote, account)
    first = pricing.first_invoice
    seller = quote.frozen.get("seller") or {}
    customer = quote.frozen.get("customer") or {}
    with force_locale(language):
        template = current_app.jinja_env.get_template(TEMPLATE)
        return template.render(
            quote=quote,
            pricing=pricing,
            language=language,
            seller=seller,
            customer=customer,
            seller_country=_country_name(seller.get("country"), language),
            customer_country=_country_name(customer.get("country"), language),
            first_lines=[
                (line, line_heading(line), line_description(line, quote.currency))
                for line in first.lines
            ],
            mention=tax_mention(first.tax.kind),
            reverse_charge=first.tax.kind is TaxKind.REVERSE_CHARGE,
            font_family=FONT_FAMILY,
            font_files=FONT_FILES,
        )


def sales_quote_pdf(quote: SalesQuote) -> bytes:
    """The quote as PDF bytes (the same figures always give the same bytes)."""
    fonts = font_directory(current_app.config["VENDOR_DIR"])
    try:
        rendered = html_to_pdf(render_quote_html(quote), fonts)
    except PdfRenderError as error:
        raise QuotePdfError(f"quote {quote.number}: {error}") from error
    for warning in rendered.missing_glyphs:
        current_app.logger.warning("quote %s PDF: %s", quote.number, warning)
    return rendered.content
