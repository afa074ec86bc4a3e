"""The payment summary fragment as drawn for a breakdown, kept per app for the next keystroke.

The fragment is a pure function of the breakdown's figures, the language and the catalog's
edits, and the wizard asks for it on every keystroke with the same figures coming back often
(5 agents, then 3 again). A saved translation gives the language a new catalog version, so
copies drawn before it are never served again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g

from portal.catalogs.live import catalog_version
from portal.domain.breakdown_codec import breakdown_fingerprint
from portal.domain.pricing import PriceBreakdown
from portal.locale_cache import current_locale_name

EXTENSION_KEY = "summary_cache"
KEPT = 2048

SummaryKey = tuple[str, str, int]


class SummaryCache:
    """Drawn fragments by (breakdown fingerprint, language, catalog version); the oldest go
    once more than `kept` are held. Safe to share between threads."""

    def __init__(self, kept: int = KEPT) -> None:
        """An empty cache holding at most `kept` fragments."""
        self.kept = kept
        self._drawn: OrderedDict[SummaryKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many fragments are held."""
        return len(self._drawn)

    def get_or_draw(self, key: SummaryKey, draw: Callable[[], str]) -> str:
        """The fragment kept under `key`, else `draw()` kept under it."""
        with self._lock:
            html = self._drawn.get(key)
        if html is None:
            html = draw()
            with self._lock:
                self._drawn[key] = html
                if len(self._drawn) > self.kept:
                    self._drawn.popitem(last=False)
        return html


def summary_key(breakdown: PriceBreakdown) -> SummaryKey:
    """What the fragment of `breakdown` depends on besides the app: its figures, the request's
    language and the version of that language's saved edits."""
    return breakdown_fingerprint(breakdown), current_locale_name(), catalog_version()


def app_summary_cache() -> SummaryCache:
    """The current app's cache (each app draws with its own templates and catalogs)."""
    cache = current_app.extensions.get(EXTENSION_KEY)
    if cache is None:
        cache = current_app.extensions.setdefault(EXTENSION_KEY, SummaryCache())
    return cache


def cached_summary(breakdown: PriceBreakdown, draw: Callable[[], str]) -> str:
    """The summary fragment of `breakdown`, drawn by `draw()` the first time it is asked for;
    `summary_cache_result()` then says whether this request drew it."""
    drawn = False

    def counted() -> str:
        nonlocal drawn
        drawn = True
        return draw()

    html = app_summary_cache().get_or_draw(summary_key(breakdown), counted)
    g.summary_cache_result = "miss" if drawn else "hit"
    return html


def summary_cache_result() -> str | None:
    """ "hit" or "miss" once this request asked the cache for a summary, else None."""
    return g.get("summary_cache_result")
