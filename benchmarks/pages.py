"""Rows measured in process with the test client: SQL per page, bytes, big lists' latency."""

from __future__ import annotations

import gzip
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.harness import (
    BACKOFFICE_ACCOUNTS,
    BIG,
    BIG_INVOICES,
    ONE_PAGE,
    ONE_PAGE_INVOICES,
    SMALL,
    STAFF,
    SUMMARY_CUSTOMERS,
    Row,
    Spread,
    alternate,
    client_sign_in,
    make_app,
    summary_email,
)

PAGES = {
    "My package": "/package",
    "wizard plan": "/package/edit?plan=pro&period=monthly&currency=EUR&agents=4&packs=1",
    "wizard quantities": "/package/edit/quantities?plan=pro&period=monthly&currency=EUR&agents=4",
    "wizard payment": "/package/edit/payment?plan=pro&period=monthly&currency=EUR&agents=4&packs=1",
    "seats": "/package/edit/seats",
    "invoices": "/billing/invoices/",
}


def count_statements(
    app: Any, client: Any, path: str, headers: dict[str, str] | None = None
) -> list[str]:
    """The SQL statements one request to `path` sends (after a warm-up request)."""
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    client.get(path, headers=headers)
    statements: list[str] = []

    def listener(*args: Any) -> None:
        statements.append(" ".join(args[2].split()))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (path, response.status_code)
    return statements


def queries_row(kind: str, url: str) -> Row:
    """SQL statements per customer page."""
    app = make_app(url)
    client = app.test_client()
    client_sign_in(client, SMALL)
    counts = {name: len(count_statements(app, client, path)) for name, path in PAGES.items()}
    summary = len(
        count_statements(
            app,
            client,
            PAGES["wizard quantities"].replace("quantities", "summary"),
            {"HX-Request": "true"},
        )
    )
    worst = max(counts.values())
    return Row(
        f"SQL queries per page ({kind})",
        "≤ 2",
        ", ".join(f"{name} {count}" for name, count in counts.items()),
        f"summary fragment {summary}",
        worst <= 2,
    )


# Signed-in GET pages whose round trips to PostgreSQL issue 27 counts (≤ 2 each).
SIGNED_IN_GETS = {
    **PAGES,
    "the / redirect": "/",
    "summary fragment": PAGES["wizard quantities"].replace("quantities", "summary"),
    "billing activity": "/billing/activity",
    "quotes": "/quotes",
    "payment methods": "/billing/payment-methods/",
}
ROUND_TRIP_GOAL = 2


def round_trips_row(url: str) -> Row:
    """Round trips per signed-in GET, counted where PostgreSQL receives them (a relay in
    front of the server reads every message: BEGIN, ROLLBACK and each batch count)."""
    from benchmarks.wire import counting_relay

    with counting_relay(url) as (relayed, recorder):
        app = make_app(relayed)
        client = app.test_client()
        client_sign_in(client, SMALL)
        found: dict[str, list[str]] = {}
        for name, path in SIGNED_IN_GETS.items():
            headers = {"HX-Request": "true"} if name == "summary fragment" else None
            client.get(path, headers=headers)  # warm-up: caches filled as in use
            recorder.take()
            response = client.get(path, headers=headers)
            assert response.status_code in (200, 302), (path, response.status_code)
            found[name] = [trip.short() for trip in recorder.take()]
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
    worst = max(len(trips) for trips in found.values())
    return Row(
        "round trips per signed-in GET (postgresql), counted at the server's socket",
        f"≤ {ROUND_TRIP_GOAL} on every page",
        ", ".join(f"{name} {len(trips)}" for name, trips in found.items()),
        "BEGIN, ROLLBACK and each statement batch counted",
        worst <= ROUND_TRIP_GOAL,
        [f"{name}: {' | '.join(trips) or 'none'}" for name, trips in found.items()],
    )


def _wire_bytes(response: Any) -> int:
    """Status line, headers and body as they travel."""
    head = sum(len(f"{name}: {value}\r\n") for name, value in response.headers.items())
    return len("HTTP/1.1 200 OK\r\n\r\n") + head + len(response.get_data())


def first_load_row(url: str) -> Row:
    """Bytes on the wire for a first visit to My package: the page and what it links."""
    app = make_app(url)
    client = app.test_client()
    client_sign_in(client, SMALL)
    encodings = {"Accept-Encoding": "gzip, deflate, br"}
    page = client.get("/package", headers=encodings)
    assert page.status_code == 200, page.status_code
    html = page.get_data()
    if page.headers.get("Content-Encoding") == "gzip":
        html = gzip.decompress(html)
    elif page.headers.get("Content-Encoding") == "br":
        import brotli

        html = brotli.decompress(html)
    assets = re.findall(rb'(?:href|src)="(/(?:static|vendor)/[^"]+)"', html)
    total = _wire_bytes(page)
    plain = len(html)
    notes = []
    cached = []
    for asset in dict.fromkeys(a.decode() for a in assets):
        response = client.get(asset, headers=encodings)
        assert response.status_code == 200, (asset, response.status_code)
        total += _wire_bytes(response)
        plain += len(client.get(asset).get_data())
        control = response.headers.get("Cache-Control", "")
        cached.append("immutable" in control and "max-age=31536000" in control)
        notes.append(
            f"{asset}: {len(response.get_data()) / 1024:.1f} KB "
            f"{response.headers.get('Content-Encoding', 'identity')}, Cache-Control: {control}"
        )
    return Row(
        "first load of My package, bytes on the wire (page + linked CSS/JS)",
        "≤ 35 KB; assets immutable for a year",
        f"{total / 1024:.1f} KB; {sum(cached)} of {len(cached)} assets immutable",
        f"uncompressed {plain / 1024:.1f} KB; page Cache-Control: "
        f"{page.headers.get('Cache-Control', '')}",
        total <= 35 * 1024 and all(cached),
        notes,
    )


def _p50_ms(action: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `action`, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _getter(client: Any, path: str) -> Callable[[], Any]:
    """A call that fetches `path` and checks it worked."""

    def get() -> Any:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    return get


def invoices_row(kind: str, url: str, rounds: int) -> Row:
    """Invoices page p50 for a customer with 2 000 invoices ÷ one with 1, alternating.

    Beside it, 2 000 ÷ 20: both pages then show 20 rows, so that ratio is what grows with
    the number of documents alone, where 2 000 ÷ 1 also counts drawing 20 rows instead of 1.
    """
    app = make_app(url)
    small, big, one_page = app.test_client(), app.test_client(), app.test_client()
    client_sign_in(small, SMALL)
    client_sign_in(big, BIG)
    client_sign_in(one_page, ONE_PAGE)
    for client in (small, big, one_page):
        _getter(client, "/billing/invoices/")()
    big_ms, small_ms, page_ms = alternate(
        rounds,
        lambda: _p50_ms(_getter(big, "/billing/invoices/"), 40),
        lambda: _p50_ms(_getter(small, "/billing/invoices/"), 40),
        lambda: _p50_ms(_getter(one_page, "/billing/invoices/"), 40),
    )
    ratio = Spread(tuple(b / s for b, s in zip(big_ms.values, small_ms.values, strict=True)))
    by_count = Spread(tuple(b / p for b, p in zip(big_ms.values, page_ms.values, strict=True)))
    open_ms = _p50_ms(_getter(big, "/billing/invoices/?status=open"), 20)
    return Row(
        f"invoices page, {BIG_INVOICES} invoices ÷ 1 invoice, p50 ({kind})",
        "≤ 1.3 ×",
        ratio.text() + " ×",
        f"{BIG_INVOICES}: {big_ms.text(1, ' ms')}, 1: {small_ms.text(1, ' ms')}, "
        f"{ONE_PAGE_INVOICES}: {page_ms.text(1, ' ms')}; {BIG_INVOICES} ÷ {ONE_PAGE_INVOICES} "
        f"(20 rows each) {by_count.text()} ×; open filter {open_ms:.1f} ms",
        ratio.median <= 1.3,
    )


def backoffice_row(kind: str, url: str, rounds: int) -> Row:
    """Back office account list at 5 000 accounts: first page, a search, a late page."""
    app = make_app(url)
    client = app.test_client()
    client_sign_in(client, STAFF)
    paths = {
        "first page": "/backoffice/accounts",
        "search name": "/backoffice/accounts?q=company+0421",
        "search VAT": "/backoffice/accounts?q=IT00000004211",
        "search e-mail": "/backoffice/accounts?q=billing4211%40",
        "page 150": "/backoffice/accounts?page=150",
        "past due": "/backoffice/accounts?status=past_due",
    }
    sizes = {}
    for name, path in paths.items():
        sizes[name] = len(_getter(client, path)().get_data())
    spreads = alternate(
        rounds, *(lambda p=p: _p50_ms(_getter(client, p), 15) for p in paths.values())
    )
    worst = max(spread.median for spread in spreads)
    return Row(
        f"back office account list, {BACKOFFICE_ACCOUNTS} accounts, p50 ({kind})",
        "≤ 10 ms, paged and searchable",
        ", ".join(f"{name} {spread.text(1)}" for name, spread in zip(paths, spreads, strict=True))
        + " ms",
        f"page size {max(sizes.values()) / 1024:.0f} KB",
        worst <= 10,
    )


def summary_selections() -> list[str]:
    """Every valid selection the summary benchmark asks for (as lua/summary_misses.lua does)."""
    packs = {"standard": 4, "pro": 19}
    return [
        f"plan={plan}&period={period}&currency=EUR&agents={agents}&packs={pack}&shown={plan}"
        for period in ("monthly", "annual")
        for plan, most in packs.items()
        for pack in range(most + 1)
        for agents in range(1, 51)
    ]


def summary_parts_row(kind: str, url: str, rounds: int) -> Row:
    """Where a summary miss's time goes, in process: what each layer adds over /health.

    Beside the portal's own routes, two empty views are added to this benchmark's app: one
    anyone may call, one for signed-in users. The first is what Flask and the portal's hooks
    (session, locale, security headers) cost on every request; the second adds loading the
    signed-in user. A summary repeated with the same selection adds the route's own work but
    draws its fragment from the cache; a new selection (a miss) draws it too.
    """
    from flask_login import login_required

    from portal.security import reads_only

    app = make_app(url)
    app.add_url_rule("/benchmark/empty", "benchmark_empty", lambda: "")
    # Read-only as the summary is: on PostgreSQL the user is loaded outside a transaction.
    app.add_url_rule(
        "/benchmark/signed-in", "benchmark_signed_in", reads_only(login_required(lambda: ""))
    )
    client = app.test_client()
    client_sign_in(client, summary_email(0))
    selections = summary_selections()
    position = iter(range(10**9))
    fragment = {"HX-Request": "true"}

    def get(path: str) -> None:
        response = client.get(path, headers=fragment)
        assert response.status_code == 200, (path, response.status_code)

    def miss() -> None:
        get("/package/edit/summary?" + selections[next(position) % len(selections)])

    hit = "/package/edit/summary?" + selections[0]
    for path in ("/health", "/benchmark/empty", "/benchmark/signed-in", hit):
        get(path)
    health, empty, signed_in, repeated, missed = alternate(
        rounds,
        lambda: _p50_ms(lambda: get("/health"), 400),
        lambda: _p50_ms(lambda: get("/benchmark/empty"), 400),
        lambda: _p50_ms(lambda: get("/benchmark/signed-in"), 400),
        lambda: _p50_ms(lambda: get(hit), 400),
        lambda: _p50_ms(miss, 400),
    )

    def over(spread: Spread) -> str:
        return f"+{spread.median - health.median:.2f}"

    return Row(
        f"  where a summary miss goes, in process, p50 over /health ({kind})",
        "-",
        f"empty view {over(empty)}, signed in {over(signed_in)}, summary same selection "
        f"{over(repeated)}, new selection {over(missed)} ms",
        f"/health {health.text(3)} ms through the test client; {SUMMARY_CUSTOMERS} customers' "
        f"packages, {len(selections)} selections",
        None,
    )
