"""The app shell: each role's menu, the language menu, the help link from the settings."""

from __future__ import annotations

import re

import pytest
from flask import flash, render_template_string

from portal.models import Role

EMAILS = {
    Role.OWNER: "owner@shell.example.com",
    Role.BILLING_ADMIN: "billing@shell.example.com",
    Role.MEMBER: "agent@shell.example.com",
    Role.STAFF: "staff@vendor.example.com",
    Role.TRANSLATOR: "translator@vendor.example.com",
}
MENUS = {
    Role.OWNER: [
        "/package",
        "/billing/invoices/",
        "/quotes",
        "/billing/payment-methods/",
        "/billing/info",
        "/billing/activity",
        "/team/",
    ],
    Role.BILLING_ADMIN: [
        "/package",
        "/billing/invoices/",
        "/quotes",
        "/billing/payment-methods/",
        "/billing/info",
        "/billing/activity",
    ],
    Role.MEMBER: ["/package"],
    Role.STAFF: [
        "/backoffice/accounts",
        "/backoffice/quotes",
        "/backoffice/einvoices",
        "/backoffice/letters-of-intent",
    ],
    Role.TRANSLATOR: ["/translations/"],
}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"SUPPORT_URL": "https://help.example.com/portal"}


@pytest.fixture
def people(factory) -> None:
    account = factory.account("Shell S.r.l.")
    for role, email in EMAILS.items():
        factory.user(email, role, account if role.is_customer else None)


def _menu(html: str) -> list[str]:
    """The links of the side menu, in order."""
    nav = re.search(r'<nav class="app-nav".*?</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_sees_its_menu_and_the_account(client, auth, people, role):
    auth.login(EMAILS[role])
    page = client.get(MENUS[role][0]).text
    assert _menu(page) == MENUS[role]
    assert ('class="account-name"' in page) == role.is_customer
    assert 'aria-current="page"' in page
    assert 'href="#main"' in page and 'id="main"' in page


def test_signed_out_pages_have_no_menu_but_help_and_languages(client):
    page = client.get("/login").text
    assert _menu(page) == []
    assert page.count('href="https://help.example.com/portal"') >= 2  # header and footer
    assert '<details class="header-menu language-menu">' in page
    assert 'name="next" value="/login"' in page


def test_help_is_a_mail_to_support_without_a_support_page(app, client):
    app.config["SUPPORT_URL"] = ""
    app.config["SUPPORT_EMAIL"] = "help@vendor.example.com"
    assert 'href="mailto:help@vendor.example.com"' in client.get("/login").text


def test_error_messages_offer_the_support_link(app):
    with app.test_request_context("/login"):
        flash("The card was declined.", "error")
        flash("Saved.", "success")
        page = render_template_string('{% extends "base.html" %}')
    error = re.search(r'<p class="flash flash-error".*?</p>', page, re.S).group(0)
    assert 'href="https://help.example.com/portal" class="flash-help"' in error
    success = re.search(r'<p class="flash flash-success".*?</p>', page, re.S).group(0)
    assert "flash-help" not in success
