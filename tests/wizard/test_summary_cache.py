"""The payment summary fragment is drawn once per figures, language and catalog, per app
(a translator's edit reaching a kept fragment: tests/catalogs/test_live.py)."""

from __future__ import annotations

import re
import threading

from portal.wizard.summary_cache import EXTENSION_KEY, SummaryCache

HX = {"HX-Request": "true"}
SUMMARY = "/package/edit/summary?plan=standard&period=monthly&currency=EUR&packs=0&agents="


class Drawer:
    """A draw function that counts its calls and says which call drew the fragment."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return f"<aside>drawing {self.calls}</aside>"


def test_a_key_is_drawn_once_and_served_after():
    cache, draw = SummaryCache(), Drawer()
    key = ("fingerprint", "it", 0)
    assert cache.get_or_draw(key, draw) == "<aside>drawing 1</aside>"
    assert cache.get_or_draw(key, draw) == "<aside>drawing 1</aside>"
    assert draw.calls == 1


def test_another_language_or_catalog_version_is_drawn_anew():
    cache, draw = SummaryCache(), Drawer()
    cache.get_or_draw(("fingerprint", "it", 0), draw)
    assert cache.get_or_draw(("fingerprint", "fr", 0), draw) == "<aside>drawing 2</aside>"
    assert cache.get_or_draw(("fingerprint", "it", 1), draw) == "<aside>drawing 3</aside>"
    assert cache.get_or_draw(("other", "it", 0), draw) == "<aside>drawing 4</aside>"
    assert len(cache) == 4


def test_beyond_its_size_the_oldest_fragment_goes():
    cache, draw = SummaryCache(kept=2), Drawer()
    for name in ("first", "second", "third"):
        cache.get_or_draw((name, "en", 0), draw)
    assert len(cache) == 2
    assert cache.get_or_draw(("third", "en", 0), draw) == "<aside>drawing 3</aside>"
    assert cache.get_or_draw(("second", "en", 0), draw) == "<aside>drawing 2</aside>"
    assert cache.get_or_draw(("first", "en", 0), draw) == "<aside>drawing 4</aside>"


def test_threads_asking_at_once_all_get_a_whole_fragment():
    cache, draw = SummaryCache(kept=8), Drawer()
    found: list[str] = []

    def ask() -> None:
        for round_ in range(200):
            found.append(cache.get_or_draw((str(round_ % 12), "en", 0), draw))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 800
    assert all(re.fullmatch(r"<aside>drawing \d+</aside>", html) for html in found)
    assert len(cache) == 8


def test_the_wizard_draws_a_selection_once_per_language(app, standard_customer):
    client = standard_customer.client
    first = client.get(SUMMARY + "5", headers=HX).text
    cache = app.extensions[EXTENSION_KEY]
    assert len(cache) == 1
    assert client.get(SUMMARY + "5", headers=HX).text == first
    assert len(cache) == 1
    italian = client.get(SUMMARY + "5", headers={**HX, "Accept-Language": "it"}).text
    assert "Importo da pagare" in italian and "Amount to pay" in first
    assert len(cache) == 2
    client.get(SUMMARY + "4", headers=HX)
    assert len(cache) == 3


def test_server_timing_says_whether_the_summary_was_drawn(standard_customer):
    client = standard_customer.client
    first = client.get(SUMMARY + "7", headers=HX)
    assert first.headers["Server-Timing"] == 'summary-cache;desc="miss"'
    again = client.get(SUMMARY + "7", headers=HX)
    assert again.headers["Server-Timing"] == 'summary-cache;desc="hit"'
    # A selection the summary refuses draws no cached fragment: nothing to say.
    refused = client.get(SUMMARY + "0", headers=HX)
    assert "Server-Timing" not in refused.headers
