"""MAIL_* settings from the environment, with embedded defaults."""

from __future__ import annotations

import pytest

from portal.config import ConfigurationError, load_settings

MAIL_VARIABLES = (
    "MAIL_SMTP_HOST",
    "MAIL_SMTP_PORT",
    "MAIL_SMTP_USERNAME",
    "MAIL_SMTP_PASSWORD",
    "MAIL_SMTP_STARTTLS",
    "MAIL_SMTP_TIMEOUT",
    "MAIL_FROM",
    "MAIL_OUTBOX_DIR",
    "SELLER_EMAIL",
)


@pytest.fixture
def environment(monkeypatch):
    """A clean slate of mail variables."""
    for name in MAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_write_to_the_instance_outbox(environment, tmp_path):
    environment.setenv("SELLER_EMAIL", "fatture@vendor.example.com")
    settings = load_settings(tmp_path)
    assert settings["MAIL_SMTP_HOST"] == ""
    assert settings["MAIL_SMTP_PORT"] == 25
    assert settings["MAIL_SMTP_STARTTLS"] is False
    assert settings["MAIL_FROM"] == "fatture@vendor.example.com"
    assert settings["MAIL_OUTBOX_DIR"] == str(tmp_path / "outbox")


def test_smtp_settings(environment, tmp_path):
    environment.setenv("MAIL_SMTP_HOST", "smtp.example.com")
    environment.setenv("MAIL_SMTP_PORT", "587")
    environment.setenv("MAIL_SMTP_USERNAME", "portal")
    environment.setenv("MAIL_SMTP_PASSWORD", "s3cret")
    environment.setenv("MAIL_SMTP_STARTTLS", "yes")
    environment.setenv("MAIL_SMTP_TIMEOUT", "4.5")
    environment.setenv("MAIL_FROM", "invoices@example.com")
    settings = load_settings(tmp_path)
    assert (settings["MAIL_SMTP_HOST"], settings["MAIL_SMTP_PORT"]) == ("smtp.example.com", 587)
    assert (settings["MAIL_SMTP_USERNAME"], settings["MAIL_SMTP_PASSWORD"]) == ("portal", "s3cret")
    assert settings["MAIL_SMTP_STARTTLS"] is True
    assert settings["MAIL_SMTP_TIMEOUT"] == 4.5
    assert settings["MAIL_FROM"] == "invoices@example.com"


def test_a_port_that_is_not_a_number_stops_start_up(environment, tmp_path):
    environment.setenv("MAIL_SMTP_PORT", "smtp")
    with pytest.raises(ConfigurationError, match="MAIL_SMTP_PORT"):
        load_settings(tmp_path)
