"""The seat adjustment page: +/−, the delta, the summary, Pay or Confirm, credit on My package."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account, Invoice, PaymentMethod
from portal.payments.sandbox import SandboxCharge
from tests.conftest import csrf_token_from
from tests.wizard.conftest import (
    VISA_DECLINED,
    VISA_OK,
    VISA_SCA,
    read_form,
)

HX = {"HX-Request": "true"}


def test_page_shows_current_quantities_and_no_pay_without_a_change(standard_customer):
    page = standard_customer.client.get("/package/edit/seats")
    assert page.status_code == 200
    assert 'id="agents"' in page.text and 'value="3"' in page.text
    assert "This is your current package: nothing changes." in page.text
    assert 'class="pay-form"' not in page.text


def test_plus_and_minus_buttons_change_the_total_and_the_delta(standard_customer):
    client = standard_customer.client
    plus = client.get("/package/edit/seats?agents=3&packs=0&adjust=agents:1")
    assert 'value="4"' in plus.text
    assert "+1 agent" in plus.text
    minus = client.get("/package/edit/seats?agents=3&packs=0&adjust=agents:-1")
    assert 'value="2"' in minus.text
    assert "−1 agent" in minus.text
    fragment = client.get("/package/edit/seats?agents=5&packs=0", headers=HX)
    assert fragment.text.lstrip().startswith('<div id="seats"')
    assert "+2 agents" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_three_to_five_agents_charges_the_prorated_summary(standard_customer, app):
    standard_customer.add_card()
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0")
    assert "€45.00" in page.text and "-€27.00" in page.text
    assert "Pay €21.96" in page.text
    response = standard_customer.client.post(
        "/package/edit/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 302
    account = standard_customer.account()
    assert account.subscription.agents == 5
    assert account.subscription.period_end == date(2026, 12, 1)
    with app.app_context():
        assert db.session.scalar(select(Invoice.total_minor)) == 2196


def test_five_to_three_agents_confirms_a_credit_note_and_shows_the_credit(standard_customer, app):
    with app.app_context():
        account = db.session.get(Account, standard_customer.account_id)
        account.subscription.agents = 5
        db.session.commit()
    page = standard_customer.client.get("/package/edit/seats?agents=3&packs=0")
    assert "−2 agents" in page.text
    assert ">Confirm<" in page.text
    response = standard_customer.client.post(
        "/package/edit/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 302
    with app.app_context():
        account = db.session.get(Account, standard_customer.account_id)
        assert account.subscription.agents == 3
        assert account.credit_minor == 2196
        note = db.session.scalar(select(Invoice))
        assert note.kind == "credit_note"
        assert note.total_minor == -2196
    package = standard_customer.client.get("/package").text
    assert "€21.96" in package


def test_limits_on_the_seat_page(standard_customer):
    page = standard_customer.client.get("/package/edit/seats?agents=51&packs=0")
    assert "Request a quote" in page.text
    assert 'class="pay-form"' not in page.text
    zero = standard_customer.client.get("/package/edit/seats?agents=1&packs=0&adjust=agents:-1")
    assert "Choose at least 1 agent." in zero.text


def test_free_account_goes_to_the_wizard(customer):
    response = customer.client.get("/package/edit/seats")
    assert response.status_code == 302
    assert response.headers["Location"] == "/package/edit"


def _set_quantities(app, account_id: int, *, agents: int, packs: int = 0) -> None:
    """Start from another package than the fixture's (as if bought on the 1st)."""
    with app.app_context():
        subscription = db.session.get(Account, account_id).subscription
        subscription.agents, subscription.packs = agents, packs
        db.session.commit()


def _confirm(customer, agents: int, packs: int):
    """Open the seat page for a new total and press Pay or Confirm."""
    page = customer.client.get(f"/package/edit/seats?agents={agents}&packs={packs}")
    response = customer.client.post("/package/edit/pay", data=read_form(page.text, "pay-form"))
    assert response.status_code == 302, response.text
    return page


def _documents(app) -> list[tuple[str, int, int, int]]:
    """Number, total, credit used and amount due of every document, in order."""
    with app.app_context():
        return [
            (i.number, i.total_minor, i.credit_used_minor, i.amount_due_minor)
            for i in db.session.scalars(select(Invoice).order_by(Invoice.id))
        ]


def test_packs_up_with_18_of_30_days_left(standard_customer, app):
    standard_customer.add_card()
    page = _confirm(standard_customer, 3, 2)
    assert "+2 packs" in page.text
    assert "€12.00" in page.text and "Pay €14.64" in page.text  # 2 × 10.00 × 18/30 + 22 %
    assert _documents(app) == [("INV-2026-000001", 1464, 0, 1464)]
    account = standard_customer.account()
    assert (account.subscription.agents, account.subscription.packs) == (3, 2)
    assert account.subscription.period_end == date(2026, 12, 1)


def test_packs_down_with_18_of_30_days_left(standard_customer, app):
    _set_quantities(app, standard_customer.account_id, agents=3, packs=2)
    page = _confirm(standard_customer, 3, 0)
    assert "−2 packs" in page.text
    assert _documents(app) == [("CN-2026-000001", -1464, 0, 0)]
    account = standard_customer.account()
    assert account.subscription.packs == 0
    assert account.credit_minor == 1464
    assert account.subscription.period_end == date(2026, 12, 1)


def test_down_then_up_in_one_period_never_costs_more_than_the_agent_days(
    standard_customer, app, clock
):
    _set_quantities(app, standard_customer.account_id, agents=5)  # €75.00 net paid on the 1st
    _confirm(standard_customer, 3, 0)  # 13 Nov, 18 of 30 days left: −2 × 15 × 18/30
    clock.advance(days=7)  # 20 Nov, 11 of 30 days left
    page = _confirm(standard_customer, 5, 0)
    assert "Confirm" in page.text  # the credit covers the increase: nothing to pay
    assert _documents(app) == [
        ("CN-2026-000001", -2196, 0, 0),
        # 5 × 15 × 11/30 = 27.50 − 3 × 15 × 11/30 = 16.50 → 11.00 + 22 % = 13.42, from credit
        ("INV-2026-000001", 1342, 1342, 0),
    ]
    account = standard_customer.account()
    assert account.subscription.agents == 5
    assert account.subscription.period_end == date(2026, 12, 1)
    # Net paid for the month: 75.00 − 18.00 + 11.00 = 68.00, exactly the agent-days used
    # ((5 × 12 + 3 × 7 + 5 × 11) / 30 × 15.00); what is left over stays as credit.
    assert account.credit_minor == 2196 - 1342 == round((7500 - 6800) * 1.22)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxCharge)) == 0


def test_a_decline_on_the_seat_page_stays_on_the_seat_page(standard_customer, app):
    standard_customer.add_card(VISA_DECLINED)
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0")
    response = standard_customer.client.post(
        "/package/edit/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 402
    assert '<div id="seats"' in response.text
    assert "Your card was declined" in response.text
    assert 'name="agents" value="5"' in response.text or 'value="5"' in response.text
    assert standard_customer.account().subscription.agents == 3


def test_after_a_failed_3ds_step_the_same_card_stays_chosen_to_try_again(standard_customer, app):
    standard_customer.add_card(VISA_OK, make_default=True)  # the default
    standard_customer.add_card(VISA_SCA, make_default=False)
    with app.app_context():
        methods = {m.last4: m.id for m in db.session.scalars(select(PaymentMethod))}
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0")
    form = {**read_form(page.text, "pay-form"), "method": str(methods["3184"])}
    response = standard_customer.client.post("/package/edit/pay", data=form)
    challenge = standard_customer.client.get(response.headers["Location"])
    action = re.search(r'action="(/sandbox/[^"]+)"', challenge.text).group(1)
    failed = standard_customer.client.post(
        action, data={"csrf_token": csrf_token_from(challenge.text), "fail": "1"}
    )
    result = standard_customer.client.get(failed.headers["Location"])
    assert result.status_code == 409  # not a decline: nothing waits
    assert '<div id="seats"' in result.text
    assert "You can try again now" in result.text
    checked = re.search(r'value="(\d+)" checked', result.text).group(1)
    assert int(checked) == methods["3184"]
    again = standard_customer.client.post(
        "/package/edit/pay", data=read_form(result.text, "pay-form")
    )
    assert again.status_code == 302
    assert "/sandbox/3ds/" in again.headers["Location"]


def test_adding_a_card_from_the_seat_page_keeps_the_chosen_quantities(standard_customer):
    page = standard_customer.client.get("/package/edit/seats?agents=7&packs=1")
    link = re.search(r'href="(/billing/payment-methods/\?next=[^"]+)"', page.text)
    assert link, "the seat page offers no way to add a method"
    methods_page = standard_customer.client.get(link[1].replace("&amp;", "&"))
    card_form = re.search(
        r'action="/billing/payment-methods/cards".*?</form>', methods_page.text, re.S
    )
    next_value = re.search(r'name="next" value="([^"]+)"', card_form[0])[1]
    added = standard_customer.client.post(
        "/billing/payment-methods/cards",
        data={
            "csrf_token": csrf_token_from(methods_page.text),
            "holder": "Giulia Bianchi",
            "number": VISA_OK,
            "expiry": "12/30",
            "cvc": "123",
            "make_default": "y",
            "next": next_value.replace("&amp;", "&"),
        },
    )
    assert added.status_code == 302
    assert added.headers["Location"].startswith("/package/edit/seats?"), added.headers["Location"]
    back = standard_customer.client.get(added.headers["Location"])
    assert back.headers.get("Location") is None and back.status_code == 200
    assert re.search(r'id="agents"[^>]*value="7"', back.text)
    assert re.search(r'id="packs"[^>]*value="1"', back.text)
    assert "Pay " in back.text


def test_typing_answers_the_figures_and_leaves_the_fields(standard_customer):
    """Sent while typing (with #seats-shown): the summary and, out of band, the change, Pay and
    the fields' state; never the field being typed in."""
    answer = standard_customer.client.get("/package/edit/seats?agents=5&packs=0&shown=", headers=HX)
    assert answer.status_code == 200
    assert "HX-Retarget" not in answer.headers
    html = answer.text
    assert html.lstrip().startswith('<aside id="summary"')
    assert 'id="agents"' not in html and 'name="adjust"' not in html
    assert '<div id="agents-feedback" class="seat-feedback" hx-swap-oob="true">' in html
    assert "+2 agents" in html
    assert '<div id="seats-pay" hx-swap-oob="true">' in html
    assert 'class="pay-form"' in html
    assert '<input type="hidden" id="seats-shown" name="shown" value="" hx-swap-oob' in html
    assert 'data-figure="due">€21.96<' in html
    assert "HX-Request" in answer.headers["Vary"]


def test_typing_into_an_error_answers_the_whole_region(standard_customer):
    """The field's highlighting changes (no agents, then corrected): the answer is the whole
    region, retargeted, so the field is marked and unmarked."""
    wrong = standard_customer.client.get("/package/edit/seats?agents=0&packs=0&shown=", headers=HX)
    assert wrong.headers["HX-Retarget"] == "#seats"
    assert wrong.headers["HX-Reswap"] == "outerHTML"
    assert wrong.text.lstrip().startswith('<div id="seats"')
    assert re.search(r'id="agents"[^>]*aria-invalid="true"', wrong.text, re.S)
    assert 'id="seats-shown" name="shown" value="agents"' in wrong.text
    assert 'class="pay-form"' not in wrong.text
    still = standard_customer.client.get(
        "/package/edit/seats?agents=-1&packs=0&shown=agents", headers=HX
    )
    assert "HX-Retarget" not in still.headers
    assert still.text.lstrip().startswith('<aside id="summary"')
    right = standard_customer.client.get(
        "/package/edit/seats?agents=4&packs=0&shown=agents", headers=HX
    )
    assert right.headers["HX-Retarget"] == "#seats"
    assert not re.search(r'id="agents"[^>]*aria-invalid', right.text)
    assert "+1 agent" in right.text


def test_plus_minus_and_plain_visits_ignore_the_typing_key(standard_customer):
    """+ and − never send #seats-shown; a plain visit with it (no JavaScript) is the page."""
    plus = standard_customer.client.get(
        "/package/edit/seats?agents=3&packs=0&adjust=agents:1", headers=HX
    )
    assert plus.text.lstrip().startswith('<div id="seats"')
    assert "HX-Retarget" not in plus.headers
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0&shown=agents")
    assert "<html" in page.text and "HX-Retarget" not in page.headers
