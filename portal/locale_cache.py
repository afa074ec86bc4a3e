"""What a request looked up for its language, kept until the request ends: the locale, its
name and its message catalog.

A list page asks for them once per text, date and amount (an invoices page of 20 rows, about
300 times). Asked plainly, Flask-Babel answers through three context-local proxies and Babel
builds the locale's name anew each time: about a quarter of such a page's time.

What is kept lives on the request object (not on `g`: an app context that a test or a CLI
command pushed outlives the requests made inside it), keyed by the locale object itself:
`force_locale` (a document drawn in its own language) makes a new one, so a forced locale is
looked up anew. A new request starts empty, so a translator's saved edit reaches the next
request. Outside a request (a CLI run, a test's app context) nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from babel import Locale
from flask import Request, g, has_app_context, has_request_context, request
from flask_babel import get_locale
from werkzeug.local import LocalProxy

T = TypeVar("T")

# Where Flask-Babel keeps its request state on `g`, and the locale in it. Read directly, it
# spares get_locale()'s proxies on every text; tests/web/test_locale_cache.py fails should a
# Flask-Babel release keep it elsewhere (current_locale() would then only be slower).
_FLASK_BABEL_STATE = "_flask_babel"
_FLASK_BABEL_LOCALE = "babel_locale"
_KEPT = "portal_locale_cache"


def current_locale() -> Locale | None:
    """What flask_babel.get_locale() answers, read from Flask-Babel's state once it is known."""
    if has_app_context():
        state = getattr(g._get_current_object(), _FLASK_BABEL_STATE, None)
        locale = getattr(state, _FLASK_BABEL_LOCALE, None)
        if locale is not None:
            return locale
    return get_locale()


def _kept_for(locale: Locale | None) -> dict[str, Any] | None:
    """The request's values for `locale` (a fresh dict for a new locale), or None outside a
    request."""
    if not has_request_context():
        return None
    # The object behind the proxy (Flask's documented way to it): attributes on it are read
    # without the proxy's cost on every text.
    current_request = cast("LocalProxy[Request]", request)._get_current_object()
    kept = getattr(current_request, _KEPT, None)
    if kept is None or kept[0] is not locale:
        kept = (locale, {})
        setattr(current_request, _KEPT, kept)
    return kept[1]


def current_locale_name() -> str:
    """`str(current_locale())`, worked out once per request and locale."""
    locale = current_locale()
    kept = _kept_for(locale)
    if kept is None:
        return str(locale)
    name = kept.get("name")
    if name is None:
        name = kept["name"] = str(locale)
    return name


def request_translations(find: Callable[[], T]) -> T:
    """The catalog `find()` gives for the current locale, looked up once per request and locale."""
    kept = _kept_for(current_locale())
    if kept is None:
        return find()
    translations = kept.get("translations")
    if translations is None:
        translations = kept["translations"] = find()
    return translations
