"""Locale negotiation, the language switch, and formatting of money and dates for templates."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency as babel_format_currency
from babel.numbers import format_percent as babel_format_percent
from babel.numbers import (
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)
from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask_babel import format_date, format_datetime, get_locale, to_user_timezone
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from portal.domain.money import minor_exponent, minor_to_decimal
from portal.extensions import babel, db
from portal.locale_cache import current_locale_name
from portal.safe_gettext import format_or_fallback, translation_html

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The switch's choice (saved preference or session), else Accept-Language, else default."""
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


MAX_REDIRECT_LENGTH = 2000


def is_safe_redirect(target: str | None) -> TypeGuard[str]:
    """Only a path on this site: `next` must never become an open redirect.

    Browsers read `//host`, `/\\host` and `////host` (after werkzeug collapses slashes) as
    another site, and drop tabs and line breaks before they look, so all of those are refused.
    """
    if not target or len(target) > MAX_REDIRECT_LENGTH:
        return False
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if "\\" in target or any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not parts.path.startswith("//")


@bp.post("/language")
def switch_language() -> Response:
    """Remember the chosen language, for the user or the session, and go back."""
    chosen = request.form.get("locale", "")
    if chosen in current_app.config["LANGUAGES"]:
        session["locale"] = chosen
        if current_user.is_authenticated:
            current_user.locale = chosen
            db.session.commit()
    target = request.form.get("next")
    if not is_safe_redirect(target) or not loads_with_get(urlsplit(target).path):
        target = url_for("dashboard.home")
    return redirect(target)


def loads_with_get(path: str) -> bool:
    """True when a GET of this path reaches a page (not a 405 or a 404)."""
    adapter = current_app.url_map.bind(request.host, script_name=request.script_root or None)
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def page_url() -> str:
    """Where the language switch brings the user back, always a page a GET loads again.

    After a form post (a refused card, a declined payment, a form with errors) the address is
    the form's target, often POST only: then the page the form was on, else the start page.
    """
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and loads_with_get(referrer.path):
        back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        # The page the form was on keeps its query (a quote's chosen method, say).
        if is_safe_redirect(back) and (
            referrer.path == request.path or not loads_with_get(request.path)
        ):
            return back
    if loads_with_get(request.path):
        return request.path
    return url_for("dashboard.home")


def format_money(minor: int, currency: str) -> str:
    """An amount in minor units as the active locale writes it; it is already rounded.

    The one way money becomes text: "€1,234.50", "CZK 58,000.00", "1.234,50 €", "58 000,00 CZK".
    """
    return _money_writer(currency, current_locale_name())(minor)


def babel_money(minor: int, currency: str, locale: str) -> str:
    """Babel's own writing of an amount, with the currency spacing; the reference."""
    return babel_format_currency(
        minor_to_decimal(minor, currency),
        currency,
        format=_spaced_currency_pattern(currency, locale),
        locale=locale,
    )


# Amounts a writer must write exactly as Babel before it is trusted (signs, zero, grouping).
MONEY_PROBES = (0, 1, -1, 5, 99, 100, -100, 99_999, 123_456, -123_456, 100_000_000, 1_234_567_891)


@lru_cache(maxsize=64)
def _money_writer(currency: str, locale: str) -> Callable[[int], str]:
    """How `locale` writes `currency` amounts, worked out once from Babel's own output.

    Babel's format_currency re-reads the pattern and works in Decimal on every call (about
    40 µs); a payment summary shows a dozen new amounts per keystroke. The writer keeps what
    Babel puts around the number (symbol, spacing, sign, found by writing 1 and -1 with
    Babel), the locale's decimal and group symbols and the pattern's grouping, and joins
    integer digits. It is used only when it writes every probe amount exactly as Babel does,
    else Babel writes each amount (tests compare the two on thousands of amounts).
    """
    by_babel = partial(babel_money, currency=currency, locale=locale)
    exponent = minor_exponent(currency)
    pattern = parse_pattern(
        _spaced_currency_pattern(currency, locale)
        or Locale.parse(locale).currency_formats["standard"].pattern
    )
    decimal_symbol = get_decimal_symbol(locale)
    group_symbol = get_group_symbol(locale)
    primary, secondary = pattern.grouping

    def number(minor: int) -> str:
        whole, fraction = divmod(minor, 10**exponent)
        digits = str(whole)
        groups = []
        size = primary
        while len(digits) > size:
            groups.append(digits[-size:])
            digits = digits[:-size]
            size = secondary
        groups.append(digits)
        text = group_symbol.join(reversed(groups))
        return text + decimal_symbol + str(fraction).zfill(exponent) if exponent else text

    probe = 10**exponent + 1  # "1.01": no currency symbol holds digits
    affixes = []
    for minor in (probe, -probe):
        before, found, after = babel_money(minor, currency, locale).partition(number(probe))
        if not found:
            return by_babel
        affixes.append((before, after))
    (plus_before, plus_after), (minus_before, minus_after) = affixes

    def write(minor: int) -> str:
        if minor < 0:
            return minus_before + number(-minor) + minus_after
        return plus_before + number(minor) + plus_after

    if any(write(minor) != babel_money(minor, currency, locale) for minor in MONEY_PROBES):
        return by_babel
    return write


@lru_cache(maxsize=64)
def _spaced_currency_pattern(currency: str, locale: str) -> str | None:
    """The locale's pattern with CLDR's currency spacing, which Babel does not apply.

    A code made of letters beside the digits gets a no-break space, as ICU writes it: English
    "CZK 58,000.00" but "€58,000.00". None keeps the locale's own pattern.
    """
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    symbol = get_currency_symbol(currency, locale)
    if pattern.startswith("¤") and pattern[1:2] in {"#", "0"} and _is_letter(symbol[-1]):
        return "¤\u00a0" + pattern[1:]
    if pattern.endswith("¤") and pattern[-2:-1] in {"#", "0"} and _is_letter(symbol[0]):
        return pattern[:-1] + "\u00a0¤"
    return None


def _is_letter(char: str) -> bool:
    """CLDR spaces a currency from digits unless the side next to them is a symbol (€, $)."""
    return not unicodedata.category(char).startswith(("S", "Z"))


def format_percent(fraction: Decimal | float) -> str:
    """A rate (0.22) as the locale writes it: "22%", "22,5%", French "22 %" (narrow space)."""
    return _formatted_percent(fraction, current_locale_name())


@lru_cache(maxsize=256)
def _formatted_percent(fraction: Decimal | float, locale: str) -> str:
    """Babel's formatting is pure and costly per call; every summary shows its VAT rate."""
    text = babel_format_percent(fraction, locale=locale, decimal_quantization=False)
    # CLDR gives French a full no-break space before %; French typography wants a narrow one.
    return text.replace("\u00a0%", "\u202f%")


def format_day(value: date | None, style: str = "long") -> str:
    """A calendar date for a person to read: "16 November 2026", or "16 Nov 2026" (medium).

    Short numeric dates ("11/16/26") are ambiguous across languages, so they are not offered;
    where a machine reads a date (file names, form inputs) it is ISO, not this.
    """
    if style not in {"medium", "long"}:
        raise ValueError(f"a date for people is medium or long, not {style!r}")
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_date(value, style)  # moved to the display time zone first
    return _formatted_day(value, style, current_locale_name())


@lru_cache(maxsize=8192)
def _formatted_day(value: date, style: str, locale: str) -> str:
    """Babel's date formatting is pure and costly per call; a list shows three dates a row."""
    return babel_format_date(value, style, locale=locale)


def format_moment(value: datetime) -> str:
    """An instant to the minute in the display time zone, named: "Nov 16, 2026, 1:31 AM CET".

    Naive values are UTC, as the database stores them; the zone is DISPLAY_TIMEZONE. The zone's
    own abbreviation (CET, CEST, UTC) reads the same in every language, where CLDR's names fall
    back to "+0100" in English and French.
    """
    zone = to_user_timezone(value).tzname() or ""
    return format_datetime(value, _moment_pattern(str(get_locale()), zone))


@lru_cache(maxsize=64)
def _moment_pattern(locale: str, zone: str) -> str:
    """The locale's medium date and short time (no seconds) joined its way, then the zone."""
    cldr = Locale.parse(locale)
    joined = str(cldr.datetime_formats["medium"])
    time = f"{cldr.time_formats['short'].pattern} '{zone}'"
    return joined.replace("{0}", time).replace("{1}", cldr.date_formats["medium"].pattern)


def language_choices() -> list[tuple[str, str]]:
    """Each supported language named in its own language, for the switch."""
    return [
        (code, (Locale.parse(code).get_display_name(code) or code).capitalize())
        for code in current_app.config["LANGUAGES"]
    ]


def language_name(code: str) -> str:
    """A language's name in the viewer's language."""
    return (Locale.parse(code).get_display_name(get_locale()) or code).capitalize()


def _install_safe_jinja_gettext(app: Flask) -> None:
    """Template gettext with the same source-text fallback as Python code."""

    def translate(context: Context, source: str, translated: str, variables: dict) -> str:
        if context.eval_ctx.autoescape:
            # A translation is text: escaped, unless its source carries markup (then only the
            # source's own tags survive); the variables get escaped by Markup's formatting.
            translated = translation_html(source, translated)
            source = translation_html(source, source)
        return format_or_fallback(translated, source, variables, always=True)

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        translated = babel.domain_instance.get_translations().ugettext(string)
        return translate(context, string, translated, variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        translated = babel.domain_instance.get_translations().ungettext(singular, plural, num)
        return translate(context, singular if num == 1 else plural, translated, variables)

    @pass_context
    def pgettext(context: Context, ctx: str, string: str, **variables: Any) -> str:
        translated = babel.domain_instance.get_translations().upgettext(ctx, string)
        return translate(context, string, translated, variables)

    @pass_context
    def npgettext(
        context: Context, ctx: str, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        translations = babel.domain_instance.get_translations()
        translated = translations.unpgettext(ctx, singular, plural, num)
        return translate(context, singular if num == 1 else plural, translated, variables)

    app.jinja_env.globals.update(
        gettext=gettext, _=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext
    )


def country_name(code: str | None) -> str:
    """A country's name in the viewer's language (the code itself where Babel has none)."""
    if not code:
        return ""
    return Locale.parse(str(get_locale())).territories.get(code.upper(), code.upper())


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our locale selector and register the template helpers."""
    babel.init_app(app, locale_selector=select_locale)
    _install_safe_jinja_gettext(app)
    app.jinja_env.filters.update(
        money=format_money, day=format_day, moment=format_moment, percent=format_percent
    )
    app.jinja_env.globals.update(
        language_choices=language_choices,
        language_name=language_name,
        country_name=country_name,
        current_locale=get_locale,
        language_switch_next=page_url,
    )
    app.register_blueprint(bp)
