"""The auto-renewal switch on My package, and the warning before a non-renewing period ends."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import BillingActivity, Role, Subscription
from tests.clock import clock_on
from tests.conftest import csrf_token_from

HX = {"HX-Request": "true"}


@pytest.fixture
def subscribed(factory, auth, client, app):
    """A billing admin of a Standard monthly account with a default card."""
    account_id = factory.account("Rinnovo S.r.l.")
    factory.subscription(account_id, anchor=date(2026, 11, 1))
    factory.user("billing@rinnovo.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@rinnovo.example.com")
    page = client.get("/billing/payment-methods/")
    client.post(
        "/billing/payment-methods/cards",
        data={
            "csrf_token": csrf_token_from(page.text),
            "holder": "Anna Rossi",
            "number": "4242424242424242",
            "expiry": "12/30",
            "cvc": "123",
        },
    )
    return account_id


def _switch(client, value: str, **headers: str):
    """Press the switch."""
    token = csrf_token_from(client.get("/package").text)
    return client.post(
        "/package/auto-renewal", data={"csrf_token": token, "auto_renew": value}, headers=headers
    )


def _stop(client, reason: str = "too_expensive", comment: str = ""):
    """Stop the subscription on its page: a reason, a comment, confirm."""
    token = csrf_token_from(client.get("/package/stop").text)
    return client.post(
        "/package/stop", data={"csrf_token": token, "reason": reason, "comment": comment}
    )


def _auto_renew(app, account_id: int) -> bool:
    """The stored state."""
    with app.app_context():
        return db.session.scalar(
            select(Subscription.auto_renew).where(Subscription.account_id == account_id)
        )


def test_switch_in_place_spells_out_the_consequence(client, app, subscribed):
    page = client.get("/package").text
    assert 'hx-post="/package/auto-renewal"' in page
    assert "Auto-renewal is on" in page
    # Stopping is a page of its own, with what happens and a reason: never one click.
    assert 'href="/package/stop"' in page
    assert _stop(client).status_code == 302
    assert _auto_renew(app, subscribed) is False
    off = client.get("/package").text
    assert "Your subscription is stopped. Changed your mind?" in off
    assert "the account will be blocked on December 1, 2026" in off
    on = _switch(client, "on", **HX)
    assert "Auto-renewal is on" in on.text
    assert "Saved. Auto-renewal is on again." in on.text
    assert _auto_renew(app, subscribed) is True
    with app.app_context():
        kinds = [
            (e.details["on"], e.details.get("reason"))
            for e in db.session.scalars(
                select(BillingActivity)
                .where(BillingActivity.kind == "auto_renew")
                .order_by(BillingActivity.id)
            )
        ]
    assert kinds == [(False, "too_expensive"), (True, None)]


def _fact(page: str, term: str) -> str:
    """The text of one <dd> of My package's facts, by its <dt>."""
    after = page.split(f"<dt>{term}</dt>", 1)[1]
    return after.split("<dd>", 1)[1].split("</dd>", 1)[0].strip()


def test_switch_in_place_updates_every_fact_it_changes(client, app, subscribed):
    """The swapped region carries "Renews on"/"Expires on", "Auto-renewal" and the next payment,
    so nothing on the page still says auto-renewal is on."""
    _stop(client)
    off = client.get("/package").text
    assert 'id="package"' in off and "<dt>Expires on</dt>" in off
    assert "<dt>Renews on</dt>" not in off
    assert _fact(off, "Auto-renewal") == "Off"
    assert "Nothing will be charged: auto-renewal is off" in off
    on = _switch(client, "on", **HX).text
    assert "<dt>Renews on</dt>" in on and _fact(on, "Auto-renewal") == "On"
    assert "Charged to Visa •••• 4242." in on
    # The switch targets the region it lives in, so htmx replaces all of it.
    assert 'hx-target="#package"' in client.get("/package").text


def test_switch_without_javascript_reloads_the_page(client, app, subscribed):
    response = _stop(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/package"
    assert _auto_renew(app, subscribed) is False
    page = client.get("/package").text
    assert "<dt>Expires on</dt>" in page and _fact(page, "Auto-renewal") == "Off"
    assert "Your subscription is stopped: auto-renewal is off" in page  # the confirmation
    response = _switch(client, "on")
    assert response.status_code == 302
    page = client.get("/package").text
    assert "Auto-renewal is on: your package renews at the end of each period." in page


def test_off_at_the_switch_goes_to_the_stop_page_and_changes_nothing(client, app, subscribed):
    """An old page's "off" (or a forged one) lands on the confirmation, with nothing changed."""
    response = _switch(client, "off")
    assert response.status_code == 303
    assert response.headers["Location"] == "/package/stop"
    hx = _switch(client, "off", **HX)
    assert hx.status_code == 204 and hx.headers["HX-Redirect"] == "/package/stop"
    assert _auto_renew(app, subscribed) is True


def test_consequence_in_italian(client, subscribed):
    _stop(client)
    page = client.get("/package", headers={"Accept-Language": "it"}).text
    assert "1 dicembre 2026" in page


def test_forged_value_and_missing_csrf_are_refused(client, app, subscribed):
    assert _switch(client, "maybe").status_code == 400
    assert client.post("/package/auto-renewal", data={"auto_renew": "on"}).status_code == 400
    assert client.post("/package/stop", data={"reason": "other"}).status_code == 400
    assert _auto_renew(app, subscribed) is True


def test_members_cannot_switch(client, auth, factory, app, subscribed):
    factory.user("agent@rinnovo.example.com", Role.MEMBER, subscribed)
    auth.logout()
    auth.login("agent@rinnovo.example.com")
    assert "/package/auto-renewal" not in client.get("/package").text
    token = csrf_token_from(client.get("/package").text)
    response = client.post("/package/auto-renewal", data={"csrf_token": token, "auto_renew": "on"})
    assert response.status_code == 403
    response = client.post("/package/stop", data={"csrf_token": token, "reason": "other"})
    assert response.status_code == 403
    assert client.get("/package/stop").status_code == 403
    assert _auto_renew(app, subscribed) is True


def test_turning_on_needs_a_payment_method(client, auth, factory, app):
    account_id = factory.account("Senza Carta S.r.l.")
    factory.subscription(account_id, anchor=date(2026, 11, 1), auto_renew=False)
    factory.user("owner@senzacarta.example.com", Role.OWNER, account_id)
    auth.login("owner@senzacarta.example.com")
    response = _switch(client, "on", **HX)
    assert response.status_code == 422
    assert "Add a payment method first" in response.text
    assert _auto_renew(app, account_id) is False


def test_free_account_has_no_switch(client, auth, factory):
    account_id = factory.account("Gratis S.r.l.")
    factory.user("owner@gratis.example.com", Role.OWNER, account_id)
    auth.login("owner@gratis.example.com")
    assert "auto-renewal" not in client.get("/package").text
    assert _switch(client, "on").status_code == 404
    # Nothing to stop: the stop page goes back to My package.
    assert client.get("/package/stop").headers["Location"] == "/package"


@pytest.mark.parametrize(
    ("today", "shown"),
    [(date(2026, 11, 23), False), (date(2026, 11, 24), True), (date(2026, 11, 30), True)],
)
def test_warning_banner_from_seven_days_before_the_end(client, clock, subscribed, today, shown):
    _stop(client)
    clock.set(clock_on(today).moment)
    for url in ("/billing/invoices/", "/billing/payment-methods/"):
        page = client.get(url).text
        assert ("your account will be blocked in" in page) is shown, url
    # My package says it once, beside the switch, not again in a banner.
    page = client.get("/package").text
    assert "your account will be blocked in" not in page
    assert page.count("December 1, 2026") == 2  # "Expires on" and the next payment's sentence


def test_no_warning_while_auto_renewal_is_on(client, clock, subscribed):
    clock.set(clock_on(date(2026, 11, 30)).moment)
    assert "will be blocked in" not in client.get("/package").text
