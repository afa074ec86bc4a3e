"""`flask seed-demo`: every role and situation, idempotent, development only."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account, Invoice, Role, Subscription, User
from tests.conftest import csrf_token_from


def _counts(app) -> tuple[int, int, int]:
    """Accounts, users and subscriptions in the database."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Account.id))),
            db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Subscription.id))),
        )


def test_seed_creates_each_situation_once(app, runner, tmp_path):
    app.instance_path = str(tmp_path)
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo sign-ins (development only)" in first.output
    counts = _counts(app)
    assert counts == (4, 11, 2)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert _counts(app) == counts
    assert second.output == first.output  # same passwords printed again

    with app.app_context():
        roles = {user.role for user in db.session.scalars(select(User))}
        assert roles == set(Role)
        standard = db.session.scalar(select(Account).where(Account.currency == "EUR"))
        assert standard.subscription.plan == "standard"
        assert standard.subscription.agents == 3
        assert standard.billing_info.country == "IT"
        pro = db.session.scalar(select(Account).where(Account.currency == "CZK"))
        assert pro.subscription.billing_period == "annual"
        assert pro.billing_info.vat_id == "CZ25123891"
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert len(invoices) == 2  # one per paying company, not one per run
        assert {invoice.currency for invoice in invoices} == {"EUR", "CZK"}
        czech = next(invoice for invoice in invoices if invoice.currency == "CZK")
        assert czech.tax_kind == "reverse_charge"
        polish = db.session.scalar(select(Account).where(Account.name.like("Zak%")))
        assert polish.subscription is None
        assert polish.billing_info.country == "PL"


def test_printed_password_signs_in(app, runner, client, tmp_path):
    app.instance_path = str(tmp_path)
    output = runner.invoke(args=["seed-demo"]).output
    line = next(line for line in output.splitlines() if "owner@caffe-dante" in line)
    password = line.split()[2]
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": "owner@caffe-dante.demo.example",
            "password": password,
        },
    )
    assert response.status_code == 302
    assert "3 agents" in client.get("/package").text


def test_seed_refuses_to_run_in_production(app, runner):
    app.config["PORTAL_ENV"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "only runs with PORTAL_ENV=development" in result.output
    assert _counts(app) == (0, 0, 0)
