"""The quote PDF's columns line up (issue 26, item 16): every amount, its header and the totals
end on one edge, and savings are said per period and over the term, both as positive amounts.
Checked on the drawn PDF with poppler's pdftotext, which gives each word's box."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from portal.extensions import db
from portal.models import Account
from tests.quotes.conftest import Setting

# The test command installs poppler-utils; only a plain `pytest` elsewhere may lack it.
pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext") and os.environ.get("CI") != "true",
    reason="poppler-utils missing",
)


class Words(HTMLParser):
    """The words of `pdftotext -bbox` output with their right edge."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[tuple[str, float]] = []
        self.page_width = 0.0
        self._right: float | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "page":
            self.page_width = float(values["width"])
        if tag == "word":
            self._right = float(values["xmax"])

    def handle_data(self, data):
        if self._right is not None:
            self.words.append((data, self._right))
            self._right = None


def _words(pdf: bytes, tmp_path) -> Words:
    path = tmp_path / "quote.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    words = Words()
    words.feed(html)
    return words


@pytest.mark.parametrize(("language", "header"), [("it", "Importo"), ("fr", "Montant")])
def test_amounts_headers_and_totals_end_on_one_edge(setting: Setting, tmp_path, language, header):
    with setting.app.app_context():
        db.session.get(Account, setting.account_id).billing_info.invoice_language = language
        db.session.commit()
    quote_id = setting.sent_quote(packs="2", pack_discount_kind="percent", pack_discount_value="10")
    setting.as_staff()
    pdf = setting.client.get(f"/backoffice/quotes/{quote_id}/pdf")
    assert pdf.status_code == 200
    words = _words(pdf.data, tmp_path)
    last_column = 0.8 * words.page_width
    edges = [right for text, right in words.words if text.endswith("€") and right > last_column]
    headers = [right for text, right in words.words if text == header and right > last_column]
    # Two tables of lines and their totals: 2 + 5 + 2 savings, 3 + 4.
    assert len(edges) >= 12
    assert len(headers) == 2
    assert max(edges + headers) - min(edges + headers) < 0.5, sorted(set(edges + headers))
    # 80 agents at 20 % off and 2 packs at 10 % off: €242.00 a month, 24 months.
    discount = [text for text, _right in words.words if "242,00" in text]
    over_term = [text for text, _right in words.words if "808,00" in text]
    # The discount is subtracted from the list price; the savings are said as what is kept,
    # per month and over the term alike.
    assert [text[0] in "-\u2212" for text in discount] == [True, False]
    assert len(over_term) == 1 and over_term[0][0] not in "-\u2212"


def test_a_long_note_without_spaces_stays_inside_the_page(setting: Setting, tmp_path):
    """A 500-character note with no space to break at wraps inside the margins, every
    character kept (it ran off the page, as the invoice's did)."""
    note = ("IT60X0542811101000000123456/RIF-ORDINE-4711_" * 12)[:500]
    quote_id = setting.sent_quote(note=note)
    setting.as_staff()
    pdf = setting.client.get(f"/backoffice/quotes/{quote_id}/pdf")
    assert pdf.status_code == 200
    words = _words(pdf.data, tmp_path)
    pieces = [(text, right) for text, right in words.words if "RIF-ORDINE" in text]
    assert len(pieces) >= 4, pieces  # broken over several lines
    right_margin = words.page_width - 1.8 / 2.54 * 72 + 1  # the page margin, 1.8 cm
    assert all(right <= right_margin for _text, right in pieces), pieces
    drawn = "".join(text for text, _right in words.words)
    assert note in drawn
