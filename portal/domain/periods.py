"""Billing periods: calendar-month arithmetic anchored on the day a term started."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from portal.domain.catalog import BillingPeriod


def add_months(anchor: date, months: int) -> date:
    """The anchor moved by whole calendar months, its day clamped to the target month."""
    month_index = anchor.year * 12 + (anchor.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """A half-open range of calendar days [start, end)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        """Refuse empty or reversed periods."""
        if self.end <= self.start:
            raise ValueError(f"a period must end after it starts: {self.start} .. {self.end}")

    @property
    def length_days(self) -> int:
        """Days in the period."""
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        """Whether the day falls inside [start, end)."""
        return self.start <= day < self.end

    def remaining_days(self, today: date) -> int:
        """Days left counting today itself; ValueError if today is outside the period."""
        if not self.contains(today):
            raise ValueError(f"{today} is outside the period {self.start} .. {self.end}")
        return (self.end - today).days


def period_at(anchor: date, period: BillingPeriod, index: int) -> Period:
    """The index-th period of a term anchored on `anchor` (index 0 starts on the anchor)."""
    months = BillingPeriod(period).months
    # Both ends come from the anchor, never from the previous end, so a term anchored on
    # the 31st returns to the 31st after a short month instead of drifting to the 28th.
    return Period(add_months(anchor, index * months), add_months(anchor, (index + 1) * months))


def period_containing(anchor: date, period: BillingPeriod, day: date) -> tuple[int, Period]:
    """The index and the period of an anchored term that contains `day` (not before anchor)."""
    if day < anchor:
        raise ValueError(f"{day} is before the anchor {anchor}")
    months = BillingPeriod(period).months
    elapsed_months = (day.year - anchor.year) * 12 + day.month - anchor.month
    index = max(elapsed_months // months, 0)
    # The month count is only an estimate once days are clamped; step to the exact period.
    while period_at(anchor, period, index).start > day:
        index -= 1
    while period_at(anchor, period, index).end <= day:
        index += 1
    return index, period_at(anchor, period, index)
