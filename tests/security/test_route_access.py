"""Every route of the app against one declared table of who may use it.

To add a route: add its endpoint to ACCESS below with the roles that may use it (the
shorthands EVERYONE, SIGNED_IN, CUSTOMERS, BILLING, OWNER_ONLY, STAFF_ONLY,
TRANSLATOR_ONLY, or your own frozenset of role names). A route without an entry fails
`test_every_route_has_a_rule`; a route whose answers do not match its entry fails
`test_each_role_gets_what_the_table_says`. Object-level rules (another account's id is a
404) are tested by each feature; here an id nobody has is used, so an allowed role gets a
404 (or a form error), never a 403 or the sign-in page.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from portal.models import Role
from portal.numbers import MAX_ID
from tests.conftest import csrf_token_from

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *(role.value for role in Role))

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
CUSTOMERS = frozenset({Role.OWNER.value, Role.BILLING_ADMIN.value, Role.MEMBER.value})
BILLING = frozenset({Role.OWNER.value, Role.BILLING_ADMIN.value})
OWNER_ONLY = frozenset({Role.OWNER.value})
STAFF_ONLY = frozenset({Role.STAFF.value})
TRANSLATOR_ONLY = frozenset({Role.TRANSLATOR.value})

ACCESS: dict[str, frozenset[str]] = {
    # Public
    "static": EVERYONE,
    "web.health": EVERYONE,
    "web.vendor_asset": EVERYONE,
    "i18n.switch_language": EVERYONE,
    "auth.login": EVERYONE,
    "auth.forgot_password": EVERYONE,
    "auth.reset_password": EVERYONE,
    "auth.accept_invitation": EVERYONE,
    # Any signed-in user
    "auth.logout": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "dashboard.home": SIGNED_IN,
    # Finding 7 of issue 12: the payment rewrite narrows these to the paying account.
    "sandbox.challenge": SIGNED_IN,
    "sandbox.decide_challenge": SIGNED_IN,
    "sandbox.paypal": SIGNED_IN,
    "sandbox.decide_paypal": SIGNED_IN,
    # Customers
    "dashboard.my_package": CUSTOMERS,
    "refunds.refund": BILLING,
    "dashboard.auto_renewal": BILLING,
    "dashboard.stop_subscription": BILLING,
    "team.members": OWNER_ONLY,
    "team.invite": OWNER_ONLY,
    "team.change_billing_admin": OWNER_ONLY,
    "team.remove": OWNER_ONLY,
    "team.confirm_remove": OWNER_ONLY,
    "team.confirm_transfer": OWNER_ONLY,
    "team.transfer_ownership": OWNER_ONLY,
    "methods.index": BILLING,
    "methods.add_card": BILLING,
    "methods.add_paypal": BILLING,
    "methods.set_default": BILLING,
    "methods.remove": BILLING,
    "wizard.choose_plan": BILLING,
    "wizard.quantities": BILLING,
    "wizard.summary": BILLING,
    "wizard.payment": BILLING,
    "wizard.pay": BILLING,
    "wizard.payment_status": BILLING,
    "payments.payment_return": BILLING,
    "payments.legacy_return": BILLING,
    "wizard.confirmation": BILLING,
    "wizard.request_quote": BILLING,
    "seats.seats": BILLING,
    "invoices.index": BILLING,
    "invoices.note": BILLING,
    "invoices.edit_note": BILLING,
    "invoices.update_note": BILLING,
    "invoices.pdf": BILLING,
    "invoices.ubl": BILLING,
    "invoices.year_zip": BILLING,
    "invoices.xml": BILLING,
    "invoices.pay": BILLING,
    "invoices.confirm_pay": BILLING,
    "invoices.reissue_preview": BILLING,
    "invoices.reissue_confirm": BILLING,
    "billing.info": BILLING,
    "billing.activity_log": BILLING,
    "billing.letters_of_intent": BILLING,
    "billing.letter_of_intent_pdf": BILLING,
    # Vendor
    "backoffice.accounts": STAFF_ONLY,
    "backoffice.account": STAFF_ONLY,
    "catalogs.overview": TRANSLATOR_ONLY,
    "catalogs.check_entry": TRANSLATOR_ONLY,
    "catalogs.download": TRANSLATOR_ONLY,
    "glossary.terms": TRANSLATOR_ONLY,
    "glossary.add_term": TRANSLATOR_ONLY,
    "glossary.term": TRANSLATOR_ONLY,
    "glossary.remove_term": TRANSLATOR_ONLY,
    "catalogs.entries": TRANSLATOR_ONLY,
    "catalogs.entry": TRANSLATOR_ONLY,
    "catalogs.save_entry": TRANSLATOR_ONLY,
    "quotes.index": BILLING,
    "quotes.detail": BILLING,
    "quotes.pdf": BILLING,
    "quotes.reject": BILLING,
    "quotes.accept_billing": BILLING,
    "quotes.accept_method": BILLING,
    "quotes.accept_review": BILLING,
    "quotes.accept_confirm": BILLING,
    "quotes.accept_confirm_post": BILLING,
    "quotes.staff_list": STAFF_ONLY,
    "quotes.staff_new": STAFF_ONLY,
    "quotes.staff_detail": STAFF_ONLY,
    "quotes.staff_pdf": STAFF_ONLY,
    "quotes.staff_preview": STAFF_ONLY,
    "quotes.staff_send": STAFF_ONLY,
    "quotes.staff_withdraw": STAFF_ONLY,
    "quotes.draft_from_request": STAFF_ONLY,
    "quotes.staff_account_choices": STAFF_ONLY,
    "quotes.staff_duplicate": STAFF_ONLY,
    "quotes.staff_new_preview": STAFF_ONLY,
    "backoffice.document_pdf": STAFF_ONLY,
    "backoffice.document_xml": STAFF_ONLY,
    "backoffice.produce_einvoice_again": STAFF_ONLY,
    "backoffice.einvoices_list": STAFF_ONLY,
    "backoffice.letters": STAFF_ONLY,
    "backoffice.letter": STAFF_ONLY,
    "backoffice.letter_pdf": STAFF_ONLY,
}

# Values for path arguments: ids nobody has, references and tokens that do not exist.
ARGUMENTS = {"int": str(MAX_ID), "default": "unknown", "path": "css/portal.css"}
VENDOR_ASSET = "htmx.min.js"
EMAILS = {
    Role.OWNER.value: "owner@alpha.example.com",
    Role.BILLING_ADMIN.value: "billing@alpha.example.com",
    Role.MEMBER.value: "agent@alpha.example.com",
    Role.STAFF.value: "staff@vendor.example.com",
    Role.TRANSLATOR.value: "translator@vendor.example.com",
}
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
SIGN_OUT = ("auth.logout", "POST")


def _url(rule) -> str:
    """The rule's path with every argument filled in."""

    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "default", match.group(2)
        if rule.endpoint == "web.vendor_asset" and name == "name":
            return VENDOR_ASSET
        return ARGUMENTS.get(converter, ARGUMENTS["default"])

    return ARGUMENT.sub(fill, rule.rule)


def _requests(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route and method; signing out comes last."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, _url(rule)))
    return sorted(found, key=lambda item: (item[:2] == SIGN_OUT, item))


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, (
        f"routes without an access rule: {missing}; add them to ACCESS in {__file__}"
    )
    stale = sorted(ACCESS.keys() - endpoints)
    assert not stale, f"rules for routes that no longer exist: {stale}"
    assert all(roles <= EVERYONE for roles in ACCESS.values())


def _refused(role: str, response) -> bool:
    """A 403, or for anonymous visitors the way to the sign-in page."""
    if response.status_code == 403:
        return True
    location = response.headers.get("Location", "")
    return role == ANONYMOUS and response.status_code == 302 and location.startswith("/login")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(app, client, auth, factory, role):
    alpha = factory.account("Alpha S.r.l.")
    for user_role, email in EMAILS.items():
        customer = Role(user_role).is_customer
        factory.user(email, Role(user_role), alpha if customer else None)
    if role != ANONYMOUS:
        assert auth.login(EMAILS[role]).status_code == 302
    token = csrf_token_from(client.get("/", follow_redirects=True).text)
    wrong = []
    for endpoint, method, url in _requests(app):
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        response.close()
        assert response.status_code < 500, (endpoint, method, url, response.status_code)
        allowed = role in ACCESS[endpoint]
        if allowed == _refused(role, response):
            wrong.append((endpoint, method, response.status_code))
    assert not wrong, f"{role}: answers that differ from ACCESS: {wrong}"
