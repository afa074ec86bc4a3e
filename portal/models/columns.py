"""Column defaults shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Current time in UTC, the default of every created/at column."""
    return datetime.now(UTC)
