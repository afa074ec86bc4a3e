"""The current time in UTC, which tests and demos can pin through the app config."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from flask import current_app, has_app_context


def _pinned(key: str) -> object | None:
    """A pinned value (or a callable giving one) from the app config."""
    if not has_app_context():
        return None
    value = current_app.config.get(key)
    return value() if callable(value) else value


def now() -> datetime:
    """The current instant in UTC, or the `NOW` the app was configured with."""
    pinned = _pinned("NOW")
    return pinned if isinstance(pinned, datetime) else datetime.now(UTC)


def today() -> date:
    """The calendar day in UTC, or the `TODAY` the app was configured with."""
    pinned = _pinned("TODAY")
    return pinned if isinstance(pinned, date) else now().date()


def as_utc(moment: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite gives them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def pinned(moment: datetime) -> Iterator[None]:
    """Run a block as if it were `moment` (the demo's past purchases); then as before."""
    config = current_app.config
    saved = {key: config.get(key) for key in ("NOW", "TODAY")}
    config["NOW"], config["TODAY"] = moment, moment.date()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value


def running_from(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at `start` and runs at the machine's pace (a test server's `NOW`)."""
    started = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - started)
