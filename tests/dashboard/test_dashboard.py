"""My package for each situation: Free, Standard, Pro with packs, expired."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.catalog import BillingPeriod, Plan
from portal.models import Role
from tests.clock import Clock, clock_on


@pytest.fixture
def clock() -> Clock:
    """22 November 2026."""
    return clock_on(date(2026, 11, 22))


def sign_in_to(factory, auth, account_id: int, role: Role = Role.OWNER) -> None:
    """Create a user of the account and sign in."""
    email = f"{role.value}.{account_id}@example.com"
    factory.user(email, role, account_id)
    auth.login(email)


def test_free_account(client, auth, factory):
    account = factory.account("Free S.r.l.")
    sign_in_to(factory, auth, account)
    page = client.get("/package").text
    assert "Free" in page
    assert "1 agent" in page
    assert "one agent, no billing" in page
    assert "Renews on" not in page


def test_standard_monthly_account(client, auth, factory):
    account = factory.account("Standard S.r.l.")
    factory.subscription(account, agents=3, anchor=date(2026, 10, 31))
    sign_in_to(factory, auth, account)
    page = client.get("/package").text
    assert "Standard" in page
    assert "Monthly" in page
    assert "3 agents" in page
    assert "100 conversations per month" in page
    # Anchored on the 31st: the period of November ends on November 30.
    assert "Renews on" in page
    assert "November 30, 2026" in page
    assert "8 days left" in page
    assert "€0.00" in page


def test_pro_annual_czk_account_with_packs(client, auth, factory):
    account = factory.account("Pro s.r.o.", country="CZ", credit_minor=150000)
    factory.subscription(
        account,
        plan=Plan.PRO,
        period=BillingPeriod.ANNUAL,
        agents=8,
        packs=2,
        anchor=date(2026, 2, 28),
        currency="CZK",
    )
    sign_in_to(factory, auth, account, Role.BILLING_ADMIN)
    page = client.get("/package").text
    assert "Pro" in page
    assert "Annual" in page
    assert "8 agents" in page
    assert "1,500 conversations per month" in page
    assert "including 2 extra packs" in page
    assert "February 28, 2027" in page
    assert "CZK\xa01,500.00" in page  # a currency code is spaced from the digits


def test_auto_renewal_off_shows_the_expiry(client, auth, factory):
    account = factory.account("Leaving S.r.l.")
    factory.subscription(account, anchor=date(2026, 11, 1), auto_renew=False)
    sign_in_to(factory, auth, account)
    page = client.get("/package").text
    assert "Expires on" in page
    assert "December 1, 2026" in page


def test_blocked_account_is_back_on_free(client, auth, factory):
    account = factory.account("Blocked S.r.l.")
    factory.subscription(account, anchor=date(2026, 9, 1), status="blocked")
    sign_in_to(factory, auth, account)
    page = client.get("/package").text
    assert "Free" in page
    assert "Expired on" in page
    assert "October 1, 2026" in page


@pytest.mark.parametrize(
    ("language", "free_limits"),
    [("it", "al pacchetto Gratuito"), ("fr", "au forfait Gratuit")],
)
def test_the_free_package_is_named_in_the_viewers_language(
    client, auth, factory, language, free_limits
):
    account = factory.account("Leaving S.r.l.")
    factory.subscription(account, anchor=date(2026, 11, 1))
    sign_in_to(factory, auth, account)
    page = client.get("/package/stop", headers={"Accept-Language": language}).text
    assert free_limits in page
    assert "Free" not in page
