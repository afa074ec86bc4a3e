"""Live catalogs: each process lays the translators' saved edits over its compiled catalogs.

Every save raises its language's counter in `catalog_versions`. A process reads those
counters at most once every CATALOG_CHECK_SECONDS (one tiny query, shared by all requests
in that window) and rebuilds a language's overlay only when its counter moved, so a saved
edit reaches every worker on every host within that delay, with no restart and no query per
request.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from babel.support import NullTranslations
from flask import Flask, current_app
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.catalogs.store import read_catalog_file
from portal.domain.translation_checks import SourceEntry, check_translation, errors_of
from portal.domain.translation_review import Shown, customers_see
from portal.extensions import db
from portal.models import CatalogVersion, TranslationEdit
from portal.safe_gettext import LIVE_CATALOGS_KEY

log = logging.getLogger(__name__)

EXTENSION_KEY = LIVE_CATALOGS_KEY


def served_strings(edit: Any) -> list[str] | None:
    """What an edit asks of the compiled catalog: these strings, [] to drop the entry (the
    English source shows), or None to leave the compiled file's translation (the review
    state's rule: portal.domain.translation_review)."""
    seen = customers_see(edit.strings, edit.fuzzy, edit.reviewed_strings)
    if seen.shown is Shown.FILE:
        return None
    return list(seen.strings)


def overrides_for(edits: Iterable[Any]) -> dict[Any, str | None]:
    """Catalog keys as gettext looks them up, each with its text or None to drop it."""
    entries: dict[Any, str | None] = {}
    for edit in edits:
        served = served_strings(edit)
        if served is None:
            continue
        msgid = edit.msgid if edit.context is None else f"{edit.context}\x04{edit.msgid}"
        if edit.msgid_plural:
            count = max(len(edit.strings), len(served))
            for index in range(count):
                entries[(msgid, index)] = served[index] if index < len(served) else None
        else:
            entries[msgid] = served[0] if served else None
    return entries


def _overlaid(base: NullTranslations, overrides: dict[Any, str | None]) -> NullTranslations:
    """A copy of `base` whose catalog carries the overrides (None removes an entry)."""
    merged = copy.copy(base)
    catalog = dict(getattr(base, "_catalog", {}))
    for key, text in overrides.items():
        if text is None:
            catalog.pop(key, None)
        else:
            catalog[key] = text
    merged._catalog = catalog
    return merged


class LiveCatalogs:
    """One process's view of the saved edits, refreshed when the catalog version moves."""

    def __init__(self, app: Flask, check_seconds: float) -> None:
        """Remember the app and how often to look at the versions."""
        self.app = app
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._versions: dict[str, int] = {}
        # language -> (version, the base it was built on, the merged translations)
        self._built: dict[str, tuple[int, NullTranslations, NullTranslations]] = {}

    def version(self, language: str) -> int:
        """How many saves of `language` this process has taken in (0: none)."""
        self._refresh_versions()
        return self._versions.get(language, 0)

    def invalidate(self) -> None:
        """Look at the versions on the next request (this process just saved an edit)."""
        self._checked_at = float("-inf")

    def translations(self, language: str, base: NullTranslations) -> NullTranslations:
        """`base` with the saved edits of `language` laid over it."""
        self._refresh_versions()
        version = self._versions.get(language, 0)
        if version == 0:
            return base
        built = self._built.get(language)
        if built is not None and built[0] == version and built[1] is base:
            return built[2]
        with self._lock:
            built = self._built.get(language)
            if built is not None and built[0] == version and built[1] is base:
                return built[2]
            try:
                edits = self._load_edits(language)
            except SQLAlchemyError:
                log.exception("could not load the catalog edits of %s; serving the files", language)
                return built[2] if built is not None else base
            merged = _overlaid(base, overrides_for(self._fitting(language, edits)))
            self._built[language] = (version, base, merged)
            return merged

    def _refresh_versions(self) -> None:
        """Read every language's version, unless that was done less than check_seconds ago."""
        if time.monotonic() - self._checked_at < self.check_seconds:
            return
        with self._lock:
            if time.monotonic() - self._checked_at < self.check_seconds:
                return
            try:
                with db.engine.connect() as connection:
                    rows = connection.execute(
                        select(CatalogVersion.language, CatalogVersion.version)
                    ).all()
            except SQLAlchemyError:
                # The page still renders from the compiled files; try again after the delay.
                log.exception("could not read the catalog versions")
                rows = None
            if rows is not None:
                self._versions = {row.language: row.version for row in rows}
            self._checked_at = time.monotonic()

    def _fitting(self, language: str, edits: Iterable[Any]) -> list[Any]:
        """Only edits made for the sources in the catalog file that pass today's checks: after
        `pybabel update` changed an entry's plural, its old edit is shown to translators, not
        served; an edit saved before a check existed (markup, a format width) is not served
        either, the file's translation is."""
        directory = Path(self.app.config["BABEL_TRANSLATION_DIRECTORIES"])
        try:
            catalog = read_catalog_file(directory, language)
        except OSError:
            return []
        fitting = []
        for edit in edits:
            message = catalog.get(edit.msgid, context=edit.context)
            if message is None:
                continue
            plural = message.id[1] if message.pluralizable else None
            if (edit.msgid_plural or None) != (plural or None):
                continue
            formatted = "python-format" in message.flags
            source = SourceEntry(edit.msgid, edit.msgid_plural or None, python_format=formatted)
            served = served_strings(edit)
            if served and errors_of(check_translation(source, served, catalog.num_plurals)):
                log.warning("the %s edit of %r fails the checks; not served", language, edit.msgid)
                continue
            fitting.append(edit)
        return fitting

    def _load_edits(self, language: str) -> Sequence[Any]:
        """The saved edits of `language` as rows named like the model, on their own connection."""
        with db.engine.connect() as connection:
            return connection.execute(
                select(
                    TranslationEdit.context,
                    TranslationEdit.msgid,
                    TranslationEdit.msgid_plural,
                    TranslationEdit.strings,
                    TranslationEdit.fuzzy,
                    TranslationEdit.reviewed_strings,
                ).where(TranslationEdit.language == language)
            ).all()


def live_catalogs() -> LiveCatalogs | None:
    """This app's live catalogs, or None when LIVE_CATALOGS is off."""
    return current_app.extensions.get(EXTENSION_KEY)


def catalog_version() -> int:
    """The version of the request language's edits being served: put it in the key of any
    cache of rendered, translated text, or a saved edit never reaches the cached copies."""
    live = live_catalogs()
    locale = get_locale()
    if live is None or locale is None:
        return 0
    return live.version(str(locale))


def init_app(app: Flask) -> None:
    """Turn the live layer on unless the settings switch it off."""
    if app.config.get("LIVE_CATALOGS", True):
        app.extensions[EXTENSION_KEY] = LiveCatalogs(
            app, float(app.config.get("CATALOG_CHECK_SECONDS", 3.0))
        )
