"""Finding 9 (and 5b): a NUL, a control or a text-direction character pasted into any form is
that field's error, in the user's language, with everything else typed kept; a file posted
into a text field is refused the same way. Never a bare 400 that loses the input, never a 500.

One row per form with text fields; each is posted with its valid values but one field
poisoned. A zero-width joiner is not refused: it is part of emoji and of Persian or Hindi
words (and so is a zero-width non-joiner), and it turns no text around.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.account_links import LinkPurpose, make_token
from portal.documents.issuing import issue_document
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import Configuration, price_change
from portal.domain.sales_quotes import Discount
from portal.extensions import db
from portal.forms import FORBIDDEN_TEXT
from portal.models import (
    Account,
    BillingInfo,
    GlossaryTerm,
    Invoice,
    InvoiceStatus,
    LetterOfIntent,
    QuoteRequest,
    Role,
    SalesQuote,
    User,
)
from portal.quotes.workflow import QuoteDraft, create_draft, send_quote
from portal.reference_data import reference
from tests.catalogs.conftest import app_config, catalog_dir, key_of  # noqa: F401
from tests.conftest import PASSWORD, Factory, csrf_token_from
from tests.invoices.conftest import ITALY
from tests.quotes.conftest import DRAFT_FORM

NUL = "\x00"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
ESCAPE = "\x1b"
ZERO_WIDTH_JOINER = "\u200d"
UNSAFE = [NUL, RIGHT_TO_LEFT_OVERRIDE, ESCAPE, "\u2066"]
ERROR = {
    "en": "invisible control or text-direction characters",
    "it": "caratteri di controllo invisibili o segni di direzione del testo",
    "fr": "caractères de contrôle invisibles ou des marques de direction du texte",
}
FILE_ERROR = "This field takes text, not a file"
NEW_PASSWORD = "a new password 2026"
OWNER = "owner@bottega.example.com"
ADMIN = "billing@bottega.example.com"
STAFF = "staff@vendor.example"
TRANSLATOR = "translator@vendor.example"


@dataclass
class Place:
    """What a row needs: the account, and ids made on demand."""

    app: Flask
    factory: Factory
    account_id: int
    ids: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class FormRow:
    """A form: who fills it in, where, its valid values, the fields to poison and a value of
    another field that must come back."""

    name: str
    who: str | None
    page: str
    action: str
    data: dict[str, str]
    poisoned: tuple[str, ...]
    # Text of other fields that must come back (checked while another field is poisoned).
    kept: dict[str, str]
    prepare: Callable[[Place], None] | None = None
    # Fields whose value is not shown again whole (passwords, a number field cut to its
    # width): only their error is checked.
    unechoed: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    # A form that shows nothing typed again (an htmx preview): only its error is checked.
    shows_error: bool = True


def _invoice(place: Place) -> None:
    """A paid invoice of the account."""
    with place.app.app_context():
        account = db.session.get(Account, place.account_id)
        breakdown = price_change(
            current=None,
            target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 2, 0),
            today=date(2026, 11, 13),
            currency="EUR",
            prices=reference().prices,
            tax=ITALY,
        )
        invoice = issue_document(
            account,
            breakdown,
            issued_on=date(2026, 11, 13),
            paid_with="Visa •••• 4242",
            status=InvoiceStatus.PAID,
        )
        db.session.commit()
        place.ids["invoice"] = invoice.id


def _billing_admin(place: Place) -> None:
    """The billing admin the owner may hand the account over to."""
    with place.app.app_context():
        place.ids["user"] = db.session.scalar(select(User.id).where(User.email == ADMIN))


def _quote(place: Place, *, sent: bool) -> None:
    """A draft (or sent) quote for the account, made through the service staff use."""
    with place.app.test_request_context():
        staff_id = db.session.scalar(select(User.id).where(User.email == STAFF))
        draft = QuoteDraft(
            plan=Plan.STANDARD,
            period=BillingPeriod.MONTHLY,
            agents=80,
            packs=0,
            agent_discount=Discount(),
            pack_discount=Discount(),
            overall_discount=Discount(),
            term_months=12,
            billing_starts_on=date(2026, 11, 13),
            valid_until=date(2026, 12, 13),
            note="",
        )
        quote = create_draft(place.account_id, staff_id, draft)
        if sent:
            send_quote(quote.id, staff_id, link="http://localhost/quotes/1")
        place.ids["quote"] = quote.id


def _letter(place: Place) -> None:
    """A letter of intent of the account, waiting for staff's decision."""
    with place.app.app_context():
        letter = LetterOfIntent(
            account_id=place.account_id,
            pdf=b"%PDF-1.4\n%%EOF\n",
            file_name="letter.pdf",
            protocol=LETTER["protocol"],
            issued_on=date(2026, 1, 15),
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
            ceiling_minor=500000,
        )
        db.session.add(letter)
        db.session.commit()
        place.ids["letter"] = letter.id


def _token(purpose: LinkPurpose, email: str) -> Callable[[Place], None]:
    """A reset link for `email`, or an invitation of a new user with that address."""

    def prepare(place: Place) -> None:
        with place.app.test_request_context():
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(
                    email=email,
                    name="Nuovo",
                    role=Role.MEMBER,
                    account_id=place.account_id,
                    invitation_pending=True,
                )
                user.set_password(PASSWORD)
                db.session.add(user)
                db.session.commit()
            place.ids["token"] = make_token(user, purpose)

    return prepare


def _glossary_term(place: Place) -> None:
    """A term of the French glossary, at revision 1."""
    with place.app.app_context():
        term = GlossaryTerm(
            language="fr",
            term="quote",
            term_key="quote",
            translation="devis",
            variants="",
            note="",
            revision=1,
            updated_by_name="Tina",
        )
        db.session.add(term)
        db.session.commit()
        place.ids["term"] = term.id


GLOSSARY_TERM = {
    "term": "invoice",
    "translation": "facture",
    "variants": "factures",
    "note": "Toujours ainsi",
    "revision": "0",
}
DRAFT = {"account_id": "{account}", **DRAFT_FORM, "note": "Prezzo riservato"}
BILLING = {
    "company": "Bottega S.r.l.",
    "contact_name": "Giulia Bianchi",
    "billing_email": "conti@bottega.example.com",
    "cc_emails": "",
    "address": "Via Roma 1",
    "postal_code": "47121",
    "city": "Forlimpopoli",
    "country": "IT",
    "vat_id": "",
    "invoice_language": "it",
    "invoices_by_email": "y",
    "tax_code": "RSSMRA85T10A562S",
}
LETTER = {
    "protocol": "26011512345678901-000001",
    "issued_on": "2026-01-15",
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
    "ceiling": "5000,00",
}
NEW_PASSWORDS = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}

PASSWORDS = ("password", "current_password", "new_password", "confirm_password")
KEPT_BILLING = {"city": "Forlimpopoli", "address": "Via Roma 1"}
KEPT_DRAFT = {"note": "Prezzo riservato", "agent_discount_value": 'value="20"'}

ROWS = [
    FormRow("sign-in", None, "/login", "/login", {"email": OWNER, "password": PASSWORD},
            ("email", "password"), {"email": OWNER}, unechoed=PASSWORDS),
    FormRow("forgot password", None, "/password/forgot", "/password/forgot",
            {"email": OWNER}, ("email",), {}),
    FormRow("change password", OWNER, "/password", "/password",
            {"current_password": PASSWORD, **NEW_PASSWORDS},
            ("current_password", "new_password"), {}, unechoed=PASSWORDS),
    FormRow("reset password", None, "/password/reset/{token}", "/password/reset/{token}",
            NEW_PASSWORDS, ("new_password", "confirm_password"), {}, unechoed=PASSWORDS,
            prepare=_token(LinkPurpose.PASSWORD_RESET, ADMIN)),
    FormRow("accept invitation", None, "/invitation/{token}", "/invitation/{token}",
            {"name": "Nuova Collega", **NEW_PASSWORDS}, ("name", "new_password"),
            {"name": "Nuova Collega"}, unechoed=PASSWORDS,
            prepare=_token(LinkPurpose.INVITATION, "new@bottega.example.com")),
    FormRow("team invite", OWNER, "/team/", "/team/invite",
            {"name": "Nuova Collega", "email": "nuova@bottega.example.com", "role": "member"},
            ("name", "email"), {"name": "Nuova Collega", "email": "nuova@bottega.example.com"}),
    FormRow("hand-over password", OWNER, "/team/{user}/ownership", "/team/{user}/ownership",
            {"password": PASSWORD}, ("password",), {}, unechoed=PASSWORDS,
            prepare=_billing_admin),
    FormRow("billing info", ADMIN, "/billing/info", "/billing/info", BILLING,
            ("company", "contact_name", "address", "city", "vat_id", "cc_emails"),
            KEPT_BILLING),
    FormRow("letter of intent", ADMIN, "/billing/letters-of-intent",
            "/billing/letters-of-intent", LETTER, ("protocol", "ceiling"),
            {"protocol": LETTER["protocol"]}),
    FormRow("letter of intent decision", STAFF, "/backoffice/letters-of-intent/{letter}",
            "/backoffice/letters-of-intent/{letter}",
            {"reason": "Protocollo errato", "reject": "1"},
            ("reason",), {}, prepare=_letter),
    FormRow("invoice note", ADMIN, "/billing/invoices/", "/billing/invoices/{invoice}/note",
            {"note": "PO 4711"}, ("note",), {}, prepare=_invoice),
    FormRow("invoice note (htmx)", ADMIN, "/billing/invoices/",
            "/billing/invoices/{invoice}/note", {"note": "PO 4711"}, ("note",), {},
            prepare=_invoice, headers={"HX-Request": "true"}),
    FormRow("quote request", ADMIN,
            "/package/edit/request-quote?plan=pro&period=annual&agents=80",
            "/package/edit/request-quote",
            {"plan": "pro", "period": "annual", "agents": "80", "packs": "0",
             "message": "Servono 80 agenti"}, ("message", "agents"),
            {"message": "Servono 80 agenti", "agents": 'value="80"'}, unechoed=("agents",)),
    FormRow("stop subscription", ADMIN, "/package/stop", "/package/stop",
            {"reason": "other", "comment": "Troppo caro per noi"}, ("comment",), {}),
    FormRow("quote checkout step 1", ADMIN, "/quotes/{quote}/accept",
            "/quotes/{quote}/accept", BILLING,
            ("company", "contact_name", "address", "city"), KEPT_BILLING,
            prepare=lambda place: _quote(place, sent=True)),
    FormRow("quote reject reason", ADMIN, "/quotes/{quote}", "/quotes/{quote}/reject",
            {"reason": "Troppo caro"}, ("reason",), {},
            prepare=lambda place: _quote(place, sent=True)),
    FormRow("quote draft (new)", STAFF, "/backoffice/quotes/new", "/backoffice/quotes/new",
            DRAFT, ("note", "agent_discount_value", "agents"), KEPT_DRAFT),
    FormRow("quote draft (new, live preview)", STAFF, "/backoffice/quotes/new",
            "/backoffice/quotes/new/preview", DRAFT, ("note", "agent_discount_value"), {},
            headers={"HX-Request": "true"}, shows_error=False),
    FormRow("quote draft (save)", STAFF, "/backoffice/quotes/{quote}",
            "/backoffice/quotes/{quote}", DRAFT, ("note", "agent_discount_value"), KEPT_DRAFT,
            prepare=lambda place: _quote(place, sent=False)),
    FormRow("quote draft (send)", STAFF, "/backoffice/quotes/{quote}",
            "/backoffice/quotes/{quote}/send", DRAFT, ("note",), KEPT_DRAFT,
            prepare=lambda place: _quote(place, sent=False)),
    FormRow("quote draft (preview)", STAFF, "/backoffice/quotes/{quote}",
            "/backoffice/quotes/{quote}/preview", DRAFT, ("note",), {},
            prepare=lambda place: _quote(place, sent=False), shows_error=False),
    FormRow("translation", TRANSLATOR, "/translations/fr/entries/{entry}",
            "/translations/fr/entries/{entry}", {"translation-0": "Précédent"},
            ("translation-0",), {}),
    FormRow("translation check", TRANSLATOR, "/translations/fr/entries/{entry}",
            "/translations/fr/entries/{entry}/check", {"translation-0": "Précédent"},
            ("translation-0",), {}, unechoed=("translation-0",), headers={"HX-Request": "true"}),
    FormRow("glossary term", TRANSLATOR, "/translations/fr/glossary",
            "/translations/fr/glossary", GLOSSARY_TERM, ("term", "translation", "variants",
            "note"), {"translation": 'value="facture"', "note": "Toujours ainsi"}),
    FormRow("glossary change", TRANSLATOR, "/translations/fr/glossary/{term}",
            "/translations/fr/glossary/{term}", {**GLOSSARY_TERM, "revision": "1"},
            ("term", "translation", "variants", "note"),
            {"translation": 'value="facture"', "note": "Toujours ainsi"}, prepare=_glossary_term),
    FormRow("card", ADMIN, "/billing/payment-methods/", "/billing/payment-methods/cards",
            {"holder": "Giulia Bianchi", "number": "4242 4242 4242 4242", "expiry": "12/30",
             "cvc": "123"}, ("holder", "expiry"),
            {"holder": "Giulia Bianchi", "expiry": 'value="12/30"'}),
    FormRow("PayPal", ADMIN, "/billing/payment-methods/", "/billing/payment-methods/paypal",
            {"email": "giulia@example.com"}, ("email",), {}),
]  # fmt: skip


def _row(name: str) -> FormRow:
    """The row of ROWS with this name."""
    return next(row for row in ROWS if row.name == name)


@pytest.fixture
def place(app, factory) -> Place:
    """An Italian account with its owner and billing admin, staff, and a translator."""
    account_id = factory.account("Bottega S.r.l.")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user(OWNER, Role.OWNER, account_id)
    factory.user(ADMIN, Role.BILLING_ADMIN, account_id)
    factory.user(STAFF, Role.STAFF)
    factory.user(TRANSLATOR, Role.TRANSLATOR)
    place = Place(app, factory, account_id)
    place.ids["account"] = account_id
    place.ids["entry"] = key_of("Previous")
    return place


def _url(template: str, place: Place) -> str:
    return template.format(**place.ids)


def _open(row: FormRow, client, auth, place: Place) -> str:
    """Sign in as the row's user and open the form's page; returns its CSRF token."""
    if row.prepare is not None:
        row.prepare(place)
    if row.who is not None:
        assert auth.login(row.who).status_code == 302
    page = client.get(_url(row.page, place))
    assert page.status_code == 200, (row.name, page.status_code)
    return csrf_token_from(page.text)


def _data(row: FormRow, place: Place, **changes: object) -> dict[str, object]:
    return {name: _url(value, place) for name, value in row.data.items()} | changes


def _saved_state(app) -> tuple:
    """What the forms could have changed: counts and the texts they would save."""
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        return (
            count(User),
            count(SalesQuote),
            count(QuoteRequest),
            tuple(db.session.scalars(select(Invoice.note))),
            tuple(db.session.scalars(select(BillingInfo.company))),
            tuple(db.session.scalars(select(SalesQuote.note))),
            tuple(db.session.scalars(select(User.password_hash))),
            tuple(db.session.scalars(select(GlossaryTerm.translation))),
        )


def _refused_in_the_form(
    row: FormRow, response, name: str, typed: str, language: str = "en"
) -> None:
    """The form again: the field's error, what was typed there with each refused character
    shown as U+FFFD, and the other fields' values."""
    assert response.status_code in (200, 422), (row.name, response.status_code)
    assert ERROR[language] in response.text, (row.name, name)
    assert not FORBIDDEN_TEXT.search(response.text), (row.name, name)
    if name not in row.unechoed:
        assert FORBIDDEN_TEXT.sub("\ufffd", typed) in response.text, (row.name, name)
    for other, text in row.kept.items():
        if other != name:
            assert text in response.text, (row.name, name, other)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_unsafe_text_is_the_fields_error_and_nothing_typed_is_lost(
    app, client, auth, place, row: FormRow
):
    token = _open(row, client, auth, place)
    before = _saved_state(app)
    for name in row.poisoned:
        for character in UNSAFE:
            typed = f"Forl{character}impopoli"
            data = _data(row, place, csrf_token=token, **{name: typed})
            response = client.post(_url(row.action, place), data=data, headers=row.headers)
            if row.shows_error:
                _refused_in_the_form(row, response, name, typed)
            else:
                assert response.status_code == 200, (row.name, response.status_code)
                assert "Correct the highlighted fields" in response.text
                assert not FORBIDDEN_TEXT.search(response.text)
    assert _saved_state(app) == before, row.name


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_a_file_in_a_text_field_is_refused_never_a_500(app, client, auth, place, row: FormRow):
    token = _open(row, client, auth, place)
    before = _saved_state(app)
    name = row.poisoned[0]
    data = _data(row, place, csrf_token=token)
    data[name] = (io.BytesIO(b"Forlimpopoli"), "notes.txt")
    response = client.post(
        _url(row.action, place), data=data, headers=row.headers, content_type="multipart/form-data"
    )
    assert response.status_code in (200, 422), (row.name, response.status_code)
    if row.shows_error:
        assert FILE_ERROR in response.text, row.name
    assert _saved_state(app) == before, row.name


@pytest.mark.parametrize("language", ["it", "fr"])
@pytest.mark.parametrize(
    "row",
    [
        _row("sign-in"),
        _row("billing info"),
        _row("invoice note (htmx)"),
        _row("quote checkout step 1"),
    ],
    ids=lambda row: row.name,
)
def test_the_error_is_in_the_users_language(app, client, auth, place, row, language):
    token = _open(row, client, auth, place)
    name = row.poisoned[0]
    data = _data(row, place, csrf_token=token, **{name: f"Forl{NUL}impopoli"})
    headers = {**row.headers, "Accept-Language": language}
    response = client.post(_url(row.action, place), data=data, headers=headers)
    _refused_in_the_form(row, response, name, data[name], language)


def test_a_zero_width_joiner_is_kept(app, client, auth, place):
    """Not refused: a family emoji is three code points joined by it."""
    row = _row("invoice note")
    token = _open(row, client, auth, place)
    note = f"Per \U0001f469{ZERO_WIDTH_JOINER}\U0001f4bb Giulia"
    data = _data(row, place, csrf_token=token, note=note)
    assert client.post(_url(row.action, place), data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Invoice, place.ids["invoice"]).note == note


def test_query_strings_with_unsafe_text_get_a_clear_400(client, auth, place):
    """GET search boxes and links: a translated 400 page, never a 500."""
    auth.login(STAFF)
    for url in ("/backoffice/accounts?q=", "/backoffice/quotes?q="):
        for character in UNSAFE:
            response = client.get(url + f"Forl{character}")
            assert response.status_code == 400, url
            assert "characters that cannot be used" in response.text
    auth.logout()
    auth.login(TRANSLATOR)
    response = client.get(f"/translations/fr/?q=Forl{RIGHT_TO_LEFT_OVERRIDE}")
    assert response.status_code == 400


def test_field_names_with_unsafe_text_are_refused(client, auth, place):
    """A field name is never typed: a forged one gets the 400 page, even on checked forms."""
    token = _open(_row("billing info"), client, auth, place)
    data = {**BILLING, "csrf_token": token, f"x{NUL}": "1"}
    assert client.post("/billing/info", data=data).status_code == 400


def test_a_file_where_no_form_takes_text_is_a_clear_400(client, auth, place):
    """Routes without text fields refuse any file part with the 400 page."""
    token = _open(_row("billing info"), client, auth, place)
    data = {"csrf_token": token, "auto_renew": (io.BytesIO(b"x"), "x.txt")}
    response = client.post("/package/auto-renewal", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This form does not take files" in response.text


def test_rows_cover_every_checked_route(app):
    """Every view that checks its own form text has a row here."""
    checked = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "checks_form_text", False)
        and "POST" in rule.methods
    }
    actions = {re.sub(r"\{(\w+)\}", r"<\1>", row.action) for row in ROWS}
    normalised = {re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule) for rule in checked}
    covered = {
        re.sub(r"<(invoice|quote|token|entry|user|letter|term)>", "<x>", action).replace(
            "/fr/", "/<language>/"
        )
        for action in actions
    }
    for rule in normalised:
        shape = re.sub(r"<(invoice_id|quote_id|token|key|user_id|letter_id|term_id)>", "<x>", rule)
        assert shape in covered, rule
