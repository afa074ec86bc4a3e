"""Stopping a subscription: what happens at the end of the period, a reason, a confirmation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import BillingActivity, Role, Subscription
from tests.conftest import csrf_token_from


@pytest.fixture
def owner(factory, auth):
    """The owner of a Standard monthly account with 3 agents, renewing on 1 December."""
    account_id = factory.account("Fermata S.r.l.")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user("owner@fermata.example.com", Role.OWNER, account_id)
    auth.login("owner@fermata.example.com")
    return account_id


def _post(client, headers: dict[str, str] | None = None, **data: str):
    token = csrf_token_from(client.get("/package/stop").text)
    return client.post("/package/stop", data={"csrf_token": token, **data}, headers=headers)


def _subscription(app, account_id: int) -> Subscription:
    with app.app_context():
        return db.session.scalar(select(Subscription).where(Subscription.account_id == account_id))


def _stops(app, account_id: int) -> list[dict]:
    with app.app_context():
        return [
            entry.details
            for entry in db.session.scalars(
                select(BillingActivity).where(
                    BillingActivity.account_id == account_id,
                    BillingActivity.kind == "auto_renew",
                )
            )
        ]


def test_the_page_says_what_happens_at_the_end_of_the_period(client, owner):
    page = client.get("/package/stop")
    assert page.status_code == 200
    assert "You keep your package — Standard · Monthly · 3 agents — until December 1, 2026" in (
        page.text
    )
    assert "On December 1, 2026 the account goes back to the Free package" in page.text
    for reason in ("too_expensive", "missing_features", "other_product", "not_needed", "other"):
        assert f'value="{reason}"' in page.text
    assert 'href="/package"' in page.text  # keep it


def test_stopping_turns_auto_renewal_off_and_keeps_the_reason(client, app, owner):
    response = _post(client, reason="missing_features", comment="Ci serve l'API di Łódź")
    assert response.status_code == 302 and response.headers["Location"] == "/package"
    subscription = _subscription(app, owner)
    assert subscription.auto_renew is False
    assert subscription.status == "active"  # runs to the end of the period already paid
    assert _stops(app, owner) == [
        {
            "on": False,
            "period_end": "2026-12-01",
            "reason": "missing_features",
            "comment": "Ci serve l'API di Łódź",
        }
    ]
    page = client.get("/package").text
    assert "Your subscription is stopped: auto-renewal is off" in page
    activity = client.get("/billing/activity").text
    assert "Auto-renewal turned off: the package ends on" in activity
    assert "Reason: A feature we need is missing." in activity
    assert "Comment: Ci serve l&#39;API di Łódź" in activity


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose a reason."),
        ({"reason": "because"}, "Not a valid choice"),
        ({"reason": "other", "comment": "x" * 501}, "At most 500 characters."),
        ({"reason": "other", "comment": "null\x00byte"}, "control"),
    ],
    ids=["no reason", "forged reason", "comment too long", "NUL byte"],
)
def test_bad_input_is_refused_and_changes_nothing(client, app, owner, data, error):
    response = _post(client, **data)
    assert response.status_code == 422
    assert error in response.text
    assert _subscription(app, owner).auto_renew is True
    assert _stops(app, owner) == []


def test_a_long_comment_comes_back_cut_and_escaped(client, owner):
    response = _post(client, reason="other", comment="<b>" + "y" * 5000)
    assert response.status_code == 422
    assert "<b>" not in response.text and "&lt;b&gt;" in response.text
    assert "y" * 1001 not in response.text


def test_stopping_twice_records_it_once(client, app, owner):
    """Two tabs: the second confirmation finds the subscription already stopped."""
    first = csrf_token_from(client.get("/package/stop").text)
    second = csrf_token_from(client.get("/package/stop").text)
    for token in (first, second):
        response = client.post("/package/stop", data={"csrf_token": token, "reason": "not_needed"})
        assert response.status_code == 302
    assert len(_stops(app, owner)) == 1
    # Already stopped: the page goes back to My package.
    assert client.get("/package/stop").headers["Location"] == "/package"


def test_a_member_cannot_stop(client, auth, factory, app, owner):
    factory.user("agent@fermata.example.com", Role.MEMBER, owner)
    auth.logout()
    auth.login("agent@fermata.example.com")
    assert client.get("/package/stop").status_code == 403
    assert "/package/stop" not in client.get("/package").text


def test_italian_page_and_confirmation(client, owner):
    page = client.get("/package/stop", headers={"Accept-Language": "it"}).text
    assert "Interrompi l&#39;abbonamento" in page
    assert "1 dicembre 2026" in page
    _post(client, headers={"Accept-Language": "it"}, reason="too_expensive")
    after = client.get("/package", headers={"Accept-Language": "it"}).text
    assert "Abbonamento interrotto" in after
