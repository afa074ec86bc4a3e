"""Issue 21, finding 2: every link handed out is on the configured public URL (PUBLIC_URL).

A request for a host the portal does not serve is refused before the app runs; a forged
X-Forwarded-Host, or a host the operator allowed besides the public one (ALLOWED_HOSTS), is
served, and still every link in an e-mail and every address handed to the payment gateway is
on the public URL. /health answers any host: load balancers probe it by IP address.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import create_app
from portal.config import ConfigurationError, load_settings
from portal.extensions import db
from portal.models import OutgoingEmail, Payment, PaymentMethod, Role
from portal.payments.sandbox import SandboxCharge
from tests.conftest import CSRF_INPUT, Factory, _empty_tables, csrf_token_from, post_form
from tests.mail.conftest import mail_settings, smtp_server  # noqa: F401
from tests.quotes.conftest import Setting, setting  # noqa: F401
from tests.quotes.test_customer import _accept_all_steps
from tests.renewal.test_renewal_run import approve_at_the_bank, at, pay_open_invoice, run
from tests.team.conftest import body_of
from tests.wizard.conftest import VISA_SCA, Customer

PUBLIC = "https://billing.example.com/portal"
ALIAS = "portal.internal"
FORGED = "evil.example"
URL = re.compile(r"https?://[^\s\"'<>]+")

# How the requests of a test reach the app: each changes every request's WSGI environment.
ARRIVALS = {
    # A forged proxy header on a trusted Host: werkzeug ignores it unless ProxyFix is set up.
    "forwarded-host": {
        "HTTP_X_FORWARDED_HOST": FORGED,
        "HTTP_X_FORWARDED_PROTO": "http",
        "HTTP_X_FORWARDED_SERVER": FORGED,
        "HTTP_FORWARDED": f"host={FORGED};proto=http",
    },
    # A second name of the portal that the operator allowed (ALLOWED_HOSTS).
    "allowed-alias": {"HTTP_HOST": ALIAS},
}


@pytest.fixture
def app_config(tmp_path, mail_settings: dict[str, object]) -> dict[str, object]:  # noqa: F811
    """A public URL with a path prefix on another host than the requests', and real SMTP."""
    return {
        "PUBLIC_URL": PUBLIC,
        "ALLOWED_HOSTS": [ALIAS],
        "MAIL_FROM": "invoices@chatdesk.example.com",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAIL_SMTP_TIMEOUT": 5,
        **mail_settings,
    }


@pytest.fixture(params=list(ARRIVALS))
def arrival(request: pytest.FixtureRequest, app) -> str:
    """Every request of the test arrives with these headers (as the network delivers them)."""
    environ = ARRIVALS[request.param]
    inner = app.wsgi_app

    def arriving(env, start_response):  # type: ignore[no-untyped-def]
        env.update(environ)
        return inner(env, start_response)

    app.wsgi_app = arriving
    return request.param


def public_paths(text: str) -> list[str]:
    """The links of a text, each checked to be on the public URL; their paths in the app."""
    links = URL.findall(text)
    assert links, text
    for link in links:
        assert link.startswith(PUBLIC + "/"), link
    assert FORGED not in text and ALIAS not in text and "localhost" not in text
    return [link[len(PUBLIC) :] for link in links]


def public_path(url: str) -> str:
    """The one address given back, checked to be on the public URL; its path in the app."""
    [path] = public_paths(url)
    return path


def texts_of(message) -> str:  # type: ignore[no-untyped-def]
    """The plain text and HTML parts of an e-mail."""
    parts = [message.get_body(preferencelist=(kind,)) for kind in ("plain", "html")]
    return "\n".join(part.get_content() for part in parts if part is not None)


def queued_bodies(app) -> list[str]:
    """The body of every e-mail the portal queued."""
    with app.app_context():
        return list(db.session.scalars(select(OutgoingEmail.body).order_by(OutgoingEmail.id)))


def gateway_addresses(app) -> list[str]:
    """Every address handed to or by the payment gateway: return and action URLs."""
    with app.app_context():
        returns = db.session.scalars(select(SandboxCharge.return_url)).all()
        actions = db.session.scalars(select(Payment.action_url)).all()
        return [url for url in [*returns, *actions] if url]


# --- a forged Host -------------------------------------------------------------------------


def test_a_forged_host_gets_no_reset_link(app, client, factory, smtp_server):  # noqa: F811
    """The reported attack: "forgot password" posted with `Host: evil.example`."""
    factory.user("ada@alpha.example.com", Role.OWNER, factory.account("Alpha S.r.l."))
    forged = {"Host": FORGED}
    page = client.get("/password/forgot", headers=forged)
    token = CSRF_INPUT.search(page.text)
    response = client.post(
        "/password/forgot",
        data={"csrf_token": token.group(1) if token else "", "email": "ada@alpha.example.com"},
        headers=forged,
    )
    assert [URL.findall(body_of(mail.message)) for mail in smtp_server.received] == []
    assert queued_bodies(app) == []
    assert (page.status_code, response.status_code) == (400, 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/login"),
        ("POST", "/password/forgot"),
        ("POST", "/team/invite"),
        ("POST", "/package/edit/pay"),
        ("GET", "/sandbox/3ds/ch_anything"),
        ("POST", "/payments/stripe/webhook"),
        ("GET", "/static/css/portal.css"),
        ("GET", "/vendor/htmx.min.js"),
        ("GET", "/no-such-page"),
    ],
)
@pytest.mark.parametrize("host", [FORGED, "billing.example.com.evil.example", "10.0.0.7:8080"])
def test_an_unknown_host_is_refused_before_the_app_runs(client, method, path, host):
    response = client.open(path, method=method, headers={"Host": host})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "host" in response.text.lower()
    assert response.headers["X-Frame-Options"] == "DENY"  # the headers every response carries
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5000", "billing.example.com", ALIAS])
def test_the_public_host_an_allowed_host_and_local_hosts_are_served(client, host):
    assert client.get("/login", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", [FORGED, "10.0.0.7:8080", None])
def test_health_answers_any_host(client, host):
    response = client.get("/health", headers={"Host": host} if host else None)
    assert (response.status_code, response.text) == (200, "ok")
    assert client.head("/health", headers={"Host": host} if host else None).status_code == 200


def test_behind_proxy_fix_a_forwarded_host_is_checked_as_the_host(app, client, factory):
    """The deployment the README describes: ProxyFix turns X-Forwarded-Host into the host."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    assert client.get("/login", headers={"X-Forwarded-Host": FORGED}).status_code == 400
    public = {"X-Forwarded-Host": "billing.example.com", "X-Forwarded-Proto": "https"}
    assert client.get("/login", headers=public).status_code == 200
    assert client.get("/health", headers={"X-Forwarded-Host": FORGED}).status_code == 200


# --- links in e-mails ----------------------------------------------------------------------


def test_the_reset_link_is_on_the_public_url(app, client, factory, arrival, smtp_server):  # noqa: F811
    factory.user("ada@alpha.example.com", Role.OWNER, factory.account("Alpha S.r.l."))
    response = post_form(
        client, "/password/forgot", "/password/forgot", {"email": "ada@alpha.example.com"}
    )
    assert response.status_code == 302
    [mail] = smtp_server.received
    paths = public_paths(texts_of(mail.message))
    assert paths[0].startswith("/password/reset/")
    assert set(paths) == {paths[0]}
    assert client.get(paths[0]).status_code == 200
    assert public_paths(" ".join(queued_bodies(app))) == paths[:1]


def test_the_invitation_link_is_on_the_public_url(
    app,
    client,
    auth,
    factory,
    arrival,
    smtp_server,  # noqa: F811
):
    factory.user("olga@alpha.example.com", Role.OWNER, factory.account("Alpha S.r.l."))
    auth.login("olga@alpha.example.com")
    invited = post_form(
        client,
        "/team/",
        "/team/invite",
        {"email": "bruno@alpha.example.com", "name": "Bruno Verdi", "role": "member"},
    )
    assert invited.status_code == 302
    [mail] = smtp_server.received
    paths = public_paths(texts_of(mail.message))
    assert paths[0].startswith("/invitation/")
    auth.logout()
    assert client.get(paths[0]).status_code == 200


def test_the_quote_email_links_to_the_public_url(
    setting: Setting,  # noqa: F811
    arrival,
    smtp_server,  # noqa: F811
):
    setting.as_staff()
    quote_id = setting.new_draft()
    assert setting.send(quote_id).status_code == 302
    [mail] = smtp_server.received
    assert len(mail.rcpt_tos) == 3  # the owner and both billing admins
    assert set(public_paths(texts_of(mail.message))) == {f"/quotes/{quote_id}"}
    setting.as_admin()
    assert setting.client.get(f"/quotes/{quote_id}").status_code == 200


def test_invoice_emails_carry_no_link(app, client, auth, factory, arrival, smtp_server):  # noqa: F811
    account_id = factory.account("Bottega S.r.l.", country="IT")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@bottega.example.com")
    customer = Customer(client, app, account_id)
    customer.add_card()
    form = customer.payment_form(plan="standard", period="monthly", currency="EUR", agents="2")
    assert customer.pay(form).status_code == 302
    [mail] = smtp_server.received
    assert "INV-2026-000001" in texts_of(mail.message)
    assert URL.findall(texts_of(mail.message)) == []


# --- addresses handed to and by the payment gateway ----------------------------------------


def _decide_at_the_gateway(client, address: str, button: str) -> str:
    """On the sandbox's 3-D Secure or PayPal page, press a button; where it sends back."""
    page = client.get(public_path(address))
    assert page.status_code == 200
    action = re.search(r'action="(/sandbox/[^"]+)"', page.text).group(1)
    decided = client.post(action, data={"csrf_token": csrf_token_from(page.text), button: "1"})
    assert decided.status_code == 302
    return decided.headers["Location"]


@pytest.mark.parametrize(
    ("method", "gateway_page"), [("sca-card", "/sandbox/3ds/"), ("paypal", "/sandbox/paypal/")]
)
def test_package_payment_return_and_challenge_are_on_the_public_url(
    app, client, auth, factory, arrival, method, gateway_page
):
    account_id = factory.account("Bottega S.r.l.", country="IT")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@bottega.example.com")
    customer = Customer(client, app, account_id)
    if method == "paypal":
        customer.add_paypal()
    else:
        customer.add_card(VISA_SCA)
    form = customer.payment_form(plan="standard", period="monthly", currency="EUR", agents="1")
    response = customer.pay(form)
    assert response.status_code == 302
    assert public_path(response.headers["Location"]).startswith(gateway_page)
    back = _decide_at_the_gateway(client, response.headers["Location"], "approve")
    path = public_path(back)
    assert re.fullmatch(r"/payments/\d+/return", path), path
    confirmation = client.get(path, follow_redirects=True)
    assert "INV-2026-000001" in confirmation.text
    for address in gateway_addresses(app):
        public_path(address)


def test_open_invoice_payment_return_is_on_the_public_url(
    app, clock, client, auth, factory, arrival
):
    account_id = factory.account("Caffè S.r.l.", country="IT")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user("billing@caffe.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@caffe.example.com")
    customer = Customer(client, app, account_id)
    customer.add_card(VISA_SCA)
    at(clock, date(2026, 12, 1))
    run(app)  # declined off-session: the customer pays the open invoice on the site
    response = pay_open_invoice(customer, "INV-2026-000001")
    assert response.status_code == 302
    assert public_path(response.headers["Location"]).startswith("/sandbox/3ds/")
    back = approve_at_the_bank(customer, public_path(response.headers["Location"]))
    path = public_path(back.headers["Location"])
    assert re.fullmatch(r"/payments/\d+/return", path), path
    assert client.get(path).status_code == 302
    for address in gateway_addresses(app):
        public_path(address)


def test_quote_payment_return_is_on_the_public_url(setting: Setting, arrival):  # noqa: F811
    quote_id = setting.sent_quote()
    method = _add_card_needing_3ds(setting)
    response = _accept_all_steps(setting, quote_id, method=method)
    assert response.status_code == 302
    assert public_path(response.headers["Location"]).startswith("/sandbox/3ds/")
    back = _decide_at_the_gateway(setting.client, response.headers["Location"], "approve")
    path = public_path(back)
    assert re.fullmatch(r"/payments/\d+/return", path), path
    assert setting.client.get(path).status_code == 302
    for address in gateway_addresses(setting.app):
        public_path(address)


def _add_card_needing_3ds(setting: Setting) -> int:  # noqa: F811
    """The billing admin adds the sandbox's 3-D Secure card; its id."""
    post_form(
        setting.client,
        "/billing/payment-methods/",
        "/billing/payment-methods/cards",
        {"holder": "Giulia Bianchi", "number": VISA_SCA, "expiry": "12/30", "cvc": "123"},
    )
    with setting.app.app_context():
        return db.session.scalar(select(PaymentMethod.id).order_by(PaymentMethod.id.desc()))


# --- start-up ------------------------------------------------------------------------------


def _production(monkeypatch, **settings: str) -> None:
    """The environment of a production start, with these settings."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value-from-the-operator")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


def test_production_without_a_public_url_does_not_start(monkeypatch, tmp_path: Path):
    _production(monkeypatch)
    with pytest.raises(ConfigurationError, match="PUBLIC_URL is not set"):
        load_settings(tmp_path)
    with pytest.raises(ConfigurationError, match="PUBLIC_URL"):
        create_app()


def test_production_needs_https(monkeypatch, tmp_path: Path):
    _production(monkeypatch, PUBLIC_URL="http://billing.example.com")
    with pytest.raises(ConfigurationError, match="PUBLIC_URL must start with https://"):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:8000/portal", "http://127.0.0.2"]
)
def test_production_on_a_loopback_address_may_use_http(monkeypatch, tmp_path: Path, url):
    """A production-mode run on one machine (the benchmarks): no link can leave it."""
    _production(monkeypatch, PUBLIC_URL=url)
    assert load_settings(tmp_path)["PUBLIC_URL"] == url


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://billing.example.com", "https://billing.example.com"),
        ("https://billing.example.com/", "https://billing.example.com"),
        (" HTTPS://Billing.Example.com:8443/Portal/ ", "https://billing.example.com:8443/Portal"),
    ],
)
def test_the_public_url_is_kept_without_its_final_slash(monkeypatch, tmp_path, given, kept):
    _production(monkeypatch, PUBLIC_URL=given)
    assert load_settings(tmp_path)["PUBLIC_URL"] == kept


@pytest.mark.parametrize(
    "url",
    [
        "billing.example.com",
        "//billing.example.com",
        "ftp://billing.example.com",
        "https://",
        "https:///portal",
        "https://user:secret@billing.example.com",
        "https://billing.example.com/?next=/x",
        "https://billing.example.com/#top",
        "https://billing.example.com:99999",
        "https://billing example.com",
        "https://billing.example.com/a b",
        "https://billing.exa\tmple.com",
        "https://billing.example.com/a\nb",
        "https://billing.example.com:0",
        "https://billing.example.com//portal",
        "http://[::1]:8000",
    ],
)
@pytest.mark.parametrize("environment", ["production", "development"])
def test_a_malformed_public_url_stops_start_up(monkeypatch, tmp_path, url, environment):
    _production(monkeypatch, PORTAL_ENV=environment)
    monkeypatch.setenv("PUBLIC_URL", url)
    with pytest.raises(ConfigurationError, match="PUBLIC_URL"):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    "hosts", ["https://portal.internal", "portal.internal/x", "bad host", "*", "portal.internal,,"]
)
def test_malformed_allowed_hosts_stop_start_up(monkeypatch, tmp_path, hosts):
    _production(monkeypatch, PUBLIC_URL="https://billing.example.com", ALLOWED_HOSTS=hosts)
    with pytest.raises(ConfigurationError, match="ALLOWED_HOSTS"):
        load_settings(tmp_path)


def test_development_defaults_to_where_scripts_start_serves(monkeypatch, tmp_path, project_root):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    assert load_settings(tmp_path)["PUBLIC_URL"] == "http://127.0.0.1:5000"
    start = (project_root / "scripts/start").read_text()
    assert 'HOST="${HOST:-127.0.0.1}"' in start and 'PORT="${PORT:-5000}"' in start


def test_tests_default_to_the_test_clients_host(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "testing")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    assert load_settings(tmp_path)["PUBLIC_URL"] == "http://localhost"


@pytest.fixture
def production_app(monkeypatch, database_urls, backend, clock, tmp_path):
    """The portal as production starts it (pinned to the test clock), on an emptied database,
    with one user, ada@alpha.example.com."""
    _production(
        monkeypatch,
        PUBLIC_URL=PUBLIC,
        ALLOWED_HOSTS=f"{ALIAS}, .billing.example.com",
        DATABASE_URL=database_urls[backend],
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    app = create_app({"NOW": clock, "TODAY": clock.today})
    with app.app_context():
        _empty_tables()
    factory = Factory(app)
    factory.user("ada@alpha.example.com", Role.OWNER, factory.account("Alpha S.r.l."))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_serves_its_public_and_allowed_hosts_only(production_app):
    client = production_app.test_client()
    served = ["billing.example.com", ALIAS, "eu.billing.example.com", "billing.example.com:443"]
    for host in served:
        assert client.get("/login", headers={"Host": host}).status_code == 200, host
    for host in ["localhost", "127.0.0.1:8000", "10.0.0.7", FORGED, "example.com"]:
        assert client.get("/login", headers={"Host": host}).status_code == 400, host
        assert client.get("/health", headers={"Host": host}).text == "ok"


def test_production_links_use_the_public_url(production_app):
    client = production_app.test_client()
    headers = {"Host": ALIAS, "X-Forwarded-Host": FORGED}
    page = client.get("/password/forgot", headers=headers)
    response = client.post(
        "/password/forgot",
        data={"csrf_token": csrf_token_from(page.text), "email": "ada@alpha.example.com"},
        headers=headers,
    )
    assert response.status_code == 302
    [body] = queued_bodies(production_app)
    [path] = public_paths(body)
    assert path.startswith("/password/reset/")
