"""Real concurrency on SQLite and PostgreSQL: the cron run and a checkout asking about the same
VAT ID at once record both answers and one change of standing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import vies
from portal.domain.vat_registry import RegistryVerdict
from portal.extensions import db
from portal.models import BillingActivity, VatCheck
from tests.conftest import at_once


def _recheck(app, account_id):
    with app.app_context():
        found = vies.recheck(
            account_id,
            None,
            due=lambda standing: standing is None or standing.verdict is RegistryVerdict.UNKNOWN,
        )
        db.session.remove()
        return found


def test_two_rechecks_at_once_record_one_change(app, factory, fake_vies):
    account_id = factory.account("Muster GmbH", country="DE", vat_id="DE136695976")
    first, second = at_once(lambda: _recheck(app, account_id), lambda: _recheck(app, account_id))
    assert first.verdict is second.verdict is RegistryVerdict.VALID
    with app.app_context():
        checks = db.session.scalar(select(func.count(VatCheck.id)))
        changes = db.session.scalars(
            select(BillingActivity.details).where(BillingActivity.kind == "vat_id_check")
        ).all()
    assert checks == 2  # both consultations are kept, each with its own number
    assert [change["verdict"] for change in changes] == ["valid"]
