"""Column types and defaults shared by the models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum
from sqlalchemy.orm import QueryableAttribute

from portal import clock

# A buyer's purchase-order number: 35 characters, UN/EDIFACT's length for a reference.
# (FatturaPA's IdDocumento holds 20: an e-invoice writer must place a longer one itself.)
PURCHASE_ORDER_LENGTH = 35


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


def max_length(attribute: QueryableAttribute[Any]) -> int:
    """The length of a model's string column (`max_length(User.email)`): what a form accepts
    and a stored text is cut to, written once, on the column."""
    length = getattr(attribute.property.columns[0].type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{attribute} is not a string column with a length")
    return length
