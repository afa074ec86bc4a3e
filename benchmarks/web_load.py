"""Rows measured with wrk against gunicorn: summary cache misses, /health, memory per worker."""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import (
    ACCEPT_ENCODING,
    BIG,
    SMALL,
    SUMMARY_CUSTOMERS,
    WORKERS,
    Load,
    Row,
    Server,
    Spread,
    alternate,
    gunicorn,
    http_sign_in,
    summary_email,
    tiny_servers,
    wrk,
)

MIB = 1024 * 1024
# Issue 27's goals: a summary drawn anew ÷ a bare Flask app under the same gunicorn settings.
SUMMARY_MISS_GOALS = {"sqlite": 0.30, "postgresql": 0.25}
# A "miss" row whose requests hit the cache measures the cache: nearly all must be misses.
MISS_SHARE_GOAL = 0.99
MEMORY_GOAL_MIB = 100
GROWTH_GOAL_MIB = 10
SUMMARY_CACHE_KEPT = 2048  # portal.wizard.summary_cache.KEPT, each worker's


def summary_row(kind: str, url: str, seconds: float, rounds: int) -> Row:
    """Summary fragment rps with a new selection per request ÷ a bare Flask hello app under
    the same gunicorn settings, in alternating rounds (/health, answered by WSGI middleware
    before Flask, is printed beside it, no longer the baseline).

    The portal's Server-Timing says whether each summary was drawn or came from its cache:
    the row counts both and fails when fewer than MISS_SHARE_GOAL were misses.
    """
    with (
        gunicorn("wsgi:app", {"DATABASE_URL": url}) as server,
        gunicorn("benchmarks.hello_app:app") as hello,
    ):
        cookies = [http_sign_in(server.port, summary_email(i)) for i in range(SUMMARY_CUSTOMERS)]
        # Each run goes on where the last stopped: no (customer, selection) asked twice.
        asked = [0]
        cache = {"hits": 0, "misses": 0}

        def summary() -> float:
            load = wrk(
                server.port,
                "/",
                seconds,
                script="summary_misses.lua",
                script_args=(str(asked[0]), *cookies),
            )
            if load.errors:
                raise RuntimeError(f"{load.errors} summary requests failed")
            asked[0] += load.requests + 4 * 2  # and the requests wrk cut short at the end
            cache["hits"] += load.cache_hits
            cache["misses"] += load.cache_misses
            return load.rps

        wrk(server.port, "/health", 1)  # warm-up
        wrk(hello.port, "/", 1)
        summary()
        summaries, health, bare = alternate(
            rounds,
            summary,
            lambda: wrk(server.port, "/health", seconds, cookie=cookies[0]).rps,
            lambda: wrk(hello.port, "/", seconds).rps,
        )
    versus_hello = Spread(tuple(s / b for s, b in zip(summaries.values, bare.values, strict=True)))
    versus_health = Spread(
        tuple(s / h for s, h in zip(summaries.values, health.values, strict=True))
    )
    counted = cache["hits"] + cache["misses"]
    miss_share = cache["misses"] / counted if counted else 0.0
    goal = SUMMARY_MISS_GOALS[kind]
    return Row(
        f"summary fragment, cache miss (new selection per request), rps ÷ bare Flask hello "
        f"app rps ({kind})",
        f"≥ {goal:.2f}",
        versus_hello.text(),
        f"summary {summaries.text(0)} rps, bare Flask {bare.text(0)} rps; ÷ /health "
        f"{versus_health.text()} (/health {health.text(0)} rps)",
        versus_hello.median >= goal and miss_share >= MISS_SHARE_GOAL,
        [
            f"misses counted from the portal's Server-Timing: {cache['misses']} of {counted} "
            f"summaries ({100 * miss_share:.1f} %; the row needs ≥ {100 * MISS_SHARE_GOAL:.0f} "
            "%), each run going on where the last stopped",
            f"every request sends Accept-Encoding: {ACCEPT_ENCODING}",
        ],
    )


def health_row(url: str, seconds: float, rounds: int) -> list[Row]:
    """/health ÷ a bare Flask app under the same gunicorn settings, and wrk's own ceiling."""
    with (
        gunicorn("wsgi:app", {"DATABASE_URL": url}) as portal,
        gunicorn("benchmarks.hello_app:app") as hello,
        tiny_servers() as tiny_port,
    ):
        cookie = http_sign_in(portal.port, SMALL)
        for port in (portal.port, hello.port, tiny_port):
            wrk(port, "/", 1)
        health, bare, ceiling, signed_in = alternate(
            rounds,
            lambda: wrk(portal.port, "/health", seconds).rps,
            lambda: wrk(hello.port, "/", seconds).rps,
            lambda: wrk(tiny_port, "/", seconds).rps,
            lambda: wrk(portal.port, "/health", seconds, cookie=cookie).rps,
        )
    ratio = Spread(tuple(h / b for h, b in zip(health.values, bare.values, strict=True)))
    with_cookie = Spread(tuple(h / b for h, b in zip(signed_in.values, bare.values, strict=True)))
    headroom = Spread(tuple(c / b for c, b in zip(ceiling.values, bare.values, strict=True)))
    return [
        Row(
            f"/health rps ÷ bare Flask hello app rps, gunicorn -w {WORKERS} sync",
            "≥ 0.8",
            ratio.text(),
            f"/health {health.text(0)} rps, hello {bare.text(0)} rps; "
            f"with a session cookie {with_cookie.text()}",
            ratio.median >= 0.8,
        ),
        Row(
            "load generator not the bottleneck: wrk against a fixed asyncio answer ÷ hello app",
            "> 1",
            headroom.text(),
            f"wrk reaches {ceiling.text(0)} rps",
            headroom.median > 1,
        ),
    ]


def _memory(pid: int) -> dict[str, int]:
    """A process's resident memory in bytes: RSS, PSS (shared pages divided among the
    processes sharing them) and USS (its private pages, what ending it would free)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) * 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "uss": fields["Private_Clean"] + fields["Private_Dirty"],
    }


def _mib(values: list[int]) -> str:
    """Byte counts as MiB, comma-separated."""
    return ", ".join(f"{value / MIB:.1f}" for value in values)


def memory_row(url: str, ids: dict[str, int], requests: int) -> Row:
    """RSS of each gunicorn worker after a warm-up, after `requests` mixed requests, and after
    as many again: the largest worker, and what the second run added.

    Every other request is a summary for a selection never asked before (several customers),
    so each worker's 2048-entry summary cache fills and turns over; every 25th a PDF never
    drawn before. The portal's Server-Timing says what was drawn: the row prints it and
    fails when the cache could not have filled or no PDF was drawn.

    gunicorn runs without --preload (as the README serves it), so each worker imports the
    app itself after the fork: little is shared, and RSS, PSS and USS stay close; all three
    are printed. A worker that was restarted during the run would make the growth
    meaningless, so the row checks the workers are the same processes throughout.
    """
    with gunicorn("wsgi:app", {"DATABASE_URL": url}) as server:
        cookie = http_sign_in(server.port, SMALL)
        pdf_cookie = http_sign_in(server.port, BIG)
        summary_cookies = [http_sign_in(server.port, summary_email(i)) for i in range(3)]
        pdf_ids = ",".join(str(number) for number in _undrawn_invoices(url, ids["big_account"]))
        static = _static_paths(server)
        made = [0]

        def run(count: int, seconds: float) -> Load:
            load = wrk(
                server.port,
                "/",
                seconds,
                script="mixed.lua",
                script_args=(
                    str(count),
                    str(made[0]),
                    cookie,
                    str(ids["small_invoice"]),
                    pdf_cookie,
                    pdf_ids,
                    str(len(summary_cookies)),
                    *summary_cookies,
                    *static,
                ),
                stop_line="limit reached",
            )
            made[0] += count + 8
            return load

        workers = sorted(server.worker_pids())
        booted = [_memory(pid) for pid in workers]
        run(500, 120)
        warm = [_memory(pid) for pid in workers]
        first = run(requests, 900)
        after_first = [_memory(pid) for pid in workers]
        second = run(requests, 900)
        restarted = sorted(server.worker_pids()) != workers
        after = [_memory(pid) for pid in sorted(server.worker_pids())]
    rss = [memory["rss"] for memory in after]
    growth = max(a["rss"] - f["rss"] for a, f in zip(after, after_first, strict=True))
    misses = first.cache_misses + second.cache_misses
    drawn = first.pdfs_drawn + second.pdfs_drawn
    filled = misses >= SUMMARY_CACHE_KEPT * WORKERS
    return Row(
        f"memory per worker after 2 × {requests} mixed requests with PDFs (largest worker), "
        "growth over the second run",
        f"≤ {MEMORY_GOAL_MIB} MiB, growth ≤ {GROWTH_GOAL_MIB} MiB",
        f"RSS {max(rss) / MIB:.1f} MiB, +{growth / MIB:.1f} MiB",
        f"RSS after boot {_mib([m['rss'] for m in booted])} MiB, after 500 requests "
        f"{_mib([m['rss'] for m in warm])}, after the first run "
        f"{_mib([m['rss'] for m in after_first])}, after the second {_mib(rss)}; "
        f"PSS {_mib([m['pss'] for m in after])}, USS {_mib([m['uss'] for m in after])} MiB"
        + ("; A WORKER WAS RESTARTED" if restarted else ""),
        max(rss) <= MEMORY_GOAL_MIB * MIB
        and growth <= GROWTH_GOAL_MIB * MIB
        and not restarted
        and filled
        and drawn > 0,
        [
            f"summaries drawn (cache misses): {misses}, from the cache: "
            f"{first.cache_hits + second.cache_hits}; each worker keeps {SUMMARY_CACHE_KEPT}, "
            f"so {WORKERS} workers fill with {SUMMARY_CACHE_KEPT * WORKERS}"
            + ("" if filled else " (NOT FILLED: more requests needed)"),
            f"PDFs drawn during the runs: {drawn}, stored ones served: "
            f"{first.pdfs_stored + second.pdfs_stored}",
        ],
    )


def _undrawn_invoices(url: str, account_id: int, count: int = 2000) -> list[int]:
    """Ids of the account's invoices whose PDF was never drawn (the big customer's)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id FROM invoices WHERE account_id = :account AND id NOT IN "
                    "(SELECT invoice_id FROM invoice_pdfs) ORDER BY id LIMIT :count"
                ),
                {"account": account_id, "count": count},
            ).all()
    finally:
        engine.dispose()
    return [row.id for row in rows]


def _static_paths(server: Server) -> list[str]:
    """The stylesheet and script URLs the sign-in page links (whatever their form)."""
    import http.client
    import re

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/login")
    body = connection.getresponse().read().decode()
    connection.close()
    return re.findall(r'(?:href|src)="(/(?:static|vendor)/[^"]+)"', body)
