"""Each standing of a VAT ID reads as its own sentence in every language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.activity.text import describe_activity
from portal.models import ActivityKind, BillingActivity

DETAILS = [
    {"verdict": "valid", "consultation_number": "WAPIAAAAW0000001"},
    {"verdict": "valid", "consultation_number": ""},
    {"verdict": "invalid", "reason": "INVALID"},
    {"verdict": "unknown", "reason": "MS_UNAVAILABLE"},
]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_each_standing_has_its_sentence(app):
    seen = set()
    for details in DETAILS:
        entry = BillingActivity(
            kind=ActivityKind.VAT_ID_CHECK, details={"vat_id": "DE136695976", **details}
        )
        with app.test_request_context():
            texts = {}
            for language in ("en", "it", "fr"):
                with force_locale(language):
                    texts[language] = describe_activity(entry)
        assert all("DE136695976" in text and "%(" not in text for text in texts.values())
        assert len(set(texts.values())) == 3
        number = details.get("consultation_number")
        if number:
            assert all(number in text for text in texts.values())
        seen.add(texts["en"])
    assert len(seen) == len(DETAILS)
