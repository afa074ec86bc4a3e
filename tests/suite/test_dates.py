"""The suite gives the same answer on any day: no test reads the machine's calendar.

Every app a test builds is pinned to the `clock` fixture (tests/clock.py), and the servers the
tests start begin at its instant (`server_clock`); a date a test computes comes from there.
`scripts/test-on-date` runs the whole suite with the machine's date moved to prove it.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent

# Reads of the machine's calendar or wall clock.
REAL_CALENDAR = re.compile(
    r"\b(?:date|datetime)\s*\.\s*(?:today|now|utcnow|fromtimestamp)\s*\("
    r"|\btime\s*\.\s*(?:time|time_ns|localtime|gmtime|ctime)\s*\("
    r"|__import__\(\s*[\"']datetime[\"']\s*\)"
)

# Where the wall clock is the point, with why.
ALLOWED = {
    # Stripe signs a webhook with the time it sends it; the stripe package checks that time
    # against the machine's clock, not the app's, so a test signs with the machine's too.
    "stripe/test_stripe_gateway.py": 1,
}


def test_no_test_reads_the_machine_s_calendar() -> None:
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(TESTS).as_posix()
        if relative == "suite/test_dates.py":
            continue
        lines = [
            f"{number}: {line.strip()}"
            for number, line in enumerate(path.read_text().splitlines(), start=1)
            if REAL_CALENDAR.search(line)
        ]
        if len(lines) > ALLOWED.get(relative, 0):
            found[relative] = lines
    assert not found, (
        f"take dates from the `clock` fixture (tests/clock.py), not the machine's calendar: {found}"
    )


def test_the_pattern_finds_what_it_looks_for() -> None:
    for line in (
        "anchor = date.today()",
        "now = datetime.now(UTC)",
        "datetime.utcnow()",
        "stamp = int(time.time())",
        'anchor=__import__("datetime").date.today()',
    ):
        assert REAL_CALENDAR.search(line), line
    for line in ("clock.today()", "app_today(app)", "time.monotonic()", "date(2026, 11, 13)"):
        assert not REAL_CALENDAR.search(line), line
