"""In Italian: an owner invites a billing admin, who joins by the e-mail's link and sees billing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role, User
from tests.browser.conftest import shoot, sign_in
from tests.conftest import PASSWORD
from tests.mail.conftest import app_config, mail_settings, smtp_server  # noqa: F401
from tests.team.conftest import body_of

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Tramonto sul Po 2026"


@pytest.fixture
def owner(factory) -> None:
    """An Italian owner of a Free account."""
    account_id = factory.account("Pasticceria Dolce S.r.l.", country="IT")
    factory.user("owner@dolce.example.com", Role.OWNER, account_id, name="Olga", locale="it")


def test_owner_invites_a_billing_admin_who_joins_by_the_link(
    chromium,
    live_url,
    owner,
    smtp_server,  # noqa: F811
    tmp_path,
):
    owner_context = chromium.new_context(locale="it-IT")
    page = owner_context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@dolce.example.com")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Accedi").click()
        page.get_by_role("link", name="Team").click()
        expect(page.get_by_role("heading", name="Invita qualcuno")).to_be_visible()
        page.fill("#email", "bruno@dolce.example.com")
        page.fill("#name", "Bruno Verdi")
        page.select_option("#role", "billing_admin")
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(tmp_path / f"team-{width}.png"), full_page=True)
        page.get_by_role("button", name="Invia l'invito").click()
        expect(page.get_by_text("Invito inviato a bruno@dolce.example.com.")).to_be_visible()
        row = page.get_by_role("row", name=re.compile("Bruno Verdi"))
        expect(row).to_contain_text("invitato, non ancora entrato")
    finally:
        owner_context.close()

    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["bruno@dolce.example.com"]
    # A subject this long is folded onto its own line; the test server's parser keeps the
    # folding space that a mail client drops.
    assert (
        mail.message["Subject"].strip()
        == "Entra nel team di Pasticceria Dolce S.r.l. nel portale di fatturazione"
    )
    body = body_of(mail.message)
    assert "Olga ti invita" in body
    link = re.search(r"http://\S+", body).group(0)

    invitee = chromium.new_context(locale="it-IT")
    page = invitee.new_page()
    try:
        page.goto(link)
        expect(
            page.get_by_role("heading", name="Entra nel team di Pasticceria Dolce S.r.l.")
        ).to_be_visible()
        page.fill("#new_password", "corta1")
        page.fill("#confirm_password", "corta1")
        page.get_by_role("button", name="Entra nel team").click()
        expect(page.get_by_text("Usa almeno 12 caratteri, con lettere e cifre.")).to_be_visible()
        page.fill("#new_password", NEW_PASSWORD)
        page.fill("#confirm_password", NEW_PASSWORD)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(tmp_path / f"join-{width}.png"), full_page=True)
        page.get_by_role("button", name="Entra nel team").click()
        expect(page.get_by_text("Benvenuto nel team di Pasticceria Dolce S.r.l.")).to_be_visible()
        page.get_by_role("link", name="Fatture").click()
        expect(page.get_by_role("heading", name="Fatture")).to_be_visible()
        page.get_by_role("link", name="Attività di fatturazione").click()
        expect(
            page.get_by_text("Bruno Verdi ha accettato l'invito ed è entrato nel team.")
        ).to_be_visible()
        expect(page.get_by_role("link", name="Team")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "activity-1280.png"), full_page=True)
    finally:
        invitee.close()


def test_a_long_action_label_wraps_on_a_phone(chromium, live_url, factory):
    # "Revoca il ruolo di amministratore di fatturazione" was cut at the screen's edge.
    account_id = factory.account("Pasticceria Dolce S.r.l.", country="IT")
    factory.user("owner@dolce.example.com", Role.OWNER, account_id, name="Olga", locale="it")
    factory.user("bruno@dolce.example.com", Role.BILLING_ADMIN, account_id, name="Bruno")
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@dolce.example.com")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Accedi").click()
        page.goto(f"{live_url}/team/")
        button = page.get_by_role(
            "button", name="Revoca il ruolo di amministratore di fatturazione"
        )
        expect(button).to_be_visible()
        box = button.bounding_box()
        row = page.get_by_role("row", name=re.compile("Bruno")).bounding_box()
        assert box is not None and row is not None
        assert box["x"] + box["width"] <= row["x"] + row["width"] + 1
        assert button.evaluate("element => element.scrollWidth <= element.clientWidth + 1")
    finally:
        context.close()


@pytest.fixture
def dolce_team(factory) -> dict[str, int]:
    """Pasticceria Dolce: Olga owns it (Italian), Bruno is billing admin, Aldo an agent."""
    account_id = factory.account("Pasticceria Dolce S.r.l.", country="IT")
    return {
        "owner": factory.user(
            "owner@dolce.example.com", Role.OWNER, account_id, name="Olga", locale="it"
        ),
        "admin": factory.user(
            "bruno@dolce.example.com", Role.BILLING_ADMIN, account_id, name="Bruno"
        ),
        "agent": factory.user("aldo@dolce.example.com", Role.MEMBER, account_id, name="Aldo"),
    }


def test_remove_from_team_asks_first_in_italian_on_a_phone(chromium, live_url, dolce_team):
    # Issue 26: "Rimuovi dal team" removed Aldo at the first click.
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@dolce.example.com")
        page.goto(f"{live_url}/team/")
        aldo = page.get_by_role("row", name=re.compile("Aldo"))
        aldo.get_by_role("button", name="Rimuovi dal team").click()
        question = page.get_by_role(
            "heading", name="Rimuovere Aldo dal team di Pasticceria Dolce S.r.l.?"
        )
        expect(question).to_be_visible()
        expect(question).to_be_focused()
        expect(page.locator("#team-confirm")).to_contain_text("aldo@dolce.example.com")
        shoot(page, "team-remove-asked-it")
        page.locator("#team-confirm").get_by_role("button", name="Annulla").click()
        expect(page.get_by_role("row", name=re.compile("Aldo"))).to_be_visible()

        page.get_by_role("row", name=re.compile("Aldo")).get_by_role(
            "button", name="Rimuovi dal team"
        ).click()
        page.locator("#team-confirm").get_by_role("button", name="Rimuovi dal team").click()
        expect(page.get_by_text("Aldo è stato rimosso dal team.")).to_be_visible()
        expect(page.get_by_role("row", name=re.compile("Aldo"))).to_have_count(0)
    finally:
        context.close()


def test_without_javascript_the_removal_is_asked_on_a_page(chromium, live_url, dolce_team):
    context = chromium.new_context(
        locale="it-IT", viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@dolce.example.com")
        page.goto(f"{live_url}/team/")
        page.get_by_role("row", name=re.compile("Aldo")).get_by_role(
            "button", name="Rimuovi dal team"
        ).click()
        expect(page).to_have_url(re.compile(r"/team/\d+/remove$"))
        expect(
            page.get_by_role("heading", name="Rimuovere Aldo dal team di Pasticceria Dolce S.r.l.?")
        ).to_be_visible()
        page.get_by_role("button", name="Rimuovi dal team").click()
        expect(page.get_by_text("Aldo è stato rimosso dal team.")).to_be_visible()
    finally:
        context.close()


def test_make_owner_asks_for_the_password_in_french_on_desktop(app, chromium, live_url, dolce_team):
    # Issue 26: "Nommer propriétaire" handed the account over at the first click, with no
    # password asked.
    with app.app_context():
        db.session.get(User, dolce_team["owner"]).locale = "fr"
        db.session.commit()
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@dolce.example.com")
        page.goto(f"{live_url}/team/")
        page.get_by_role("row", name=re.compile("Bruno")).get_by_role(
            "button", name="Nommer propriétaire"
        ).click()
        question = page.get_by_role(
            "heading", name="Nommer Bruno propriétaire de Pasticceria Dolce S.r.l.\u00a0?"
        )
        expect(question).to_be_visible()
        expect(question).to_be_focused()
        shoot(page, "team-hand-over-asked-fr")
        page.get_by_label("Votre mot de passe").fill("pas mon mot de passe")
        page.get_by_role("button", name="Transférer la propriété").click()
        expect(
            page.get_by_text(
                "Le mot de passe n'est pas correct. La propriété n'a pas été transférée."
            )
        ).to_be_visible()
        expect(page.get_by_label("Votre mot de passe")).to_have_value("")
        shoot(page, "team-hand-over-wrong-password-fr")
        with app.app_context():
            assert db.session.get(User, dolce_team["owner"]).role is Role.OWNER
            assert db.session.get(User, dolce_team["admin"]).role is Role.BILLING_ADMIN

        page.get_by_label("Votre mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Transférer la propriété").click()
        expect(
            page.get_by_text(
                "Bruno est maintenant le propriétaire. Vous restez administrateur de facturation."
            )
        ).to_be_visible()
        with app.app_context():
            assert db.session.get(User, dolce_team["admin"]).role is Role.OWNER
    finally:
        context.close()


@pytest.mark.parametrize(
    ("language", "width", "heading", "owner_label"),
    [
        ("it", 390, "Chi gestisce la fatturazione", "Titolare"),
        ("fr", 1280, "Qui gère la facturation", "Propriétaire"),
    ],
)
def test_a_member_is_told_who_manages_billing(
    chromium, live_url, dolce_team, language, width, heading, owner_label
):
    # Issue 26: an agent saw nothing about who manages billing, on My package or when refused.
    context = chromium.new_context(
        locale={"it": "it-IT", "fr": "fr-FR"}[language],
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    try:
        sign_in(page, live_url, "aldo@dolce.example.com")
        page.goto(f"{live_url}/package")
        for where in ("package", "refused"):
            contacts = page.get_by_role("region", name=heading)
            expect(contacts).to_be_visible()
            expect(contacts).to_contain_text("Olga")
            expect(contacts).to_contain_text(owner_label)
            expect(contacts.get_by_role("link", name="owner@dolce.example.com")).to_have_attribute(
                "href", "mailto:owner@dolce.example.com"
            )
            expect(contacts).to_contain_text("Bruno")
            expect(contacts.get_by_role("link", name="bruno@dolce.example.com")).to_be_visible()
            expect(contacts).not_to_contain_text("Aldo")
            shoot(page, f"team-member-contacts-{where}-{language}")
            page.goto(f"{live_url}/billing/invoices/")
    finally:
        context.close()
