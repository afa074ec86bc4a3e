"""Finding 3: HSTS in production, no-store on signed-in pages, Permissions-Policy, COOP, key."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import ConfigurationError, load_settings
from portal.models import Role


@pytest.fixture
def owner(factory, auth) -> None:
    """A signed-in owner."""
    factory.user("owner@bottega.example.com", Role.OWNER, factory.account("Bottega S.r.l."))
    auth.login("owner@bottega.example.com")


def test_every_page_has_permissions_policy_and_opener_policy(client):
    response = client.get("/login")
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy as {directive: its sources}."""
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_pages_may_not_move_their_base_nor_post_forms_elsewhere(client, owner):
    # A <base href> or a form pointing off-site, however it got into a page, does nothing.
    for path in ("/login", "/package", "/billing/payment-methods/"):
        policy = directives(client.get(path).headers["Content-Security-Policy"])
        assert policy["base-uri"] == "'none'", path
        assert policy["form-action"] == "'self'", path
        assert policy["object-src"] == "'none'", path
        assert policy["script-src"] == "'self'", path


def test_no_hsts_on_a_developer_machine(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("app_config", [{"STRICT_TRANSPORT_SECURITY": True}])
def test_hsts_in_production(client):
    header = client.get("/login").headers["Strict-Transport-Security"]
    assert "max-age=31536000" in header


def test_production_settings_turn_hsts_on(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PUBLIC_URL", "https://billing.example.com")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    settings = load_settings(tmp_path)
    assert settings["STRICT_TRANSPORT_SECURITY"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_signed_in_pages_are_not_stored(client, owner):
    for url in ("/package", "/team/", "/billing/invoices/", "/billing/info"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_static_assets_stay_cacheable_when_signed_in(client, owner):
    with client.get("/static/css/portal.css") as response:
        assert response.headers.get("Cache-Control") != "no-store"


@pytest.mark.parametrize("key", ["x", "short-key", "a" * 31])
def test_a_short_secret_key_is_refused_in_production(monkeypatch, tmp_path: Path, key):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PUBLIC_URL", "https://billing.example.com")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is too short"):
        load_settings(tmp_path)


def test_a_long_secret_key_is_accepted_in_production(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PUBLIC_URL", "https://billing.example.com")
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 2)
    assert load_settings(tmp_path)["SECRET_KEY"] == "0123456789abcdef" * 2
