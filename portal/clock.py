"""Today's date in UTC, which tests and demos can pin through the app config."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, has_app_context


def today() -> date:
    """The calendar day in UTC, or the `TODAY` the app was configured with."""
    if has_app_context():
        pinned = current_app.config.get("TODAY")
        if pinned is not None:
            return pinned() if callable(pinned) else pinned
    return datetime.now(UTC).date()
