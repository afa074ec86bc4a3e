"""The staff's back office in Italian and French (issue 26, items 13 to 16): accented names
are found, the quote form shows its errors, its request and its price, accounts are picked
by search, closed quotes are duplicated, and the account page tells the contract."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import shoot, sign_in
from tests.quotes.conftest import setting  # noqa: F401

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def staff_page(chromium, live_url, factory, request) -> Iterator[Page]:
    """A signed-in member of staff speaking the language and at the width the test names."""
    language, viewport = request.param
    email = f"staff-{language}@vendor.example.com"
    factory.user(email, Role.STAFF, locale=language)
    context = chromium.new_context(locale=f"{language}-IT", viewport=viewport)
    page = context.new_page()
    sign_in(page, live_url, email)
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("staff_page", [("it", DESKTOP)], indirect=True)
def test_exact_polish_and_czech_names_are_found(staff_page, live_url, factory):
    factory.account("Zakład Usług Łódź Sp. z o.o.", country="PL")
    factory.account("Šťastný a syn s.r.o.", country="CZ")
    factory.account("Lodi Forniture S.r.l.")
    page = staff_page
    for query, found in [
        ("Łódź", "Zakład Usług Łódź Sp. z o.o."),
        ("Zakład Usług Łódź Sp. z o.o.", "Zakład Usług Łódź Sp. z o.o."),
        ("Šťastný", "Šťastný a syn s.r.o."),
        ("stastny", "Šťastný a syn s.r.o."),
    ]:
        page.goto(f"{live_url}/backoffice/accounts")
        page.fill("#q", query)
        page.press("#q", "Enter")
        page.wait_for_load_state()
        expect(page.locator("main table tbody tr")).to_have_count(1)
        expect(page.locator("main table tbody")).to_contain_text(found)
    shoot(page, "staff-search-it")


def _draft(app, account_id: int, **values) -> int:
    """A draft as staff saved it: Standard monthly, 80 agents at 20 % off, 24 months."""
    from datetime import date
    from decimal import Decimal

    from portal.domain.catalog import BillingPeriod, Plan
    from portal.domain.sales_quotes import Discount, DiscountKind
    from portal.quotes import workflow

    draft = workflow.QuoteDraft(
        plan=Plan.STANDARD,
        period=BillingPeriod.MONTHLY,
        agents=80,
        packs=0,
        agent_discount=Discount(DiscountKind.PERCENT, percent=Decimal(20)),
        pack_discount=Discount(),
        overall_discount=Discount(),
        term_months=24,
        billing_starts_on=date(2026, 11, 13),
        valid_until=date(2026, 12, 13),
        note="Prezzo riservato",
    )
    with app.app_context():
        staff_id = workflow.db.session.scalar(
            workflow.select(workflow.User.id).where(workflow.User.role == Role.STAFF)
        )
        return workflow.create_draft(account_id, staff_id, draft).id


@pytest.mark.parametrize("staff_page", [("fr", DESKTOP)], indirect=True)
def test_a_150_percent_discount_is_highlighted_on_its_own_field(staff_page, live_url, app, factory):
    account_id = factory.account("Boulangerie Dvořák SARL", country="FR")
    quote_id = _draft(app, account_id)
    page = staff_page
    page.goto(f"{live_url}/backoffice/quotes/{quote_id}")
    expect(page.locator("#quote-figures-panel")).to_contain_text("€")
    page.fill("#agent_discount_value", "150")
    expect(page.locator("#quote-figures-panel")).to_contain_text("Corrigez les champs")
    errors = page.locator("#agent_discount_value-errors")
    expect(errors).to_have_text("Saisissez un pourcentage entre 0 et 100.")
    expect(errors).to_be_visible()
    # The field is marked, not only the message under it (compared out of focus).
    page.focus("#packs")
    border = page.locator("#agent_discount_value").evaluate(
        "element => getComputedStyle(element).borderColor"
    )
    sound = page.locator("#term_months").evaluate(
        "element => getComputedStyle(element).borderColor"
    )
    assert border != sound
    expect(page.locator("#agents-errors")).to_have_text("")
    shoot(page, "staff-draft-error-fr")
    page.fill("#agent_discount_value", "15")
    expect(errors).to_have_text("")
    expect(page.locator("#quote-figures-panel")).not_to_contain_text("Corrigez les champs")


@pytest.mark.parametrize("staff_page", [("it", PHONE)], indirect=True)
def test_the_draft_shows_the_request_message(staff_page, live_url, app, factory):
    from datetime import datetime

    from portal.domain.catalog import BillingPeriod, Plan
    from portal.extensions import db
    from portal.models import QuoteRequest, QuoteRequestStatus
    from portal.quotes import workflow

    account_id = factory.account("Zakład Usług Łódź Sp. z o.o.", country="PL", currency="EUR")
    user_id = factory.user("anna@lodz.example.com", Role.BILLING_ADMIN, account_id, name="Anna")
    with app.app_context():
        asked = QuoteRequest(
            account_id=account_id,
            user_id=user_id,
            plan=Plan.PRO,
            billing_period=BillingPeriod.ANNUAL,
            agents=120,
            packs=0,
            currency="EUR",
            message="Ci servono 120 agenti da gennaio.\nFattura unica, per favore.",
            status=QuoteRequestStatus.OPEN,
            created_at=datetime(2026, 11, 12, 9, 0),
        )
        db.session.add(asked)
        db.session.commit()
        staff_id = db.session.scalar(
            workflow.select(workflow.User.id).where(workflow.User.role == Role.STAFF)
        )
        quote_id = workflow.draft_from_request(asked.id, staff_id).id
    page = staff_page
    page.goto(f"{live_url}/backoffice/quotes/{quote_id}")
    message = page.locator("main .request-message")
    expect(message).to_contain_text("Ci servono 120 agenti da gennaio.")
    expect(message).to_contain_text("Fattura unica, per favore.")
    expect(page.locator("main .quote-request")).to_contain_text("Anna")
    shoot(page, "staff-draft-request-it")


@pytest.mark.parametrize("staff_page", [("it", DESKTOP)], indirect=True)
def test_a_new_quote_finds_its_account_and_shows_its_price_as_it_is_filled(
    staff_page, live_url, factory
):
    factory.account("Zakład Usług Łódź Sp. z o.o.", country="PL", currency="EUR")
    factory.account("Lodi Forniture S.r.l.")
    page = staff_page
    page.goto(f"{live_url}/backoffice/quotes/new")
    expect(page.locator("select#account_id")).to_have_count(0)
    page.locator("#account").press_sequentially("łódź")
    choice = page.locator("#account-choices input[type=radio]")
    expect(choice).to_have_count(1)
    expect(choice).to_be_checked()
    expect(page.locator("#account-choices")).to_contain_text("Zakład Usług Łódź")
    page.fill("#agents", "80")
    # Standard monthly, 80 agents at the list price €15.00: €1.200,00 a month, unsaved.
    expect(page.locator("#quote-figures-panel")).to_contain_text("1.200,00")
    page.select_option("#agent_discount_kind", "percent")
    page.fill("#agent_discount_value", "20")
    expect(page.locator("#quote-figures-panel")).to_contain_text("960,00")
    shoot(page, "staff-new-quote-it")
    page.get_by_role("button", name="Salva la bozza").click()
    page.wait_for_load_state()
    expect(page.locator("main h1")).to_contain_text("Bozza")
    expect(page.locator("#agents")).to_have_value("80")


@pytest.mark.parametrize("staff_page", [("fr", PHONE)], indirect=True)
def test_a_rejected_quote_is_duplicated_as_a_new_draft(staff_page, live_url, app, factory):
    from portal.extensions import db
    from portal.models import QuoteStatus, SalesQuote
    from portal.quotes import workflow

    account_id = factory.account("Société Générale d'Œuvres", country="FR", currency="EUR")
    admin_id = factory.user("claire@oeuvres.example.com", Role.BILLING_ADMIN, account_id)
    quote_id = _draft(app, account_id)
    with app.app_context():
        staff_id = db.session.get(SalesQuote, quote_id).created_by_id
        workflow.send_quote(quote_id, staff_id, link=f"{live_url}/quotes/{quote_id}")
        workflow.reject_quote(account_id, quote_id, admin_id, "Trop cher")
    page = staff_page
    page.goto(f"{live_url}/backoffice/quotes/{quote_id}")
    page.get_by_role("button", name="Dupliquer comme nouveau brouillon").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").rsplit("/", 1)[1] != str(quote_id)
    expect(page.locator("#agents")).to_have_value("80")
    expect(page.locator("#agent_discount_value")).to_have_value("20")
    expect(page.locator("#term_months")).to_have_value("24")
    expect(page.locator("#note")).to_have_value("Prezzo riservato")
    shoot(page, "staff-duplicate-fr")
    with app.app_context():
        assert db.session.get(SalesQuote, quote_id).status is QuoteStatus.REJECTED


@pytest.fixture
def accepted(setting):  # noqa: F811
    """Acme's quote Q-2026-000001 accepted: 80 agents free, 2 packs at 10 % off, 24 months."""
    from tests.quotes.test_customer import FREE, _accept_all_steps

    quote_id = setting.sent_quote(
        **FREE, pack_discount_kind="percent", pack_discount_value="10", packs="2"
    )
    assert _accept_all_steps(setting, quote_id).status_code == 302
    return quote_id


@pytest.mark.parametrize("staff_page", [("it", DESKTOP)], indirect=True)
def test_the_account_page_tells_the_contract_country_and_documents(
    staff_page,
    live_url,
    setting,  # noqa: F811
    accepted,
):
    page = staff_page
    page.goto(f"{live_url}/backoffice/accounts/{setting.account_id}")
    address = page.locator("main address")
    expect(address).to_contain_text("Italia")
    assert not address.inner_text().strip().endswith("IT")
    contract = page.locator("main .contract")
    expect(contract).to_contain_text("Q-2026-000001")
    expect(contract).to_contain_text("24 mesi")
    expect(contract).to_contain_text("13 nov 2028")
    prices = page.locator("main table.contract-prices")
    expect(prices).to_contain_text("15,00 €")
    expect(prices).to_contain_text("0,00 €")
    expect(prices).to_contain_text("9,00 €")
    shoot(page, "staff-account-it")
    # The free agents made the quote's document a credit note: its PDF, like an invoice's.
    page.get_by_role("link", name="Note di credito").click()
    page.wait_for_load_state()
    link = page.locator("main a[href*='/documents/']").first
    expect(link).to_have_accessible_name(re.compile(r"^PDF di \S+-2026-\d+$"))
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"


@pytest.mark.parametrize("staff_page", [("fr", PHONE)], indirect=True)
def test_quote_savings_are_said_per_period_and_over_the_term_with_one_sign(
    staff_page,
    live_url,
    setting,  # noqa: F811
):
    quote_id = setting.sent_quote()  # 80 agents at 20 % off: €240.00 a month, 24 months
    page = staff_page
    page.goto(f"{live_url}/backoffice/quotes/{quote_id}")
    savings = page.locator("main .quote-figures table.savings")
    expect(savings).to_contain_text("Économies par mois")
    expect(savings).to_contain_text("Économies sur la durée (24\u00a0mois)".replace("\u00a0", " "))
    per_month = page.locator("main .savings-per-period").inner_text()
    over_term = page.locator("main .savings-over-term").inner_text()
    assert per_month.replace("\u202f", " ").replace("\u00a0", " ") == "240,00 €"
    assert over_term.replace("\u202f", " ").replace("\u00a0", " ") == "5 760,00 €"
    shoot(page, "staff-quote-savings-fr")
