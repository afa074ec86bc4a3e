"""Who may open which page: 403 for the wrong role, 404 for another account's objects."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, User
from tests.conftest import post_form

EMAILS = {
    Role.OWNER: "owner@alpha.example.com",
    Role.BILLING_ADMIN: "billing@alpha.example.com",
    Role.MEMBER: "agent@alpha.example.com",
    Role.STAFF: "staff@vendor.example.com",
    Role.TRANSLATOR: "translator@vendor.example.com",
}


@pytest.fixture
def people(factory) -> dict[str, int]:
    """Account Alpha (Standard, credit 12.34 EUR) with each customer role; Beta; vendor users."""
    alpha = factory.account("Alpha S.r.l.", credit_minor=1234)
    factory.subscription(alpha, anchor=date(2026, 11, 10))
    beta = factory.account("Beta S.p.A.")
    ids = {
        role.value: factory.user(email, role, alpha if role.is_customer else None)
        for role, email in EMAILS.items()
    }
    ids["beta_member"] = factory.user("agent@beta.example.com", Role.MEMBER, beta)
    ids["beta_account"] = beta
    ids["alpha_account"] = alpha
    return ids


ACCESS = {
    "/package": {Role.OWNER, Role.BILLING_ADMIN, Role.MEMBER},
    "/team/": {Role.OWNER},
    "/backoffice/accounts": {Role.STAFF},
    "/translations/": {Role.TRANSLATOR},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url", list(ACCESS))
def test_page_access_by_role(client, auth, people, role, url):
    auth.login(EMAILS[role])
    response = client.get(url)
    expected = 200 if role in ACCESS[url] else 403
    assert response.status_code == expected
    if expected == 403:
        assert "You do not have access to this page." in response.text


@pytest.mark.parametrize(
    ("role", "start"),
    [
        (Role.OWNER, "/package"),
        (Role.MEMBER, "/package"),
        (Role.STAFF, "/backoffice/accounts"),
        (Role.TRANSLATOR, "/translations/"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client, auth, people, role, start):
    auth.login(EMAILS[role])
    assert client.get("/").headers["Location"] == start


def test_member_sees_the_package_without_billing(client, auth, people):
    auth.login(EMAILS[Role.MEMBER])
    page = client.get("/package").text
    assert "3 agents" in page
    assert "Account credit" not in page
    assert "€12.34" not in page
    assert "/team/" not in page


def test_billing_admin_sees_credit_but_not_the_team(client, auth, people):
    auth.login(EMAILS[Role.BILLING_ADMIN])
    page = client.get("/package").text
    assert "Account credit" in page
    assert "€12.34" in page
    assert "/team/" not in page


def test_staff_sees_every_account(client, auth, people):
    auth.login(EMAILS[Role.STAFF])
    page = client.get("/backoffice/accounts").text
    assert "Alpha S.r.l." in page
    assert "Beta S.p.A." in page
    detail = client.get(f"/backoffice/accounts/{people['beta_account']}")
    assert detail.status_code == 200
    assert "agent@beta.example.com" in detail.text


def test_unknown_account_in_back_office_is_404(client, auth, people):
    auth.login(EMAILS[Role.STAFF])
    assert client.get("/backoffice/accounts/999999").status_code == 404


def test_customer_cannot_open_back_office_account_pages(client, auth, people):
    auth.login(EMAILS[Role.OWNER])
    response = client.get(f"/backoffice/accounts/{people['alpha_account']}")
    assert response.status_code == 403


def test_owner_names_a_billing_admin(client, auth, people, app):
    auth.login(EMAILS[Role.OWNER])
    member_id = people[Role.MEMBER.value]
    response = post_form(
        client,
        "/team/",
        f"/team/{member_id}/billing-admin",
        {"grant": "1"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "is now a billing admin" in response.text
    with app.app_context():
        assert db.session.get(User, member_id).role == Role.BILLING_ADMIN


def test_owner_takes_the_billing_admin_role_back(client, auth, people, app):
    auth.login(EMAILS[Role.OWNER])
    admin_id = people[Role.BILLING_ADMIN.value]
    post_form(client, "/team/", f"/team/{admin_id}/billing-admin", {"grant": "0"})
    with app.app_context():
        assert db.session.get(User, admin_id).role == Role.MEMBER


def test_another_accounts_user_is_404_and_unchanged(client, auth, people, app):
    auth.login(EMAILS[Role.OWNER])
    beta_member = people["beta_member"]
    response = post_form(client, "/team/", f"/team/{beta_member}/billing-admin", {"grant": "1"})
    assert response.status_code == 404
    assert "Beta" not in response.text
    with app.app_context():
        assert db.session.get(User, beta_member).role == Role.MEMBER


def test_owner_role_cannot_be_changed(client, auth, people, app):
    auth.login(EMAILS[Role.OWNER])
    owner_id = people[Role.OWNER.value]
    response = post_form(
        client,
        "/team/",
        f"/team/{owner_id}/billing-admin",
        {"grant": "0"},
        follow_redirects=True,
    )
    assert "The owner&#39;s role cannot be changed." in response.text
    with app.app_context():
        assert db.session.get(User, owner_id).role == Role.OWNER


def test_billing_admin_cannot_name_billing_admins(client, auth, people, app):
    auth.login(EMAILS[Role.BILLING_ADMIN])
    member_id = people[Role.MEMBER.value]
    response = post_form(client, "/package", f"/team/{member_id}/billing-admin", {"grant": "1"})
    assert response.status_code == 403
    with app.app_context():
        member = db.session.scalar(select(User).where(User.id == member_id))
        assert member.role == Role.MEMBER


def test_forged_role_value_is_refused(client, auth, people, app):
    auth.login(EMAILS[Role.OWNER])
    member_id = people[Role.MEMBER.value]
    response = post_form(client, "/team/", f"/team/{member_id}/billing-admin", {"grant": "owner"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, member_id).role == Role.MEMBER
