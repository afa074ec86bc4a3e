"""Column types and defaults shared by the models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum

from portal import clock


def utc_now() -> datetime:
    """The app's current time in UTC (pinned in tests and demos), the default of every
    created/at column: what a row records agrees with every date the app computes."""
    return clock.now()


def enum_column(enum: type[StrEnum], length: int = 20, *, check: str | None = None) -> Enum:
    """A column typed with its StrEnum, stored as the members' values in a plain string;
    with `check`, the database also refuses other values (a CHECK constraint of that name)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=check is not None,
        name=check,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
