"""One seat change, one gateway charge: tabs racing the same N → N+1, on SQLite and PostgreSQL.

Issue #21, finding 4. Each tab is its own test client with its own confirmation key (each
read the seat page once); their posts run in threads released together, some a few
milliseconds after the others (0 to 80 ms), so a late tab arrives while the first one settles.
Counted at the sandbox gateway: every charge that succeeded, refunded ones included (a charge
then a refund is still two lines on the customer's card statement), and every refund.

Each test loops its trials on one app: every trial is a new change (N → N+1 from where the
last one left the package), raced by fresh pages.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, text, update

from portal.domain.payment_lifecycle import IN_FLIGHT
from portal.extensions import db
from portal.models import Account, Invoice, Payment, Subscription
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from tests.conftest import at_once, later
from tests.lifecycle.test_races import tab
from tests.wizard.conftest import Customer, read_form

TRIALS = 20

pytestmark = pytest.mark.usefixtures("mail_left_queued")


@dataclass(frozen=True)
class Ledger:
    """What the gateway and the database hold for the account."""

    charges: int  # succeeded at the gateway, refunded ones included
    refunds: int
    invoices: int
    agents: int
    in_flight: int


def ledger(app, account_id: int) -> Ledger:
    """Count charges, refunds, documents and payments still in flight."""
    with app.app_context():
        subscription = db.session.scalar(
            select(Subscription).where(Subscription.account_id == account_id)
        )
        return Ledger(
            charges=db.session.scalar(
                select(func.count())
                .select_from(SandboxCharge)
                .where(SandboxCharge.status == "succeeded")
            ),
            refunds=db.session.scalar(
                select(func.count()).select_from(SandboxRefund).where(SandboxRefund.succeeded)
            ),
            invoices=db.session.scalar(
                select(func.count(Invoice.id)).where(Invoice.account_id == account_id)
            ),
            agents=subscription.agents if subscription else 0,
            in_flight=db.session.scalar(
                select(func.count(Payment.id)).where(
                    Payment.account_id == account_id, Payment.status.in_(IN_FLIGHT)
                )
            ),
        )


def seat_trials(app, customer: Customer, delays_of) -> list[str]:
    """Race TRIALS seat changes, each N → N+1 posted by every tab; what went wrong in each."""
    customer.add_card()
    tabs = len(delays_of(0))
    clients = [customer.client] + [tab(app, customer) for _ in range(tabs - 1)]
    wrong = []
    for trial in range(TRIALS):
        before = ledger(app, customer.account_id)
        wanted = before.agents + 1
        forms = [
            read_form(client.get(f"/package/edit/seats?agents={wanted}&packs=0").text, "pay-form")
            for client in clients
        ]
        assert len({form["confirmation_key"] for form in forms}) == tabs
        delays = delays_of(trial)
        responses = at_once(
            *[
                later(delay, lambda c=client, f=form: c.post("/package/edit/pay", data=f))
                for client, form, delay in zip(clients, forms, delays, strict=True)
            ]
        )
        after = ledger(app, customer.account_id)
        # 500 when a request raised (the test client re-raises, the thread returned nothing).
        codes = sorted(getattr(response, "status_code", 500) for response in responses)
        moved = (
            after.charges - before.charges,
            after.refunds - before.refunds,
            after.invoices - before.invoices,
        )
        if (
            moved != (1, 0, 1)
            or after.agents != wanted
            or after.in_flight
            or not set(codes) <= {302, 409}
        ):
            wrong.append(
                f"trial {trial} delays {delays} ms: charges {moved[0]}, refunds {moved[1]}, "
                f"invoices {moved[2]}, agents {before.agents} -> {after.agents}, "
                f"in flight {after.in_flight}, answers {codes}"
            )
    return wrong


def test_two_tabs_posting_the_same_seat_change_charge_once(app, backend, standard_customer):
    # The second tab 0, 5, 10, ... 80 ms after the first; which tab is late alternates.
    def delays_of(trial: int) -> list[int]:
        late = (trial * 5) % 85
        return [0, late] if trial % 2 else [late, 0]

    wrong = seat_trials(app, standard_customer, delays_of)
    assert not wrong, f"{backend}: {len(wrong)} of {TRIALS} trials went wrong:\n" + "\n".join(wrong)


def test_five_tabs_posting_the_same_seat_change_charge_once(app, backend, standard_customer):
    # Five tabs at once, or one every 2, 5, 10 or 20 ms (the last 80 ms after the first).
    steps = [0, 2, 5, 10, 20]

    def delays_of(trial: int) -> list[int]:
        step = steps[trial % len(steps)]
        return [index * step for index in range(5)]

    wrong = seat_trials(app, standard_customer, delays_of)
    assert not wrong, f"{backend}: {len(wrong)} of {TRIALS} trials went wrong:\n" + "\n".join(wrong)


@pytest.mark.postgresql_only("the waiting row lock of PostgreSQL; SQLite's write lock has none")
def test_a_tab_that_waited_for_the_lock_prices_the_package_as_it_is_then(
    app, backend, standard_customer
):
    """Step by step, the race the tabs above run by chance.

    Another transaction holds the account's lock and moves the package to 4 agents (as the
    first tab's settlement does); a tab posts 3 → 4 meanwhile and waits for the lock. Once
    the lock is released, the tab must see 4 agents: nothing to charge.
    """
    standard_customer.add_card()
    form = read_form(
        standard_customer.client.get("/package/edit/seats?agents=4&packs=0").text, "pay-form"
    )
    account_id = standard_customer.account_id
    with app.app_context():
        holder = db.engine.connect()
        watcher = db.engine.connect()
        try:
            holder.begin()
            holder.execute(
                select(Account.id).where(Account.id == account_id).with_for_update()
            ).all()
            holder.execute(
                update(Subscription).where(Subscription.account_id == account_id).values(agents=4)
            )
            answer = {}
            posting = threading.Thread(
                target=lambda: answer.setdefault(
                    "response", standard_customer.client.post("/package/edit/pay", data=form)
                )
            )
            posting.start()
            waiting = 0
            for _ in range(500):  # up to 5 s for the tab to reach the lock
                waiting = watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
                watcher.rollback()
                if waiting:
                    break
                time.sleep(0.01)
            assert waiting == 1, "the tab never waited for the account's lock"
            holder.commit()
            posting.join(timeout=30)
        finally:
            holder.close()
            watcher.close()
    response = answer["response"]
    assert response.status_code == 409, response.status_code
    after = ledger(app, account_id)
    assert (after.charges, after.refunds, after.invoices, after.agents) == (0, 0, 0, 4)
