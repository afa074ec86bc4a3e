"""Finding 2: sign-out ends a session for good; remember cookie; CSRF token rotated at sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from portal.models import Role
from tests.conftest import PASSWORD, csrf_token_from

EMAIL = "owner@bottega.example.com"


@pytest.fixture
def owner(factory) -> str:
    """An owner of a Free account."""
    factory.user(EMAIL, Role.OWNER, factory.account("Bottega S.r.l."))
    return EMAIL


def _cookie(client, name: str) -> str | None:
    """A cookie's value in the test client's jar."""
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def test_a_session_cookie_copied_before_sign_out_no_longer_works(app: Flask, auth, client, owner):
    auth.login(owner)
    stolen = _cookie(client, "session")
    assert client.get("/package").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/package")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_remember_cookie_is_short_lax_http_only_and_cleared(app: Flask, client, owner):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": owner,
            "password": PASSWORD,
            "remember": "y",
        },
    )
    header = next(
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith("remember_token=")
    )
    assert "SameSite=Lax" in header
    assert "HttpOnly" in header
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=14)
    remembered = _cookie(client, "remember_token")
    assert remembered

    token = csrf_token_from(client.get("/package").text)
    logout = client.post("/logout", data={"csrf_token": token})
    cleared = [v for v in logout.headers.getlist("Set-Cookie") if v.startswith("remember_token=")]
    assert cleared and "Expires=Thu, 01 Jan 1970" in cleared[0]

    # Even a copy kept from before the sign-out opens nothing.
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered)
    assert thief.get("/package").status_code == 302


def test_the_csrf_token_from_before_sign_in_is_refused_after_it(client, owner):
    planted = csrf_token_from(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": planted, "email": owner, "password": PASSWORD}
    )
    assert response.status_code == 302
    refused = client.post("/logout", data={"csrf_token": planted})
    assert refused.status_code == 400
    fresh = csrf_token_from(client.get("/package").text)
    assert fresh != planted
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302


def test_signing_out_ends_the_users_other_sessions_too(app: Flask, auth, client, owner):
    other = app.test_client()
    page = other.get("/login")
    other.post(
        "/login",
        data={"csrf_token": csrf_token_from(page.text), "email": owner, "password": PASSWORD},
    )
    assert other.get("/package").status_code == 200
    auth.login(owner)
    auth.logout()
    assert other.get("/package").status_code == 302


def test_an_old_style_cookie_without_a_token_loads_nobody(app: Flask, factory, owner):
    from portal.security import load_user

    with app.app_context():
        assert load_user("1") is None
        assert load_user("1:") is None
        assert load_user("9" * 40 + ":x") is None
