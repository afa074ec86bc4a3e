"""Real concurrency on SQLite and PostgreSQL: parallel seat changes, two renewal runs together."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.domain.periods import add_months
from portal.extensions import db
from portal.models import Account, Invoice, OutgoingEmail, Payment, Role
from portal.payments.sandbox import SandboxCharge
from tests.clock import server_clock
from tests.conftest import Auth, at_once
from tests.renewal.conftest import due_account
from tests.wizard.conftest import Customer, read_form


def _second_admin(app: Flask, factory, account_id: int):
    """Another billing admin of the same account, signed in on their own client."""
    factory.user("second@caffe.example.com", Role.BILLING_ADMIN, account_id)
    client = app.test_client()
    Auth(client).login("second@caffe.example.com")
    return client


@pytest.mark.parametrize(
    ("first", "second"),
    [("5", "4"), ("5", "2"), ("1", "2")],
    ids=["two-increases", "increase-and-decrease", "two-decreases"],
)
def test_two_simultaneous_seat_changes_lose_no_update(
    app, standard_customer: Customer, factory, first: str, second: str
):
    standard_customer.add_card()
    other = _second_admin(app, factory, standard_customer.account_id)
    form_one = read_form(
        standard_customer.client.get(f"/package/edit/seats?agents={first}&packs=0").text,
        "pay-form",
    )
    form_two = read_form(other.get(f"/package/edit/seats?agents={second}&packs=0").text, "pay-form")
    one, two = at_once(
        lambda: standard_customer.client.post("/package/edit/pay", data=form_one),
        lambda: other.post("/package/edit/pay", data=form_two),
    )
    # One change goes through; the other is told the price changed or that a payment is
    # under way, and charges nothing: the package is what the one paid change made it.
    assert {one.status_code, two.status_code} <= {302, 409}, (one.text, two.text)
    with app.app_context():
        paid = db.session.scalars(select(Payment).where(Payment.status == "succeeded")).all()
        assert len(paid) == 1
        winner = paid[0].breakdown["configuration"]["agents"]
        assert str(winner) in (first, second)
        account = db.session.get(Account, standard_customer.account_id)
        assert account.subscription.agents == winner
        documents = db.session.scalars(select(Invoice)).all()
        assert len(documents) == 1 and documents[0].id == paid[0].invoice_id
        charges = db.session.scalar(select(func.count()).select_from(SandboxCharge))
        assert charges == (1 if winner > 3 else 0)
        # Any credit is exactly what the one credit note gave.
        assert account.credit_minor == max(0, -documents[0].total_minor)


def _due_accounts(app: Flask, factory, today) -> dict[int, str]:
    """Accounts whose period ends today, each with a default card; token by account."""
    anchor = add_months(today, -1)
    tokens: dict[int, str] = {}
    behaviours = ["succeed"] * 10 + ["decline"] * 2
    for index, behaviour in enumerate(behaviours):
        account_id, token = due_account(
            app, factory, f"Parallelo {index} S.r.l.", anchor, behaviour
        )
        tokens[account_id] = token
    return tokens


@pytest.mark.parametrize(
    "options",
    [[], ["--batch-size", "2", "--mail-workers", "0"]],
    ids=["defaults", "small-batches-in-process-mail"],
)
def test_two_renewal_runs_started_together_charge_each_subscription_once(
    app, factory, database_urls, backend, tmp_path, options, clock
):
    today = clock.today()
    tokens = _due_accounts(app, factory, today)
    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(16),
        **server_clock(clock),
        "DATABASE_URL": database_urls[backend],
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    command = [sys.executable, "-m", "flask", "--app", "portal", "billing", "renew", *options]
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    summaries = [out.strip().splitlines()[-1] for out, _err in outputs]

    with app.app_context():
        for account_id, token in tokens.items():
            charges = db.session.scalar(
                select(func.count()).select_from(SandboxCharge).where(SandboxCharge.token == token)
            )
            invoices = db.session.scalar(
                select(func.count(Invoice.id)).where(Invoice.account_id == account_id)
            )
            assert (charges, invoices) == (1, 1), (account_id, summaries, outputs)
            account = db.session.get(Account, account_id)
            expected = "past_due" if "decline" in token else "active"
            assert account.subscription.status == expected
            assert account.subscription.period_start == today
        assert db.session.scalar(select(func.count(Payment.id))) == len(tokens)
        # Every invoice was e-mailed once, with its PDF, by one run or the other.
        emails = db.session.scalars(select(OutgoingEmail)).all()
        assert sorted(email.invoice_id for email in emails) == sorted(
            db.session.scalars(select(Invoice.id))
        )
        assert {email.status for email in emails} == {"sent"}
    sent = list((tmp_path / "outbox").glob("*.eml"))
    assert len(sent) == len(tokens)

    renewed = sum(int(s.split("renewed ")[1].split(",")[0]) for s in summaries)
    declined = sum(int(s.split("declined ")[1].split(",")[0]) for s in summaries)
    assert (renewed, declined) == (10, 2), summaries
    # Whichever run met a declined card tells cron so.
    codes = [run.returncode for run in runs]
    assert 1 in codes and set(codes) <= {0, 1}, (codes, outputs)
