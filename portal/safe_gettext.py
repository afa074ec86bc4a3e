"""Translations that never break a page: a translation is text, and one that fails to format
falls back to its source."""

from __future__ import annotations

import logging
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import nh3
from babel.support import NullTranslations
from flask import current_app, has_app_context
from flask_babel import Babel, Domain, get_locale, gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from werkzeug.utils import cached_property

from portal.domain.translation_checks import carries_markup, markup_of, percent_placeholders
from portal.locale_cache import request_translations

log = logging.getLogger(__name__)

FORMAT_ERRORS = (KeyError, ValueError, TypeError, IndexError)
# Where portal.catalogs.live keeps a process's live catalogs (set up in create_app).
LIVE_CATALOGS_KEY = "live_catalogs"
TRANSLATIONS_CACHE_KEY = "portal_compiled_catalogs"


def translation_html(source: str, translated: str) -> Markup:
    """A translation as HTML: text, escaped wherever it is printed (element or attribute).

    Only where the English source itself carries markup are tags kept, and then only the
    source's own tags with the source's attribute values, balanced, by a sanitizer (nh3):
    nothing a translator types adds an element, an attribute, a comment or a request.
    """
    if "<" not in source and "&" not in source:
        return escape(translated)
    return _source_markup_only(source, translated)


@lru_cache(maxsize=1024)
def _source_markup_only(source: str, translated: str) -> Markup:
    """`translated` with every tag, attribute and comment the source does not have removed."""
    if not carries_markup(source):
        return escape(translated)
    allowed = markup_of(source).allowed
    cleaned = nh3.clean(
        translated,
        tags=set(allowed),
        attributes={},
        # An attribute survives only with a value the source gives it (placeholders included).
        tag_attribute_values={tag: values for tag, values in allowed.items() if values},
        strip_comments=True,
        link_rel=None,
        clean_content_tags=set(),
    )
    return Markup(_TextEscaped.serialize(cleaned))  # noqa: S704 - sanitized, text escaped


class _TextEscaped(HTMLParser):
    """nh3's output written again with its text escaped as markupsafe does, quotes included:
    nh3 leaves a quote in text as it is, which would end an attribute it is printed in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.written: list[str] = []

    @classmethod
    def serialize(cls, html: str) -> str:
        writer = cls()
        writer.feed(html)
        writer.close()
        return "".join(writer.written)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        listed = "".join(f' {name}="{escape(value or "")}"' for name, value in attrs)
        self.written.append(f"<{tag}{listed}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.written.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.written.append(str(escape(data)))


class TextLazyString(LazyString):
    """A lazily translated text that prints escaped in a template (Flask-Babel's prints raw)
    and formats as gettext does, falling back to the source (WTForms formats its messages
    with `%`: "Use at most %(max)d characters.")."""

    def __html__(self) -> Markup:
        return translation_html(str(self._args[0]), str(self))

    def __mod__(self, variables: Any) -> str:
        if not isinstance(variables, dict):
            return str(self) % variables
        return format_or_fallback(str(self), str(self._args[0]), variables)


def lazy_gettext(string: str, **variables: Any) -> TextLazyString:
    """`flask_babel.lazy_gettext`, whose text is escaped when a template prints it."""
    return TextLazyString(gettext, string, **variables)


def format_or_fallback(
    translated: str, source: str, variables: dict[str, Any], *, always: bool = False
) -> str:
    """Apply %-formatting to the translation, or to the English source if that fails.

    Python callers format only when given variables; Jinja's new-style gettext always
    formats (its trans blocks escape a literal % as %%).
    """
    if not variables and not always:
        return translated
    if "%" in translated and not _formats_as_source(str(source), str(translated)):
        log.warning("translation of %r has placeholders of its own; using the source", source)
        return source % variables
    try:
        return translated % variables
    except FORMAT_ERRORS:
        log.warning("translation of %r does not format; using the source text", source)
        return source % variables


@lru_cache(maxsize=4096)
def _formats_as_source(source: str, translated: str) -> bool:
    """Each placeholder of the translation is one of the source's, written as the source writes
    it: no name of its own, and no width, precision or flag the source lacks (a catalog file
    that bypassed the editor's checks cannot make a page megabytes long or blank an amount)."""
    found, lone = percent_placeholders(translated)
    wanted, lone_in_source = percent_placeholders(source)
    # A conversion with the space flag ("% 2000000s") counts as a lone %: none the source lacks.
    return set(found) <= set(wanted) and lone <= lone_in_source


class SafeDomain(Domain):
    """A gettext domain whose translations fall back to the source text when broken."""

    def get_translations_cache(self, ctx: Any) -> dict[Any, NullTranslations]:
        """The compiled catalogs read so far, per app: Flask-Babel keeps one cache per domain
        and ours is shared by every app of the process, while two apps may read different
        directories (a test's private catalogs beside the repository's)."""
        return current_app.extensions.setdefault(TRANSLATIONS_CACHE_KEY, {})

    def get_translations(self) -> NullTranslations:
        """The compiled catalog of the request's language, with the translators' live edits.

        A page asks for it once per text (a list of 20 invoices, about 150 times): a request
        looks it up once per locale (portal.locale_cache), and a saved edit reaches the next
        request.
        """
        return request_translations(self._find_translations)

    def _find_translations(self) -> NullTranslations:
        """The compiled catalog of the current locale with the live edits laid over it."""
        translations = super().get_translations()
        if not has_app_context():
            return translations
        live = current_app.extensions.get(LIVE_CATALOGS_KEY)
        locale = get_locale()
        if live is None or locale is None:
            return translations
        return live.translations(str(locale), translations)

    def gettext(self, string: str, **variables: Any) -> str:
        """Translate and format, falling back to the source."""
        translated = self.get_translations().ugettext(string)
        return format_or_fallback(translated, string, variables)

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        """Translate a plural form and format, falling back to the source."""
        variables.setdefault("num", num)
        translated = self.get_translations().ungettext(singular, plural, num)
        return format_or_fallback(translated, singular if num == 1 else plural, variables)

    def pgettext(self, context: str, string: str, **variables: Any) -> str:
        """Translate with a context and format, falling back to the source."""
        translated = self.get_translations().upgettext(context, string)
        return format_or_fallback(translated, string, variables)

    def npgettext(
        self, context: str, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        """Translate a plural form with a context, falling back to the source."""
        variables.setdefault("num", num)
        translated = self.get_translations().unpgettext(context, singular, plural, num)
        return format_or_fallback(translated, singular if num == 1 else plural, variables)


class PortalBabel(Babel):
    """Flask-Babel using the falling-back domain."""

    @cached_property
    def domain_instance(self) -> SafeDomain:
        """The message domain, built once per application."""
        return SafeDomain(domain=self.domain)
