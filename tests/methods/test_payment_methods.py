"""The payment methods page: add cards and PayPal, the default, removal, and who may do it."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.methods.text import method_kind_label
from portal.models import BillingActivity, MethodKind, PaymentMethod, Role
from portal.payments.gateway import (
    EXTENSION_KEY,
    CardEntry,
    GatewayCapabilities,
    GatewayError,
)
from tests.clock import Clock, clock_on
from tests.conftest import at_once, post_form

PAGE = "/billing/payment-methods/"
CARDS = "/billing/payment-methods/cards"
PAYPAL = "/billing/payment-methods/paypal"
OWNER = "owner@alpha.example.com"
ADMIN = "billing@alpha.example.com"
CVC = "987"


@pytest.fixture
def clock() -> Clock:
    """22 November 2026."""
    return clock_on(date(2026, 11, 22))


@pytest.fixture
def people(factory) -> dict[str, int]:
    """Account Alpha with every customer role, account Beta with an owner, vendor users."""
    alpha = factory.account("Alpha S.r.l.")
    beta = factory.account("Beta S.p.A.")
    return {
        "alpha": alpha,
        "beta": beta,
        "owner": factory.user(OWNER, Role.OWNER, alpha),
        "admin": factory.user(ADMIN, Role.BILLING_ADMIN, alpha),
        "member": factory.user("agent@alpha.example.com", Role.MEMBER, alpha),
        "beta_owner": factory.user("owner@beta.example.com", Role.OWNER, beta),
        "staff": factory.user("staff@vendor.example.com", Role.STAFF),
        "translator": factory.user("translator@vendor.example.com", Role.TRANSLATOR),
    }


def card_fields(**overrides: str) -> dict[str, str]:
    """A valid Visa as typed in the form."""
    fields = {
        "holder": "Ada Lovelace",
        "number": "4242 4242 4242 4242",
        "expiry": "12/30",
        "cvc": CVC,
    }
    fields.update(overrides)
    return fields


def add_card(client, page: str = PAGE, **overrides: str):
    """Fill in and send the add-card form."""
    return post_form(client, page, CARDS, card_fields(**overrides))


def methods(app, account_id: int) -> list[PaymentMethod]:
    """The account's stored methods, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(PaymentMethod)
            .where(PaymentMethod.account_id == account_id)
            .order_by(PaymentMethod.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def activity(app, account_id: int) -> list[tuple[str, dict]]:
    """The account's billing activity, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(BillingActivity)
            .where(BillingActivity.account_id == account_id)
            .order_by(BillingActivity.id)
        )
        return [(row.kind, row.details) for row in rows]


def every_stored_value(app) -> list[str]:
    """Every value in every table, as text: what a database dump would reveal."""
    with app.app_context():
        values = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608
                values.extend(str(value) for value in row)
        return values


def input_value(page: str, name: str, action: str = CARDS) -> str | None:
    """The value attribute of an input of the form posting to `action`."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.DOTALL)
    assert form, f"no form for {action}"
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', form.group(0))
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_billing_roles_open_the_page(client, auth, people, who):
    auth.login({"owner": OWNER, "admin": ADMIN}[who])
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Payment methods" in page.text
    assert "No payment methods yet" in page.text
    assert f'href="{PAGE}"' in client.get("/package").text


@pytest.mark.parametrize(
    "email",
    ["agent@alpha.example.com", "staff@vendor.example.com", "translator@vendor.example.com"],
)
def test_other_roles_get_403(app, client, auth, people, email):
    with app.app_context():
        method = PaymentMethod(account_id=people["alpha"], kind="card", token="tok_x")
        db.session.add(method)
        db.session.commit()
        method_id = method.id
    auth.login(email)
    assert client.get(PAGE).status_code == 403
    home = client.get("/", follow_redirects=True).text
    for url in (CARDS, PAYPAL, f"{PAGE}{method_id}/default", f"{PAGE}{method_id}/remove"):
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', home).group(1)
        assert client.post(url, data={"csrf_token": token, **card_fields()}).status_code == 403
    assert len(methods(app, people["alpha"])) == 1
    assert f'href="{PAGE}"' not in home


def test_anonymous_visitors_sign_in_first(client, people):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_forged_csrf_is_400_and_saves_nothing(app, client, auth, people):
    auth.login(OWNER)
    response = client.post(CARDS, data={"csrf_token": "forged", **card_fields()})
    assert response.status_code == 400
    response = client.post(PAYPAL, data={"email": "ada@example.com"})
    assert response.status_code == 400
    assert methods(app, people["alpha"]) == []


# Adding cards ----------------------------------------------------------------------------


def test_add_a_card_the_first_becomes_default(app, client, auth, people):
    auth.login(OWNER)
    response = add_card(client)
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
    [method] = methods(app, people["alpha"])
    assert (method.kind, method.brand, method.last4) == ("card", "visa", "4242")
    assert (method.exp_month, method.exp_year, method.holder) == (12, 2030, "Ada Lovelace")
    assert method.token.startswith("tok_")
    assert method.is_default
    page = client.get(PAGE).text
    assert "Visa •••• 4242 was added." in page
    assert "12/2030" in page
    assert "Default" in page
    assert activity(app, people["alpha"]) == [
        ("payment_method_added", {"method": "Visa •••• 4242", "default": True})
    ]


def test_an_empty_card_form_names_every_missing_field_at_once(app, client, auth, people):
    auth.login(OWNER)
    response = add_card(client, holder="", number="", expiry="", cvc="")
    assert response.status_code == 422
    for message in (
        "Enter the name on the card.",
        "Enter the card number.",
        "Enter the expiry date (MM/YY).",
        "Enter the 3-digit security code (CVC) from the back of the card.",
    ):
        assert message in response.text
    assert response.text.count('aria-invalid="true"') == 4
    assert methods(app, people["alpha"]) == []


def test_the_same_card_is_refused_naming_the_saved_one(app, client, auth, people):
    auth.login(OWNER)
    add_card(client, expiry="12/28")
    again = add_card(client, number="4242-4242-4242-4242", expiry="12 / 2028", holder="Ada L.")
    assert again.status_code == 422
    assert "This card is already saved: Visa •••• 4242, expires 12/2028." in again.text
    assert input_value(again.text, "holder") == "Ada L."  # what was typed is kept
    [kept] = methods(app, people["alpha"])
    assert kept.holder == "Ada Lovelace"
    kinds = [kind for kind, _details in activity(app, people["alpha"])]
    assert kinds == ["payment_method_added"]


def test_a_renewed_card_with_a_new_expiry_can_be_added(app, client, auth, people):
    auth.login(OWNER)
    add_card(client, expiry="12/28")
    assert add_card(client, expiry="12/31").status_code == 302
    assert [m.exp_year for m in methods(app, people["alpha"])] == [2028, 2031]


def test_another_account_may_save_the_same_card(app, client, auth, people):
    auth.login(OWNER)
    add_card(client)
    auth.logout()
    auth.login("owner@beta.example.com")
    assert add_card(client).status_code == 302
    assert len(methods(app, people["beta"])) == 1


def test_the_same_paypal_account_is_refused(app, client, auth, people):
    auth.login(OWNER)
    post_form(client, PAGE, PAYPAL, {"email": "ada@example.com"})
    again = post_form(client, PAGE, PAYPAL, {"email": " Ada@Example.com "})
    assert again.status_code == 422
    assert "This PayPal account is already saved: PayPal (ada@example.com)." in again.text
    assert len(methods(app, people["alpha"])) == 1


def test_two_tabs_adding_the_same_card_at_once_save_it_once(app, client, auth, people):
    auth.login(OWNER)
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    first, second = at_once(lambda: add_card(client), lambda: add_card(twin))
    assert sorted([first.status_code, second.status_code]) == [302, 422]
    assert len(methods(app, people["alpha"])) == 1


def test_a_second_card_is_not_default_unless_asked(app, client, auth, people):
    auth.login(ADMIN)
    add_card(client)
    add_card(client, number="5555-5555-5555-4444", expiry="01 / 2029")
    first, second = methods(app, people["alpha"])
    assert (first.is_default, second.is_default) == (True, False)
    assert (second.brand, second.last4, second.exp_month, second.exp_year) == (
        "mastercard",
        "4444",
        1,
        2029,
    )
    add_card(client, number="4111 1111 1111 1111", make_default="y")
    defaults = [method.last4 for method in methods(app, people["alpha"]) if method.is_default]
    assert defaults == ["1111"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"number": "3782 822463 10005", "cvc": "1234"},
            "American Express cards are not accepted. We accept Visa and Mastercard.",
        ),
        (
            {"number": "6011 1111 1111 1117"},
            "Discover cards are not accepted. We accept Visa and Mastercard.",
        ),
        (
            {"number": "3566 0020 2036 0505"},
            "JCB cards are not accepted. We accept Visa and Mastercard.",
        ),
        ({"number": "4242 4242 4242 4241"}, "This card number is not valid."),
        (
            {"number": "bitcoin:1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
            "This card number is not valid.",
        ),
        ({"expiry": "10/26"}, "This card has expired."),
        ({"expiry": "13/30"}, "Enter the expiry date as MM/YY."),
        ({"cvc": "12"}, "Enter the 3-digit security code (CVC) from the back of the card."),
        ({"cvc": "1234"}, "Enter the 3-digit security code (CVC) from the back of the card."),
        ({"holder": "  "}, "Enter the name on the card."),
    ],
)
def test_refused_cards_say_why(app, client, auth, people, overrides, message):
    auth.login(OWNER)
    response = add_card(client, **overrides)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert 'aria-invalid="true"' in response.text
    assert methods(app, people["alpha"]) == []
    assert activity(app, people["alpha"]) == []


@pytest.mark.parametrize(
    "number", ["3782 822463 10005", "4242 4242 4242 4241", "4111 1111 1111 1111"]
)
def test_number_and_cvc_are_never_echoed_but_the_rest_is_kept(client, auth, people, number):
    auth.login(OWNER)
    # The valid number fails on its expiry, so every field reached the server's checks.
    response = add_card(client, number=number, expiry="01/20" if number[0] == "4" else "12/30")
    assert response.status_code == 422
    digits = number.replace(" ", "")
    assert digits not in response.text
    assert number not in response.text
    assert input_value(response.text, "number") == ""
    assert input_value(response.text, "cvc") == ""
    assert f'value="{CVC}"' not in response.text
    assert input_value(response.text, "holder") == "Ada Lovelace"
    assert input_value(response.text, "expiry") in {"01/20", "12/30"}


def test_card_numbers_and_cvcs_are_never_stored_or_logged(app, client, auth, people, caplog):
    auth.login(OWNER)
    caplog.set_level(logging.DEBUG)
    typed = {
        "4000 0000 0000 0002": 302,  # declined later, at charge time: tokenized now
        "4000 0027 6000 3184": 302,
        "3782 822463 10005": 422,
        "4242 4242 4242 4241": 422,
    }
    for number, status in typed.items():
        assert add_card(client, number=number).status_code == status
    stored = every_stored_value(app)
    assert len(methods(app, people["alpha"])) == 2
    for number in typed:
        digits = number.replace(" ", "")
        assert digits not in caplog.text
        assert number not in caplog.text
        assert not any(digits in value for value in stored)
        assert not any(digits[:12] in value for value in stored)
    assert CVC not in stored
    for record in caplog.records:
        assert CVC not in [str(arg) for arg in (record.args or ())]


def test_gateway_outage_saves_nothing_and_says_so(app, client, auth, people):
    class Unreachable:
        capabilities = GatewayCapabilities(CardEntry.PORTAL_FORM, paypal=True, test_cards=False)

        def tokenize_card(self, card):
            raise GatewayError("timeout")

        def link_paypal(self, email):
            raise GatewayError("timeout")

    app.extensions[EXTENSION_KEY] = Unreachable()
    auth.login(OWNER)
    response = add_card(client)
    assert response.status_code == 503
    assert "cannot be reached" in response.text
    assert input_value(response.text, "number") == ""
    response = post_form(client, PAGE, PAYPAL, {"email": "ada@example.com"})
    assert response.status_code == 503
    assert methods(app, people["alpha"]) == []
    # Only the sandbox shows its test cards.
    assert "Sandbox test cards" not in client.get(PAGE).text


def test_the_sandbox_test_cards_are_shown_with_the_sandbox(client, auth, people):
    auth.login(OWNER)
    page = client.get(PAGE).text
    assert "Sandbox test cards" in page
    for number in ("4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0027 6000 3184"):
        assert number in page


# PayPal ----------------------------------------------------------------------------------


def test_link_paypal(app, client, auth, people):
    auth.login(OWNER)
    add_card(client)
    response = post_form(client, PAGE, PAYPAL, {"email": " ada@example.com "})
    assert response.status_code == 302
    _card, paypal = methods(app, people["alpha"])
    assert (paypal.kind, paypal.paypal_email, paypal.is_default) == (
        "paypal",
        "ada@example.com",
        False,
    )
    assert paypal.token.startswith("pp_")
    page = client.get(PAGE).text
    assert "PayPal (ada@example.com) was added." in page
    post_form(client, PAGE, PAYPAL, {"email": "bob@example.com", "make_default": "y"})
    defaults = [m.paypal_email for m in methods(app, people["alpha"]) if m.is_default]
    assert defaults == ["bob@example.com"]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter the e-mail address of your PayPal account."),
        ("not-an-address", "Enter a valid e-mail address."),
    ],
)
def test_paypal_needs_a_valid_email(app, client, auth, people, email, message):
    auth.login(OWNER)
    response = post_form(client, PAGE, PAYPAL, {"email": email})
    assert response.status_code == 422
    assert message in response.text
    assert methods(app, people["alpha"]) == []


# Default and removal ---------------------------------------------------------------------


def add_three(client) -> None:
    """Visa 4242 (default), Mastercard 4444, PayPal, in this order."""
    add_card(client)
    add_card(client, number="5555 5555 5555 4444")
    post_form(client, PAGE, PAYPAL, {"email": "ada@example.com"})


def method_cells(page: str) -> list[str]:
    """The text of each saved method's Method cell (its row's first), in the list's order."""
    saved = page.split('id="saved-title"')[1].split("</article>")[0]
    rows = re.findall(r"<tr>\s*<td[^>]*>(.*?)</td>", saved, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


CARD_IN = [("it", "Carta"), ("fr", "Carte"), ("en", "Card")]


@pytest.mark.parametrize(("language", "card"), CARD_IN)
def test_each_method_shows_its_own_kind_in_the_pages_language(client, auth, people, language, card):
    auth.login(OWNER)
    add_three(client)
    page = client.get(PAGE, headers={"Accept-Language": language}).text
    # The default first, then the newest.
    assert method_cells(page) == [
        f"{card} Visa •••• 4242",
        "PayPal",
        f"{card} Mastercard •••• 4444",
    ]


@pytest.mark.parametrize(("language", "card"), CARD_IN)
def test_every_method_kind_has_its_own_label_in_every_language(app, language, card):
    with app.test_request_context(headers={"Accept-Language": language}):
        labels = {kind: method_kind_label(kind) for kind in MethodKind}
    assert len(set(labels.values())) == len(MethodKind)
    # A card is named in the page's language; PayPal is a name, the same in every one.
    assert labels == {MethodKind.CARD: card, MethodKind.PAYPAL: "PayPal"}


def action(client, method_id: int, verb: str, **data: str):
    """Press Make default or Remove on a method's row."""
    return post_form(client, PAGE, f"{PAGE}{method_id}/{verb}", data)


def test_set_default_keeps_exactly_one(app, client, auth, people):
    auth.login(OWNER)
    add_three(client)
    _visa, mastercard, _paypal = methods(app, people["alpha"])
    response = action(client, mastercard.id, "default")
    assert response.status_code == 302
    defaults = [m.id for m in methods(app, people["alpha"]) if m.is_default]
    assert defaults == [mastercard.id]
    assert "Mastercard •••• 4444 is now the default payment method." in client.get(PAGE).text
    assert activity(app, people["alpha"])[-1] == (
        "default_payment_method",
        {"method": "Mastercard •••• 4444"},
    )


def test_remove_a_method(app, client, auth, people):
    auth.login(OWNER)
    add_three(client)
    visa, mastercard, paypal = methods(app, people["alpha"])
    asked, response = confirm_removal(client, mastercard.id)
    assert "Remove Mastercard •••• 4444?" in asked.text
    assert "Your default payment method does not change." in asked.text
    assert "will become your default method" not in asked.text
    assert response.status_code == 302
    assert [m.id for m in methods(app, people["alpha"])] == [visa.id, paypal.id]
    assert "Mastercard •••• 4444 was removed." in client.get(PAGE).text
    assert activity(app, people["alpha"])[-1] == (
        "payment_method_removed",
        {"method": "Mastercard •••• 4444"},
    )


def test_removing_a_method_that_is_not_the_default_asks_first(app, client, auth, people):
    auth.login(OWNER)
    add_three(client)
    before = methods(app, people["alpha"])
    mastercard = before[1]
    # A post without the confirmation (or with a forged one) only asks.
    for data in ({}, {"confirm_successor": "none"}, {"confirm_successor": str(before[0].id)}):
        response = action(client, mastercard.id, "remove", **data)
        assert response.status_code == 200
        assert "Remove Mastercard •••• 4444?" in response.text
    assert [m.id for m in methods(app, people["alpha"])] == [m.id for m in before]
    assert "payment_method_removed" not in [kind for kind, _ in activity(app, people["alpha"])]


def confirm_removal(client, method_id: int):
    """Remove a method: the confirmation first, then its Remove with the field it carries."""
    url = f"{PAGE}{method_id}/remove"
    asked = action(client, method_id, "remove")
    assert asked.status_code == 200
    token = input_value(asked.text, "confirm_successor", action=url)
    return asked, action(client, method_id, "remove", confirm_successor=token)


def test_removing_the_default_asks_first_naming_the_successor(app, client, auth, people):
    auth.login(OWNER)
    add_three(client)
    visa, _mastercard, paypal = methods(app, people["alpha"])
    asked, removed = confirm_removal(client, visa.id)
    # Nothing goes before the customer confirms, and the page says who takes over.
    assert "Remove Visa •••• 4242?" in asked.text
    assert "PayPal (ada@example.com) will become your default method." in asked.text
    assert removed.status_code == 302
    defaults = [m.id for m in methods(app, people["alpha"]) if m.is_default]
    assert defaults == [paypal.id]
    kinds = [kind for kind, _details in activity(app, people["alpha"])]
    assert kinds[-2:] == ["payment_method_removed", "default_payment_method"]


def test_removing_the_default_without_confirmation_removes_nothing(app, client, auth, people):
    auth.login(OWNER)
    add_three(client)
    before = [(m.id, m.is_default) for m in methods(app, people["alpha"])]
    visa = before[0][0]
    # A forged post without the field, or naming another successor, only asks again.
    for data in ({}, {"confirm_successor": "none"}, {"confirm_successor": str(visa)}):
        response = action(client, visa, "remove", **data)
        assert response.status_code == 200
        assert "will become your default method" in response.text
    assert [(m.id, m.is_default) for m in methods(app, people["alpha"])] == before


def test_a_new_method_since_the_confirmation_asks_again(app, client, auth, people):
    auth.login(OWNER)
    add_card(client)
    add_card(client, number="5555 5555 5555 4444")
    visa, _mastercard = methods(app, people["alpha"])
    asked = action(client, visa.id, "remove")
    token = input_value(asked.text, "confirm_successor", action=f"{PAGE}{visa.id}/remove")
    post_form(client, PAGE, PAYPAL, {"email": "ada@example.com"})
    again = action(client, visa.id, "remove", confirm_successor=token)
    assert "PayPal (ada@example.com) will become your default method." in again.text
    assert visa.id in [m.id for m in methods(app, people["alpha"])]


def test_removing_the_default_with_htmx_swaps_the_confirmation_in(app, client, auth, people):
    auth.login(OWNER)
    add_card(client)
    add_card(client, number="5555 5555 5555 4444")
    visa, mastercard = methods(app, people["alpha"])
    page = client.get(PAGE).text
    assert 'id="remove-confirm"' in page
    assert f'hx-post="{PAGE}{visa.id}/remove"' in page
    assert f'hx-post="{PAGE}{mastercard.id}/remove"' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    hx = {"HX-Request": "true", "HX-Target": "remove-confirm"}
    asked = client.post(f"{PAGE}{visa.id}/remove", data={"csrf_token": token}, headers=hx)
    assert asked.status_code == 200
    assert asked.text.lstrip().startswith('<article id="remove-confirm"')
    assert "<html" not in asked.text
    assert "Mastercard •••• 4444 will become your default method." in asked.text
    confirm = input_value(asked.text, "confirm_successor", action=f"{PAGE}{visa.id}/remove")
    done = client.post(
        f"{PAGE}{visa.id}/remove",
        data={"csrf_token": token, "confirm_successor": confirm},
        headers=hx,
    )
    assert done.headers["HX-Redirect"] == PAGE
    [left] = methods(app, people["alpha"])
    assert left.id == mastercard.id and left.is_default


def test_the_last_method_stays_while_auto_renewal_is_on(app, client, auth, factory, people):
    factory.subscription(people["alpha"], anchor=date(2026, 11, 10), auto_renew=True)
    auth.login(OWNER)
    add_card(client)
    [visa] = methods(app, people["alpha"])
    response = action(client, visa.id, "remove")
    assert response.status_code == 302
    page = client.get(PAGE).text
    assert "This is the only payment method and the subscription renews automatically" in page
    assert [m.id for m in methods(app, people["alpha"])] == [visa.id]
    # With a second method, the first can go.
    add_card(client, number="5555 5555 5555 4444")
    confirm_removal(client, visa.id)
    [mastercard] = methods(app, people["alpha"])
    assert mastercard.is_default


@pytest.mark.parametrize(("subscription", "auto_renew"), [(True, False), (False, None)])
def test_the_last_method_can_go_without_auto_renewal(
    app, client, auth, factory, people, subscription, auto_renew
):
    if subscription:
        factory.subscription(people["alpha"], anchor=date(2026, 11, 10), auto_renew=auto_renew)
    auth.login(OWNER)
    add_card(client)
    [visa] = methods(app, people["alpha"])
    asked, _removed = confirm_removal(client, visa.id)
    assert "No payment method will be left" in asked.text
    assert methods(app, people["alpha"]) == []


@pytest.mark.parametrize("verb", ["default", "remove"])
def test_another_accounts_method_is_404(app, client, auth, people, verb):
    auth.login("owner@beta.example.com")
    add_card(client)
    add_card(client, number="5555 5555 5555 4444")
    beta_visa, beta_mastercard = methods(app, people["beta"])
    auth.logout()
    auth.login(OWNER)
    response = action(client, beta_mastercard.id, verb)
    assert response.status_code == 404
    assert "Beta" not in response.text
    assert "4444" not in response.text
    assert [(m.id, m.is_default) for m in methods(app, people["beta"])] == [
        (beta_visa.id, True),
        (beta_mastercard.id, False),
    ]
    assert action(client, 999999, verb).status_code == 404


# Coming back to the wizard ---------------------------------------------------------------


def test_next_is_carried_and_followed_when_safe(app, client, auth, people):
    auth.login(OWNER)
    page = client.get(f"{PAGE}?next=/package%3Fstep%3D3").text
    assert input_value(page, "next") == "/package?step=3"
    assert 'href="/package?step=3"' in page
    response = post_form(client, PAGE, CARDS, {**card_fields(), "next": "/package?step=3"})
    assert response.headers["Location"] == "/package?step=3"
    response = post_form(client, PAGE, PAYPAL, {"email": "a@example.com", "next": "/package"})
    assert response.headers["Location"] == "/package"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
    ],
)
def test_unsafe_next_is_ignored(client, auth, people, target):
    auth.login(OWNER)
    page = client.get(PAGE, query_string={"next": target}).text
    for action in (CARDS, PAYPAL):
        assert 'name="next"' not in re.search(rf'action="{action}".*?</form>', page, re.S)[0]
    assert "Continue where you left off" not in page
    response = post_form(client, PAGE, CARDS, {**card_fields(), "next": target})
    assert response.headers["Location"] == PAGE


def test_next_survives_a_refused_card(client, auth, people):
    auth.login(OWNER)
    response = post_form(
        client, PAGE, CARDS, {**card_fields(number="3782 822463 10005"), "next": "/package"}
    )
    assert response.status_code == 422
    assert input_value(response.text, "next") == "/package"
