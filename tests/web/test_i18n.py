"""Language negotiation, the switch on every page, and Babel's formatting of money and dates."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Role, User
from tests.clock import Clock, clock_on
from tests.conftest import post_form

NNBSP = "\u202f"  # French groups thousands with a narrow no-break space


@pytest.fixture
def clock() -> Clock:
    """22 November 2026, so renewal dates and days left are known."""
    return clock_on(date(2026, 11, 22))


@pytest.fixture
def customer(factory) -> str:
    """A billing admin of a Standard monthly EUR account with 3 agents and 1 234.50 € credit."""
    account = factory.account("Gamma S.r.l.", credit_minor=123450)
    factory.subscription(account, agents=3, anchor=date(2026, 11, 10))
    factory.user("billing@gamma.example.com", Role.BILLING_ADMIN, account)
    return "billing@gamma.example.com"


def test_default_language_is_english(client):
    assert "Sign in" in client.get("/login").text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("it-IT,it;q=0.9,en;q=0.5", "Accedi"),
        ("fr-CH, fr;q=0.9", "Se connecter"),
        ("de-DE", "Sign in"),
        ("en-US", "Sign in"),
    ],
)
def test_accept_language_is_honoured(client, header, expected):
    page = client.get("/login", headers={"Accept-Language": header})
    assert expected in page.text


def test_html_lang_follows_the_locale(client):
    page = client.get("/login", headers={"Accept-Language": "fr"})
    assert '<html lang="fr"' in page.text


def test_switch_is_on_every_page(client, auth, customer):
    for url in ("/login",):
        assert 'action="/language"' in client.get(url).text
    auth.login(customer)
    assert 'action="/language"' in client.get("/package").text
    assert 'action="/language"' in client.get("/team/").text  # even on an error page


def test_switch_when_signed_out_is_kept_in_the_session(client):
    response = post_form(client, "/login", "/language", {"locale": "it", "next": "/login"})
    assert response.headers["Location"] == "/login"
    # The switch beats Accept-Language.
    assert "Accedi" in client.get("/login", headers={"Accept-Language": "fr"}).text


def test_switch_when_signed_in_is_saved_as_preference(client, auth, customer, app):
    auth.login(customer)
    post_form(client, "/package", "/language", {"locale": "fr", "next": "/package"})
    with app.app_context():
        user = db.session.query(User).filter_by(email=customer).one()
        assert user.locale == "fr"
    # A new browser, with another Accept-Language, gets the saved preference after sign-in.
    other = app.test_client()
    page = other.get("/login")
    from tests.conftest import PASSWORD, csrf_token_from

    other.post(
        "/login",
        data={"csrf_token": csrf_token_from(page.text), "email": customer, "password": PASSWORD},
    )
    assert "Mon forfait" in other.get("/package", headers={"Accept-Language": "it"}).text


def test_language_chosen_before_sign_in_becomes_the_preference(client, auth, customer, app):
    post_form(client, "/login", "/language", {"locale": "it", "next": "/login"})
    auth.login(customer)
    with app.app_context():
        assert db.session.query(User).filter_by(email=customer).one().locale == "it"


def test_unknown_language_is_ignored(client):
    post_form(client, "/login", "/language", {"locale": "xx", "next": "/login"})
    assert "Sign in" in client.get("/login").text


def test_switch_does_not_redirect_elsewhere(client):
    response = post_form(
        client, "/login", "/language", {"locale": "it", "next": "https://evil.example.com/"}
    )
    assert response.headers["Location"] == "/"


def test_switch_without_csrf_is_refused(client):
    assert client.post("/language", data={"locale": "it"}).status_code == 400


@pytest.mark.parametrize(
    ("locale", "credit", "renewal", "agents", "days"),
    [
        ("it", "1.234,50\xa0€", "10 dicembre 2026", "3 agenti", "18 giorni rimanenti"),
        ("fr", f"1{NNBSP}234,50\xa0€", "10 décembre 2026", "3 agents", "18 jours restants"),
        ("en", "€1,234.50", "December 10, 2026", "3 agents", "18 days left"),
    ],
)
def test_package_is_formatted_for_the_locale(
    client, auth, customer, locale, credit, renewal, agents, days
):
    auth.login(customer)
    post_form(client, "/package", "/language", {"locale": locale, "next": "/package"})
    page = client.get("/package").text
    assert credit in page
    assert renewal in page
    assert agents in page
    assert days in page


@pytest.mark.parametrize(("locale", "one"), [("it", "1 agente"), ("fr", "1 agent")])
def test_singular_forms(client, auth, factory, locale, one):
    account = factory.account("Delta S.r.l.")
    factory.user("owner@delta.example.com", Role.OWNER, account, locale=locale)
    auth.login("owner@delta.example.com")
    assert one in client.get("/package").text


def test_french_uses_singular_for_zero(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        from flask_babel import ngettext

        assert ngettext("%(num)d day left", "%(num)d days left", 0) == "0 jour restant"
        assert ngettext("%(num)d day left", "%(num)d days left", 2) == "2 jours restants"


def test_italian_uses_plural_for_zero(app):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        from flask_babel import ngettext

        assert ngettext("%(num)d day left", "%(num)d days left", 0) == "0 giorni rimanenti"


def test_broken_translation_falls_back_to_source(app):
    from portal.safe_gettext import format_or_fallback

    assert format_or_fallback("%(nome)s è admin", "%(name)s is admin", {"name": "Eva"}) == (
        "Eva is admin"
    )


def test_error_pages_are_translated(client, auth, customer):
    auth.login(customer)
    post_form(client, "/package", "/language", {"locale": "it", "next": "/package"})
    response = client.get("/backoffice/accounts")
    assert response.status_code == 403
    assert "Non hai accesso a questa pagina." in response.text


def test_a_request_keeps_its_catalog_but_follows_a_forced_locale(app):
    from flask_babel import force_locale
    from flask_babel import gettext as translate

    from portal.i18n import format_day

    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert translate("Invoices") == "Fatture"
        assert format_day(date(2026, 11, 16), "medium") == "16 nov 2026"
        with force_locale("fr"):
            assert translate("Invoices") == "Factures"
            assert format_day(date(2026, 11, 16), "medium") == "16 nov. 2026"
        assert translate("Invoices") == "Fatture"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert translate("Invoices") == "Invoices"
        assert format_day(date(2026, 11, 16), "medium") == "Nov 16, 2026"
