"""A member sees no billing, but is told who manages it: the owner and the billing admins."""

from __future__ import annotations

import html

from portal.extensions import db
from portal.models import Role, User
from tests.conftest import PASSWORD, csrf_token_from

SECTION = "Who manages billing"


def _contacts(page: str) -> str:
    """The "Who manages billing" section of a page ("" when there is none)."""
    start = page.find('<section class="billing-contacts"')
    if start < 0:
        return ""
    return page[start : page.index("</section>", start)]


def _more_users(app, factory, alpha) -> None:
    """A second billing admin, a removed one, an invited one and Beta's owner."""
    factory.user("zeno@alpha.example.com", Role.BILLING_ADMIN, alpha["account"], name="Zeno")
    gone = factory.user("gone@alpha.example.com", Role.BILLING_ADMIN, alpha["account"], name="Gino")
    invited = factory.user(
        "new@alpha.example.com", Role.BILLING_ADMIN, alpha["account"], name="Nina"
    )
    factory.user("owner@beta.example.com", Role.OWNER, alpha["beta_account"], name="Bruna")
    with app.app_context():
        db.session.get(User, gone).removed_at = db.session.get(User, gone).created_at
        db.session.get(User, invited).invitation_pending = True
        db.session.commit()


def test_my_package_names_the_owner_and_billing_admins_to_a_member(
    app, client, auth, factory, alpha
):
    _more_users(app, factory, alpha)
    auth.login("agent@alpha.example.com")
    section = _contacts(client.get("/package").text)
    assert SECTION in section
    names = [name for name in ("Olga", "Ada", "Zeno") if name in section]
    assert names == ["Olga", "Ada", "Zeno"]  # the owner first, then by name
    for address in ("owner@alpha.example.com", "admin@alpha.example.com", "zeno@alpha.example.com"):
        assert f'href="mailto:{address}"' in section
    assert "Owner" in section and "Billing admin" in section
    # Nobody removed, invited but not joined, another company's, or the member themselves.
    for absent in ("Gino", "Nina", "Bruna", "Aldo", "agent@alpha.example.com"):
        assert absent not in section


def test_a_refused_billing_page_says_whom_to_ask(client, auth, alpha):
    auth.login("agent@alpha.example.com")
    for url in ("/billing/invoices/", "/team/", "/billing/payment-methods/"):
        refused = client.get(url)
        assert refused.status_code == 403
        section = _contacts(refused.text)
        assert "Olga" in section and "admin@alpha.example.com" in section, url
    # An htmx request refused gets the same in its fragment.
    fragment = client.get("/billing/invoices/", headers={"HX-Request": "true"})
    assert fragment.status_code == 403
    assert "Olga" in _contacts(fragment.text)


def test_a_refused_form_post_says_whom_to_ask(client, auth, alpha):
    auth.login("agent@alpha.example.com")
    token = csrf_token_from(client.get("/package").text)
    refused = client.post("/package/auto-renewal", data={"csrf_token": token, "auto_renew": "off"})
    assert refused.status_code == 403
    assert "Ada" in _contacts(refused.text)


def test_those_who_manage_billing_are_not_shown_the_list(client, auth, alpha):
    for email in ("owner@alpha.example.com", "admin@alpha.example.com"):
        auth.login(email)
        assert _contacts(client.get("/package").text) == ""
        auth.logout()
    auth.login("admin@alpha.example.com")
    assert _contacts(client.get("/team/").text) == ""


def test_the_list_is_in_the_members_language_and_escaped(app, client, auth, factory, alpha):
    factory.user(
        "eve@alpha.example.com", Role.BILLING_ADMIN, alpha["account"], name="<b>Eve</b> & Co"
    )
    for language, heading, role in (
        ("it", "Chi gestisce la fatturazione", "Titolare"),
        ("fr", "Qui gère la facturation", "Propriétaire"),
    ):
        headers = {"Accept-Language": language}
        auth.login("agent@alpha.example.com", PASSWORD, **headers)
        section = _contacts(client.get("/package", headers=headers).text)
        assert heading in html.unescape(section)
        assert role in section
        assert "&lt;b&gt;Eve&lt;/b&gt; &amp; Co" in section
        assert "<b>Eve" not in section
        auth.logout()
