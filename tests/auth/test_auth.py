"""Signing in and out, CSRF, and the limit on failed sign-ins."""

from __future__ import annotations

import pytest

from portal.models import Role
from tests.conftest import PASSWORD, csrf_token_from


@pytest.fixture
def owner(factory) -> str:
    """An owner of a Free account; returns the e-mail."""
    account_id = factory.account("Bottega S.r.l.")
    factory.user("owner@bottega.example.com", Role.OWNER, account_id)
    return "owner@bottega.example.com"


def test_sign_in_page_renders_with_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in" in response.text
    assert csrf_token_from(response.text)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/package")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "Please sign in to see this page." in client.get("/login?next=/package").text


def test_the_first_visit_to_the_portal_s_address_is_the_sign_in_page_without_a_reproach(client):
    """A visitor who asked for no page yet is not told to sign in "to see this page"."""
    response = client.get("/")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    page = client.get("/login").text
    assert "Please sign in to see this page." not in page
    assert 'name="email"' in page


def test_sign_in_goes_to_my_package(client, auth, owner):
    response = auth.login(owner)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/", follow_redirects=True)
    assert "My package" in page.text
    assert "Free" in page.text


def test_sign_in_is_case_insensitive_on_the_email(client, auth, owner):
    assert auth.login(owner.upper()).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, auth, owner):
    response = auth.login(owner, "wrong password")
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.text
    assert client.get("/package").status_code == 302


def test_unknown_email_gets_the_same_message(auth, owner):
    response = auth.login("nobody@bottega.example.com")
    assert "Wrong e-mail or password." in response.text


def test_invalid_email_is_reported_on_the_field(auth):
    response = auth.login("not-an-email")
    assert response.status_code == 200
    assert "Enter a valid e-mail address." in response.text


def test_next_page_is_followed_only_on_this_site(client, owner):
    page = client.get("/login?next=/team/")
    response = client.post(
        "/login?next=/team/",
        data={"csrf_token": csrf_token_from(page.text), "email": owner, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/team/"


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com", "/\\evil"])
def test_next_page_elsewhere_is_ignored(client, owner, target):
    page = client.get("/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"csrf_token": csrf_token_from(page.text), "email": owner, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_sign_in_without_csrf_token_is_refused(client, owner):
    response = client.post("/login", data={"email": owner, "password": PASSWORD})
    assert response.status_code == 400
    assert "expired or was not sent by this site" in response.text
    assert client.get("/package").status_code == 302


def test_sign_out_needs_a_post_with_csrf(client, auth, owner):
    auth.login(owner)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/package").status_code == 302


def test_failed_sign_ins_are_limited(client, auth, owner):
    for _ in range(5):
        assert auth.login(owner, "wrong password").status_code == 200
    response = auth.login(owner, "wrong password")
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    # The right password is refused too while the limit lasts.
    assert auth.login(owner).status_code == 429


def test_successful_sign_ins_do_not_count_against_the_limit(client, auth, owner):
    for _ in range(8):
        assert auth.login(owner).status_code == 302
        auth.logout()


def test_limit_is_per_email(client, auth, owner, factory):
    for _ in range(6):
        auth.login(owner, "wrong password")
    other_account = factory.account("Other S.p.A.")
    factory.user("other@other.example.com", Role.OWNER, other_account)
    assert auth.login("other@other.example.com").status_code == 302


def test_limit_message_is_translated(client, auth, owner):
    for _ in range(5):
        auth.login(owner, "wrong password", **{"Accept-Language": "it"})
    response = auth.login(owner, "wrong password", **{"Accept-Language": "it"})
    assert response.status_code == 429
    assert "Troppi tentativi" in response.text
