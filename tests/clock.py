"""The one clock every test reads: the app's pinned now and today, never the machine's calendar.

Every app a test builds is pinned to `clock` (13 November 2026, 10:00 UTC, unless a test module
overrides the `clock` fixture); a test that needs a date takes it from that clock, so the suite
gives the same answer on any day the machine runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import Flask

from portal import clock as portal_clock

# 18 of 30 days left in a monthly period started on 1 November.
PINNED_NOW = datetime(2026, 11, 13, 10, 0, tzinfo=UTC)
PINNED_TODAY = PINNED_NOW.date()


@dataclass
class Clock:
    """Now, as the app sees it; tests move it instead of sleeping."""

    moment: datetime = PINNED_NOW

    def __call__(self) -> datetime:
        """The pinned instant (the app's `NOW`)."""
        return self.moment

    def today(self) -> date:
        """The pinned calendar day in UTC (the app's `TODAY`)."""
        return self.moment.date()

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.moment += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        """Jump to another instant."""
        self.moment = moment


def clock_on(day: date, hour: int = 10) -> Clock:
    """A clock pinned to `day` at `hour`:00 UTC."""
    return Clock(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def app_today(app: Flask) -> date:
    """The day `app` is pinned to, as its own code reads it."""
    with app.app_context():
        return portal_clock.today()


def app_now(app: Flask) -> datetime:
    """The instant `app` is pinned to, as its own code reads it."""
    with app.app_context():
        return portal_clock.now()


def server_clock(clock: Clock) -> dict[str, str]:
    """The environment that starts a test server's (or command's) clock at `clock`'s instant;
    it runs on from there (PORTAL_ENV=testing only)."""
    return {"PORTAL_CLOCK_START": clock().isoformat()}
