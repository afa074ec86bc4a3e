"""Billing periods: calendar months anchored on the start day, half-open ranges."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.catalog import BillingPeriod
from portal.domain.periods import Period, add_months, period_at, period_containing


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 1, 31), 2, date(2025, 3, 31)),
        (date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 5, 10), 0, date(2025, 5, 10)),
    ],
)
def test_add_months_clamps_the_day(anchor: date, months: int, expected: date) -> None:
    """The anchor's day is kept where the month has it and clamped where it does not."""
    assert add_months(anchor, months) == expected


def test_monthly_periods_anchored_on_the_31st_come_back_to_the_31st() -> None:
    """Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 -> May 31: computed from the anchor, no drift."""
    anchor = date(2025, 1, 31)
    starts = [period_at(anchor, BillingPeriod.MONTHLY, index).start for index in range(5)]
    assert starts == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]
    assert period_at(anchor, BillingPeriod.MONTHLY, 1) == Period(
        date(2025, 2, 28), date(2025, 3, 31)
    )


def test_leap_year_february_is_29_days_long() -> None:
    """A monthly term from Jan 31 2024 runs to Feb 29, a 29-day period."""
    first = period_at(date(2024, 1, 31), BillingPeriod.MONTHLY, 0)
    assert first == Period(date(2024, 1, 31), date(2024, 2, 29))
    assert first.length_days == 29


def test_annual_periods_from_february_29() -> None:
    """Feb 29 -> Feb 28 in common years, back to Feb 29 in the next leap year."""
    anchor = date(2024, 2, 29)
    periods = [period_at(anchor, BillingPeriod.ANNUAL, index) for index in range(5)]
    assert [period.start for period in periods] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    assert periods[0].length_days == 365
    assert periods[3].length_days == 366


def test_period_is_half_open() -> None:
    """The start day belongs to the period, the end day to the next one."""
    period = Period(date(2025, 4, 1), date(2025, 5, 1))
    assert period.length_days == 30
    assert period.contains(date(2025, 4, 1))
    assert period.contains(date(2025, 4, 30))
    assert not period.contains(date(2025, 5, 1))
    assert not period.contains(date(2025, 3, 31))


def test_remaining_days_count_today() -> None:
    """The first day leaves the whole period, the last day leaves one day."""
    period = Period(date(2025, 4, 1), date(2025, 5, 1))
    assert period.remaining_days(date(2025, 4, 1)) == period.length_days
    assert period.remaining_days(date(2025, 4, 13)) == 18
    assert period.remaining_days(date(2025, 4, 30)) == 1


@pytest.mark.parametrize("day", [date(2025, 5, 1), date(2025, 3, 31), date(2026, 1, 1)])
def test_remaining_days_outside_the_period_are_refused(day: date) -> None:
    """A day outside [start, end) has no remaining days."""
    with pytest.raises(ValueError, match="outside"):
        Period(date(2025, 4, 1), date(2025, 5, 1)).remaining_days(day)


def test_empty_or_reversed_period_is_refused() -> None:
    """A period must end after it starts."""
    with pytest.raises(ValueError):
        Period(date(2025, 4, 1), date(2025, 4, 1))
    with pytest.raises(ValueError):
        Period(date(2025, 4, 2), date(2025, 4, 1))


@pytest.mark.parametrize(
    ("day", "index", "start", "end"),
    [
        (date(2025, 1, 31), 0, date(2025, 1, 31), date(2025, 2, 28)),
        (date(2025, 2, 27), 0, date(2025, 1, 31), date(2025, 2, 28)),
        (date(2025, 2, 28), 1, date(2025, 2, 28), date(2025, 3, 31)),
        (date(2025, 3, 30), 1, date(2025, 2, 28), date(2025, 3, 31)),
        (date(2025, 3, 31), 2, date(2025, 3, 31), date(2025, 4, 30)),
        (date(2025, 5, 1), 3, date(2025, 4, 30), date(2025, 5, 31)),
    ],
)
def test_period_containing_a_day(day: date, index: int, start: date, end: date) -> None:
    """The period holding a day, with its index, on a term anchored on the 31st."""
    assert period_containing(date(2025, 1, 31), BillingPeriod.MONTHLY, day) == (
        index,
        Period(start, end),
    )


def test_period_containing_a_day_before_the_anchor_is_refused() -> None:
    """No period of a term exists before it started."""
    with pytest.raises(ValueError, match="before the anchor"):
        period_containing(date(2025, 1, 31), BillingPeriod.MONTHLY, date(2025, 1, 30))


@settings(database=None, deadline=None)
@given(
    anchor=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    offset=st.integers(min_value=0, max_value=3000),
    period=st.sampled_from(list(BillingPeriod)),
)
def test_period_containing_agrees_with_period_at(
    anchor: date, offset: int, period: BillingPeriod
) -> None:
    """Periods tile the calendar without gaps: every day is in exactly the indexed one."""
    day = anchor + timedelta(days=offset)
    index, found = period_containing(anchor, period, day)
    assert found == period_at(anchor, period, index)
    assert found.contains(day)
    if index > 0:
        assert period_at(anchor, period, index - 1).end == found.start
