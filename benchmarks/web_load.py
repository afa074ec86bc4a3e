"""Rows measured with wrk against gunicorn: summary cache misses, /health, memory per worker."""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import (
    SMALL,
    SUMMARY_CUSTOMERS,
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


def summary_row(kind: str, url: str, seconds: float, rounds: int) -> Row:
    """Summary fragment rps with a new selection per request, ÷ /health rps, alternating."""
    with gunicorn("wsgi:app", {"DATABASE_URL": url}) as server:
        cookies = [http_sign_in(server.port, summary_email(i)) for i in range(SUMMARY_CUSTOMERS)]
        offsets = iter(range(0, 10**9, 100_003))
        summary_rps: list[float] = []
        health_rps: list[float] = []

        def summary() -> float:
            load = wrk(
                server.port,
                "/",
                seconds,
                script="summary_misses.lua",
                script_args=(str(next(offsets)), *cookies),
            )
            if load.errors:
                raise RuntimeError(f"{load.errors} summary requests failed")
            summary_rps.append(load.rps)
            return load.rps

        def health() -> float:
            load = wrk(server.port, "/health", seconds, cookie=cookies[0])
            health_rps.append(load.rps)
            return load.rps

        wrk(server.port, "/health", 1)  # warm-up
        alternate(1, summary)
        summary_rps.clear()
        ratios = [s / h for s, h in zip(*_paired(rounds, summary, health), strict=True)]
    spread = Spread(tuple(ratios))
    return Row(
        f"summary fragment, new selection per request, rps ÷ /health rps ({kind})",
        "≥ 0.5",
        spread.text(),
        f"summary {Spread(tuple(summary_rps)).text(0)} rps, "
        f"/health {Spread(tuple(health_rps)).text(0)} rps",
        spread.median >= 0.5,
    )


def _paired(rounds: int, first, second) -> tuple[list[float], list[float]]:
    """Alternating rounds of two measures, their values paired by round."""
    a, b = alternate(rounds, first, second)
    return list(a.values), list(b.values)


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
            "/health rps ÷ bare Flask hello app rps, gunicorn -w 2 sync",
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


def _rss(pid: int) -> int:
    """Resident set size of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(pid)


def memory_row(url: str, ids: dict[str, int], requests: int) -> Row:
    """RSS of each gunicorn worker after a warm-up and after `requests` mixed requests."""
    with gunicorn("wsgi:app", {"DATABASE_URL": url}) as server:
        cookie = http_sign_in(server.port, SMALL)
        static = _static_paths(server)
        args = (cookie, str(ids["small_invoice"]), *static)
        booted = max(_rss(pid) for pid in server.worker_pids())
        wrk(server.port, "/", 120, script="mixed.lua", script_args=("500", *args))
        warm = [_rss(pid) for pid in server.worker_pids()]
        wrk(server.port, "/", 600, script="mixed.lua", script_args=(str(requests), *args))
        after = [_rss(pid) for pid in server.worker_pids()]
    growth = max(a - w for a, w in zip(after, warm, strict=True))
    return Row(
        f"memory per worker after {requests} mixed requests (largest worker), growth",
        "≤ 80 MiB, growth ≤ 10 MiB",
        f"{max(after) / MIB:.1f} MiB, +{growth / MIB:.1f} MiB",
        f"after boot {booted / MIB:.1f} MiB; after 500 requests "
        f"{', '.join(f'{w / MIB:.1f}' for w in warm)} MiB",
        max(after) <= 80 * MIB and growth <= 10 * MIB,
    )


def _static_paths(server: Server) -> list[str]:
    """The stylesheet and script URLs the sign-in page links (whatever their form)."""
    import http.client
    import re

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/login")
    body = connection.getresponse().read().decode()
    connection.close()
    return re.findall(r'(?:href|src)="(/(?:static|vendor)/[^"]+)"', body)
