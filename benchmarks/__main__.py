"""Every row of the performance table in one run: `python -m benchmarks`.

Each row prints its goal, the median of alternating rounds with their range, and the
baseline it is compared with, measured in the same run. Databases are throw-away (a SQLite
file; a PostgreSQL database on the test server, skipped when it does not answer). The renewal
run's rows come from `benchmarks.renewal_run` when that module is present.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time

from benchmarks import pages, web_load
from benchmarks.harness import ROOT, TABLE_HEAD, database, postgresql_available, print_row, seed

ROWS = ("summary", "health", "queries", "first-load", "invoices", "backoffice", "memory", "renewal")


def machine() -> str:
    """CPU count and model, memory: the numbers only mean something with these."""
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({model}), {total_kib / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}, load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} at start"
    )


def selected_rows(text: str | None) -> set[str]:
    """The rows named by --only (comma-separated), or all of them."""
    if not text:
        return set(ROWS)
    chosen = {name.strip() for name in text.split(",") if name.strip()}
    unknown = chosen - set(ROWS)
    if unknown:
        raise SystemExit(f"unknown rows: {', '.join(sorted(unknown))}; known: {', '.join(ROWS)}")
    return chosen


def main() -> None:
    """Seed, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per wrk round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per row")
    parser.add_argument("--requests", type=int, default=10_000, help="for the memory row")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--only", metavar="ROWS", help=f"comma-separated rows to run, of: {', '.join(ROWS)}"
    )
    args = parser.parse_args()
    rows = selected_rows(args.only)

    began = time.monotonic()
    print(machine())
    kinds = ["sqlite"]
    if not args.sqlite_only:
        if postgresql_available():
            kinds.append("postgresql")
        else:
            print("PostgreSQL does not answer: its rows are skipped")
    print(TABLE_HEAD, flush=True)
    for kind in kinds:
        with database(kind) as url:
            ids = seed(url)
            if "summary" in rows:
                print_row(web_load.summary_row(kind, url, args.seconds, args.rounds))
                print_row(pages.summary_parts_row(kind, url, args.rounds))
            if kind == "sqlite" and "health" in rows:
                for row in web_load.health_row(url, args.seconds, args.rounds):
                    print_row(row)
            if "queries" in rows:
                print_row(pages.queries_row(kind, url))
                if kind == "postgresql":
                    print_row(pages.round_trips_row(url))
            if kind == "sqlite" and "first-load" in rows:
                print_row(pages.first_load_row(url))
            if "invoices" in rows:
                print_row(pages.invoices_row(kind, url, args.rounds))
            if "backoffice" in rows:
                print_row(pages.backoffice_row(kind, url, args.rounds))
            if kind == "sqlite" and "memory" in rows:
                print_row(web_load.memory_row(url, ids, args.requests))
    if "renewal" in rows and importlib.util.find_spec("benchmarks.renewal_run") is not None:
        subprocess.run([sys.executable, "-m", "benchmarks.renewal_run"], cwd=ROOT, check=False)
    load = os.getloadavg()
    print(
        f"(took {time.monotonic() - began:.0f} s; load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} at the end)"
    )


if __name__ == "__main__":
    main()
