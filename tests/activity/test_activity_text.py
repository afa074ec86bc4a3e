"""One renderer per billing activity kind, every kind written with the enum, each in its words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from portal.activity.text import RENDERERS, describe_activity
from portal.models import ActivityKind, BillingActivity

PORTAL = Path(__file__).resolve().parents[2] / "portal"
K = ActivityKind

# Details as the services record them, one entry per kind.
SAMPLES: dict[ActivityKind, dict] = {
    K.PURCHASE: {
        "plan": "pro",
        "period": "annual",
        "agents": 4,
        "document": "INV-2026-000007",
        "amount_paid_minor": 117120,
        "currency": "EUR",
    },
    K.PAYMENT_DECLINED: {"amount_minor": 1830, "currency": "EUR", "method": "Visa •••• 0002"},
    K.PAYMENT_CANCELLED: {
        "amount_minor": 1830,
        "currency": "EUR",
        "method": "PayPal (ada@example.com)",
        "reason": "paypal_cancelled",
    },
    K.CHARGE_REFUNDED: {
        "amount_minor": 1830,
        "currency": "EUR",
        "method": "Visa •••• 4242",
        "reason": "order_changed",
    },
    K.INVOICE_PAID: {
        "document": "INV-2026-000009",
        "amount_minor": 5490,
        "currency": "EUR",
        "method": "PayPal",
    },
    K.INVOICE_NOTE: {"document": "INV-2026-000009", "note": "PO 4471"},
    K.INVOICE_REISSUED: {
        "document": "INV-2026-000009",
        "credit_note": "CN-2026-000003",
        "new": "INV-2026-000010",
        "credit_added_minor": 660,
        "amount_due_minor": 0,
        "currency": "EUR",
    },
    K.BILLING_INFO: {"fields": ["company", "vat_id"]},
    K.VAT_ID_CHECK: {
        "vat_id": "DE136695976",
        "verdict": "valid",
        "previous": "unknown",
        "reason": "",
        "consultation_number": "WAPIAAAAW0000001",
    },
    K.PAYMENT_METHOD_ADDED: {"method": "Visa •••• 4242"},
    K.PAYMENT_METHOD_REMOVED: {"method": "Visa •••• 4242"},
    K.DEFAULT_PAYMENT_METHOD: {"method": "PayPal"},
    K.AUTO_RENEW: {"on": False, "period_end": "2026-12-13"},
    K.RENEWAL: {
        "document": "INV-2026-000010",
        "period_end": "2027-01-13",
        "total_minor": 5490,
        "currency": "EUR",
    },
    K.RENEWAL_FAILED: {
        "document": "INV-2026-000010",
        "reason": "card_declined",
        "block_on": "2026-12-20",
    },
    K.RENEWAL_CANCELLED: {"documents": ["CN-2026-000002"]},
    K.EXPIRY_WARNING: {"period_end": "2026-12-13"},
    K.BLOCKED: {"reason": "unpaid", "period_end": "2026-12-13"},
    K.REFUND: {"amount_minor": 5490, "currency": "EUR", "documents": ["CN-2026-000003"]},
    K.USER_INVITED: {"email": "ada@example.com", "role": "billing_admin"},
    K.USER_JOINED: {"name": "Ada"},
    K.USER_REMOVED: {"name": "Ada", "email": "ada@example.com"},
    K.ROLE_CHANGED: {"name": "Ada", "role": "member"},
    K.OWNERSHIP_TRANSFERRED: {"previous": "Olga", "owner": "Ada"},
    K.QUOTE_REQUESTED: {"plan": "pro", "period": "annual", "agents": 80},
    K.QUOTE_SENT: {"quote": "Q-2026-000001", "valid_until": "2026-12-31"},
    K.QUOTE_WITHDRAWN: {"quote": "Q-2026-000001"},
    K.QUOTE_REJECTED: {"quote": "Q-2026-000001", "reason": "Too dear"},
    K.QUOTE_ACCEPTED: {
        "quote": "Q-2026-000001",
        "document": "INV-2026-000011",
        "plan": "pro",
        "period": "annual",
        "agents": 80,
        "contract_ends_on": "2028-11-13",
        "amount_paid_minor": 1958400,
        "currency": "EUR",
    },
}


@pytest.fixture
def backend() -> str:
    """Wording only: one database is enough."""
    return "sqlite"


def test_every_kind_has_its_renderer_and_a_sample():
    assert set(RENDERERS) == set(ActivityKind)
    assert set(SAMPLES) == set(ActivityKind)


@pytest.mark.parametrize("kind", list(ActivityKind), ids=str)
def test_each_kind_reads_as_a_sentence_of_its_own_in_each_language(app, kind):
    entry = BillingActivity(kind=kind, details=SAMPLES[kind])
    with app.test_request_context():
        texts = {}
        for language in ("en", "it", "fr"):
            with force_locale(language):
                texts[language] = describe_activity(entry)
    for text in texts.values():
        assert text.strip() and "%(" not in text and text != kind.value
    assert texts["it"] != texts["en"] and texts["fr"] != texts["en"]
    others = {describe_activity_in(app, other) for other in ActivityKind if other is not kind}
    assert texts["en"] not in others


def describe_activity_in(app, kind: ActivityKind) -> str:
    """The English sentence of a kind's sample."""
    with app.test_request_context(), force_locale("en"):
        return describe_activity(BillingActivity(kind=kind, details=SAMPLES[kind]))


def _record_calls() -> list[tuple[str, int, ast.expr]]:
    """The kind argument of every activity `record(...)` call in the portal."""
    calls = []
    for path in PORTAL.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name != "record":
                continue
            kind = node.args[2] if len(node.args) > 2 else None
            kind = kind or next((k.value for k in node.keywords if k.arg == "kind"), None)
            calls.append((str(path.relative_to(PORTAL)), node.lineno, kind))
    return calls


def test_every_record_call_names_its_kind_with_the_enum():
    calls = _record_calls()
    assert len(calls) >= len(ActivityKind)
    for where, line, kind in calls:
        assert (
            isinstance(kind, ast.Attribute)
            and isinstance(kind.value, ast.Name)
            and kind.value.id == "ActivityKind"
            and kind.attr in ActivityKind.__members__
        ), f"{where}:{line} records its kind without ActivityKind"
