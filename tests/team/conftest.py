"""A real SMTP server on loopback, a test clock, and helpers to follow e-mailed links."""

from __future__ import annotations

import re

import pytest

from portal.models import Role
from tests.conftest import csrf_token_from
from tests.mail.conftest import app_config, mail_settings, smtp_server  # noqa: F401

LINK = re.compile(r"https?://[^\s]+")


def link_in(message) -> str:
    """The one link in an e-mail's text, as a path the test client opens."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    [link] = LINK.findall(body)
    return re.sub(r"^https?://[^/]+", "", link)


def body_of(message) -> str:
    """The plain-text part of an e-mail."""
    return message.get_body(preferencelist=("plain",)).get_content()


def submit(client, url: str, data: dict, **kwargs):
    """Open a page and post its form back with the page's CSRF token."""
    page = client.get(url, **kwargs)
    return client.post(url, data={"csrf_token": csrf_token_from(page.text), **data}, **kwargs)


@pytest.fixture
def alpha(factory) -> dict[str, int]:
    """Account Alpha: owner, billing admin, agent; account Beta with an agent."""
    alpha_id = factory.account("Alpha S.r.l.")
    beta_id = factory.account("Beta S.p.A.")
    return {
        "account": alpha_id,
        "beta_account": beta_id,
        "owner": factory.user("owner@alpha.example.com", Role.OWNER, alpha_id, name="Olga"),
        "admin": factory.user("admin@alpha.example.com", Role.BILLING_ADMIN, alpha_id, name="Ada"),
        "agent": factory.user("agent@alpha.example.com", Role.MEMBER, alpha_id, name="Aldo"),
        "beta_agent": factory.user("agent@beta.example.com", Role.MEMBER, beta_id, name="Bea"),
    }
