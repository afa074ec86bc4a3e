"""The three steps and the live summary, as full pages, htmx fragments and without JavaScript."""

from __future__ import annotations

import re

import pytest

from portal.models import Role

HX = {"HX-Request": "true"}


def test_step_one_shows_both_plans_with_prices(customer):
    page = customer.client.get("/package/edit")
    assert page.status_code == 200
    assert "€15.00 per agent per month" in page.text
    assert "€24.00 per agent per month" in page.text
    assert page.text.count(">Activate<") == 2
    # The summary beside the step prices the default choice: Standard monthly, 1 agent.
    assert "Payment summary" in page.text
    assert "€15.00" in page.text
    assert "€3.30" in page.text  # Italian VAT 22 %
    assert "€18.30" in page.text


def test_annual_toggle_shows_annual_prices(customer):
    page = customer.client.get("/package/edit?period=annual")
    assert "€150.00 per agent per year" in page.text
    assert "€240.00 per agent per year" in page.text


def test_currency_is_chosen_at_the_first_purchase(customer):
    page = customer.client.get("/package/edit?currency=CZK")
    assert "CZK\xa0375.00 per agent per month" in page.text
    assert 'name="currency"' in page.text


def test_a_new_currency_with_htmx_brings_its_prices_links_and_summary(customer):
    """Changing the currency with JavaScript: the plans, the period links, the Activate forms
    and (out of band) the summary, all in the new currency."""
    answer = customer.client.get("/package/edit?period=monthly&currency=CZK", headers=HX)
    assert answer.status_code == 200
    html = answer.text
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="plan-choice">')
    assert '<select id="currency"' not in html  # the field being used stays as it is
    assert "CZK\xa0375.00 per agent per month" in html
    assert "CZK\xa0600.00 per agent per month" in html
    assert html.count('<input type="hidden" name="currency" value="CZK">') == 2
    assert "period=annual" in html and "currency=CZK" in html
    summary = re.search(r'<aside id="summary"[^>]*>', html)
    assert summary and 'hx-swap-oob="true"' in summary.group(0)
    assert 'data-figure="due">CZK\xa0457.50<' in html  # 375.00 + 22 % VAT


def test_without_javascript_show_prices_sends_the_currency(customer):
    page = customer.client.get("/package/edit")
    form = re.search(r'<form[^>]*class="currency-choice".*?</form>', page.text, re.S)
    assert form
    assert 'action="/package/edit"' in form.group(0)
    assert '<noscript><button type="submit"' in form.group(0)
    assert 'hx-trigger="change"' in form.group(0)


def test_the_bar_shows_the_summary_s_own_amount_to_pay(customer):
    """The phone's bar is drawn from the same breakdown, in the same answer, as the row."""
    for agents in ("3", "5", "17"):
        html = customer.client.get(
            f"/package/edit/summary?plan=standard&period=monthly&agents={agents}&packs=1",
            headers=HX,
        ).text
        due = re.search(r'data-figure="due">([^<]+)<', html)
        bar = re.search(r'class="summary-bar"[^>]*>.*?<strong>([^<]+)</strong>', html, re.S)
        assert due and bar
        assert bar.group(1) == due.group(1)
    refused = customer.client.get(
        "/package/edit/summary?plan=standard&period=monthly&agents=51&packs=0", headers=HX
    ).text
    assert "summary-bar" not in refused  # no figure to repeat


def test_currency_is_fixed_after_the_first_purchase(standard_customer):
    page = standard_customer.client.get("/package/edit")
    assert '<select id="currency"' not in page.text
    assert standard_customer.client.get("/package/edit?currency=CZK").status_code == 400


@pytest.mark.parametrize(
    "query",
    ["plan=gold", "period=weekly", "currency=GBP", "currency=BTC", "plan=pro&period=daily"],
)
def test_forged_choices_are_refused(customer, query):
    for url in ("/package/edit", "/package/edit/quantities", "/package/edit/payment"):
        response = customer.client.get(f"{url}?{query}")
        assert response.status_code == 400, url


@pytest.mark.parametrize("step", ["", "/quantities", "/payment"])
def test_each_step_as_a_page_and_as_an_htmx_fragment(customer, step):
    customer.add_card()
    query = "plan=standard&period=monthly&agents=5&packs=0"
    full = customer.client.get(f"/package/edit{step}?{query}")
    assert full.status_code == 200
    assert "<html" in full.text
    assert "Payment summary" in full.text
    assert "HX-Request" in full.headers["Vary"]
    fragment = customer.client.get(f"/package/edit{step}?{query}", headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    # Step 1 answers a new currency: its choices, and the summary beside them out of band.
    first = '<div id="plan-choice"' if step == "" else '<aside id="summary"'
    assert fragment.text.lstrip().startswith(first)
    assert "€91.50" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = customer.client.get(
        f"/package/edit{step}?{query}", headers={**HX, "HX-Boosted": "true"}
    )
    assert "<html" in boosted.text


def test_summary_partial_follows_the_agent_count(customer):
    three = customer.client.get(
        "/package/edit/summary?plan=standard&period=monthly&agents=3&packs=0", headers=HX
    )
    five = customer.client.get(
        "/package/edit/summary?plan=standard&period=monthly&agents=5&packs=0", headers=HX
    )
    assert "<html" not in five.text
    assert "3 agents × €15.00" in three.text
    assert "€54.90" in three.text  # 45.00 + 9.90 VAT
    assert "5 agents × €15.00" in five.text
    assert "€75.00" in five.text
    assert "€16.50" in five.text
    assert "€91.50" in five.text


def test_summary_with_packs_and_annual(customer):
    page = customer.client.get(
        "/package/edit/summary?plan=pro&period=annual&agents=2&packs=3", headers=HX
    )
    # 2 × 240.00 + 3 packs × 20.00 × 10 months = 480.00 + 600.00 = 1 080.00; VAT 237.60.
    assert "2 agents × €240.00" in page.text
    assert "3 conversation packs × €200.00" in page.text
    assert "€1,080.00" in page.text
    assert "€237.60" in page.text
    assert "€1,317.60" in page.text


def test_plain_visit_to_the_summary_goes_to_the_step(customer):
    response = customer.client.get("/package/edit/summary?plan=pro&agents=2")
    assert response.status_code == 302
    assert "/package/edit/quantities" in response.headers["Location"]


def test_without_javascript_update_summary_rerenders_the_page(customer):
    page = customer.client.get(
        "/package/edit/quantities?plan=standard&period=monthly&currency=EUR&agents=5&packs=0&refresh=1"
    )
    assert "<html" in page.text
    assert "€91.50" in page.text
    assert 'value="5"' in page.text


@pytest.mark.parametrize(
    ("agents", "message"),
    [
        ("0", "Choose at least 1 agent."),
        ("abc", "Enter a whole number of agents."),
        ("-3", "Enter a whole number of agents."),
        ("2.5", "Enter a whole number of agents."),
    ],
)
def test_agent_limits(customer, agents, message):
    page = customer.client.get(
        f"/package/edit/quantities?plan=standard&period=monthly&agents={agents}&packs=0"
    )
    assert page.status_code == 200
    assert message in page.text
    assert "Correct the highlighted fields to see the price." in page.text
    assert 'aria-invalid="true"' in page.text


def test_above_fifty_agents_offers_a_quote_instead_of_pay(customer):
    page = customer.client.get("/package/edit/quantities?plan=pro&period=monthly&agents=51")
    assert "/package/edit/request-quote" in page.text
    assert 'aria-invalid="true"' not in page.text
    assert ">Continue<" not in page.text
    step3 = customer.client.get("/package/edit/payment?plan=pro&period=monthly&agents=51")
    assert step3.status_code == 302
    assert "/package/edit/quantities" in step3.headers["Location"]


def test_request_a_quote_is_recorded(customer):
    from tests.conftest import post_form

    response = post_form(
        customer.client,
        "/package/edit/request-quote?plan=pro&period=annual&agents=80",
        "/package/edit/request-quote",
        {"plan": "pro", "period": "annual", "agents": "80", "packs": "0", "message": "Hi"},
    )
    assert response.status_code == 302
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import BillingActivity, QuoteRequest

    with customer.app.app_context():
        entry = db.session.scalar(select(BillingActivity))
        assert entry.kind == "quote_requested"
        assert entry.details["agents"] == 80
        request = db.session.scalar(select(QuoteRequest))
        assert (request.plan, request.agents, request.message) == ("pro", 80, "Hi")


@pytest.mark.parametrize(
    ("plan", "packs", "ok"),
    [("standard", 4, True), ("standard", 5, False), ("pro", 19, True), ("pro", 20, False)],
)
def test_pack_limits(customer, plan, packs, ok):
    page = customer.client.get(
        f"/package/edit/quantities?plan={plan}&period=monthly&agents=1&packs={packs}"
    )
    assert ("Choose between 0 and" in page.text) is not ok


def test_going_back_keeps_the_choices(customer):
    page = customer.client.get(
        "/package/edit/payment?plan=pro&period=annual&currency=EUR&agents=7&packs=2"
    )
    assert "agents=7" in page.text
    back = customer.client.get(
        "/package/edit/quantities?plan=pro&period=annual&currency=EUR&agents=7&packs=2"
    )
    assert 'value="7"' in back.text
    assert 'value="2"' in back.text
    step1 = customer.client.get("/package/edit?plan=pro&period=annual&agents=7&packs=2")
    assert 'name="agents" value="7"' in step1.text


def test_step_three_preselects_the_default_method(customer):
    customer.add_card()
    customer.add_card("5555 5555 5555 4444", make_default=False)
    page = customer.client.get("/package/edit/payment?plan=standard&period=monthly&agents=1")
    assert "Pay €18.30" in page.text
    checked = [line for line in page.text.splitlines() if "checked" in line and "method" in line]
    assert len(checked) == 1
    assert "4242" in page.text.split("checked", 1)[1].split("</label>", 1)[0]


def test_annual_to_monthly_says_to_contact_support(app, client, auth, factory):
    from datetime import date

    from portal.domain.catalog import BillingPeriod

    account = factory.account("Annual S.r.l.")
    factory.subscription(account, period=BillingPeriod.ANNUAL, anchor=date(2026, 6, 1))
    factory.user("annual@example.com", Role.OWNER, account)
    auth.login("annual@example.com")
    page = client.get("/package/edit/payment?plan=standard&period=monthly&agents=3")
    assert "not available here" in page.text
    assert "contact our support team" in page.text
    assert 'class="pay-form"' not in page.text
    assert _support_link(page.text)


@pytest.fixture
def annual_owner(client, auth, factory):
    """An owner whose Standard package is billed annually."""
    from datetime import date

    from portal.domain.catalog import BillingPeriod

    account = factory.account("Annual S.r.l.")
    factory.subscription(account, period=BillingPeriod.ANNUAL, anchor=date(2026, 6, 1))
    factory.user("annual@example.com", Role.OWNER, account)
    auth.login("annual@example.com")
    return client


def _support_link(text: str, href: str = "mailto:support@chatdesk.example.com") -> bool:
    """The refusal itself links to support (not only the shell's help link)."""
    refusal = re.search(r"not available here.*?</p>", text, re.S)
    return refusal is not None and f'href="{href}"' in refusal.group(0)


def test_annual_to_monthly_plan_step_offers_support_not_activate(annual_owner):
    page = annual_owner.get("/package/edit?period=monthly").text
    assert "not available here" in page
    assert ">Activate<" not in page
    assert 'action="/package/edit/quantities"' not in page
    assert _support_link(page)
    # Back on annual, both plans can be activated again.
    assert annual_owner.get("/package/edit?period=annual").text.count(">Activate<") == 2


def test_annual_to_monthly_quantities_step_has_no_continue(annual_owner):
    url = "/package/edit/quantities?plan=standard&period=monthly&agents=3&packs=0"
    page = annual_owner.get(url).text
    assert "not available here" in page
    assert ">Continue<" not in page
    assert _support_link(page)
    # The htmx path: the summary and the fields swapped beside it say the same.
    url = "/package/edit/summary?plan=standard&period=monthly&agents=4&packs=0"
    fragment = annual_owner.get(url, headers=HX).text
    assert "not available here" in fragment
    assert ">Continue<" not in fragment
    assert _support_link(fragment)
    url = "/package/edit/summary?plan=standard&period=annual&agents=4&packs=0"
    assert ">Continue<" in annual_owner.get(url, headers=HX).text


def test_support_link_follows_the_configured_help_desk(app, annual_owner):
    app.config["SUPPORT_URL"] = "https://help.example.com/billing"
    page = annual_owner.get("/package/edit?period=monthly").text
    assert _support_link(page, "https://help.example.com/billing")


def test_members_and_vendor_users_cannot_open_the_wizard(client, auth, factory):
    account = factory.account("Team S.r.l.")
    factory.user("agent@team.example.com", Role.MEMBER, account)
    factory.user("staff@vendor.example.com", Role.STAFF)
    for email in ("agent@team.example.com", "staff@vendor.example.com"):
        auth.login(email)
        for url in ("/package/edit", "/package/edit/quantities", "/package/edit/summary"):
            assert client.get(url).status_code == 403
        auth.logout()


def test_my_package_has_edit_for_billing_admins_only(customer, client, auth, factory):
    assert "/package/edit" in customer.client.get("/package").text
    factory.user("agent@bottega.example.com", Role.MEMBER, customer.account_id)
    auth.logout()
    auth.login("agent@bottega.example.com")
    assert "/package/edit" not in client.get("/package").text


def test_summary_in_italian_matches_the_spec_example(standard_customer):
    client = standard_customer.client
    page = client.get(
        "/package/edit/summary?plan=standard&period=monthly&agents=5&packs=0",
        headers={**HX, "Accept-Language": "it"},
    )
    text = page.text
    assert "45,00\xa0€" in text
    assert "-27,00\xa0€" in text
    assert "18,00\xa0€" in text
    assert "IVA 22%" in text
    assert "3,96\xa0€" in text
    assert "21,96\xa0€" in text


def test_summary_in_french_sets_the_percent_apart(standard_customer):
    page = standard_customer.client.get(
        "/package/edit/summary?plan=standard&period=monthly&agents=5&packs=0",
        headers={**HX, "Accept-Language": "fr"},
    )
    assert "TVA 22\u202f%" in page.text  # a narrow no-break space, as French typesetting does
    assert "21,96\xa0€" in page.text
