"""Security e-mails: the people a password or team change affects are told, in their language.

A password change or reset, a hand-over (new and previous owner), a removal and being made
billing admin each send an e-mail through the mail queue; none carries a secret.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, OutgoingEmail, User
from tests.conftest import PASSWORD, csrf_token_from
from tests.team.conftest import body_of, link_in, submit

NEW = "Tramonto sul Po 2026"
# Tokens of e-mailed links: long runs of URL-safe characters with dots (itsdangerous).
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


def _queued(app, kind: str) -> list[OutgoingEmail]:
    """The queued e-mails of one kind, detached, oldest first."""
    with app.app_context():
        emails = list(
            db.session.scalars(
                select(OutgoingEmail).where(OutgoingEmail.kind == kind).order_by(OutgoingEmail.id)
            )
        )
        db.session.expunge_all()
        return emails


def _sent_to(smtp_server, address: str) -> list:
    """The messages the SMTP server received for one address."""
    return [mail.message for mail in smtp_server.received if mail.rcpt_tos == [address]]


def _no_secret(body: str, *secrets: str) -> None:
    """No password and no link token in an e-mail."""
    for secret in secrets:
        assert secret not in body
    assert not TOKEN.search(body)
    assert "/password/reset/" not in body
    assert "/invitation/" not in body


def _set_locale(app, user_id: int, locale: str | None) -> None:
    """A user's saved language."""
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def _set_invoice_language(app, account_id: int, language: str) -> None:
    """The account's invoice language (the fallback for users without a saved language)."""
    with app.app_context():
        db.session.get(Account, account_id).billing_info.invoice_language = language
        db.session.commit()


def _post_action(client, url: str, **data: str):
    """Press a team page button."""
    token = csrf_token_from(client.get("/team/").text)
    return client.post(url, data={"csrf_token": token, **data})


def test_a_password_change_is_emailed_in_the_users_language(app, client, auth, alpha, smtp_server):
    _set_locale(app, alpha["owner"], "fr")
    auth.login("owner@alpha.example.com")
    response = submit(
        client,
        "/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW},
    )
    assert response.status_code == 302
    [queued] = _queued(app, "password_changed")
    assert (queued.recipients, queued.language) == (["owner@alpha.example.com"], "fr")
    [message] = _sent_to(smtp_server, "owner@alpha.example.com")
    assert message["Subject"] == "Votre mot de passe du portail de facturation a été modifié"
    body = body_of(message)
    assert "Bonjour Olga," in body
    assert (
        "Le mot de passe de owner@alpha.example.com dans le portail de facturation a été "
        "modifié le 13 nov. 2026" in body
    )
    assert "/password/forgot" in body  # what to do if it was not them
    _no_secret(body, NEW, PASSWORD)


def test_a_refused_change_sends_nothing(app, client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com")
    wrong = {"current_password": "nope", "new_password": NEW, "confirm_password": NEW}
    assert submit(client, "/password", wrong).status_code == 422
    assert _queued(app, "password_changed") == []


def test_without_a_saved_language_the_page_language_is_used(app, client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com", **{"Accept-Language": "it"})
    submit(
        client,
        "/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW},
        headers={"Accept-Language": "it"},
    )
    [message] = _sent_to(smtp_server, "owner@alpha.example.com")
    assert message["Subject"] == "La password del portale di fatturazione è stata cambiata"


def test_a_password_reset_is_emailed_in_the_users_language(app, client, alpha, smtp_server):
    _set_locale(app, alpha["admin"], "it")
    submit(client, "/password/forgot", {"email": "admin@alpha.example.com"})
    [link_mail] = smtp_server.received
    done = submit(
        client, link_in(link_mail.message), {"new_password": NEW, "confirm_password": NEW}
    )
    assert done.status_code == 302
    [queued] = _queued(app, "password_was_reset")
    assert (queued.recipients, queued.language) == (["admin@alpha.example.com"], "it")
    [_, message] = _sent_to(smtp_server, "admin@alpha.example.com")
    assert message["Subject"] == "La password del portale di fatturazione è stata reimpostata"
    body = body_of(message)
    assert "Buongiorno Ada," in body
    assert "tramite un link inviato a questo indirizzo" in body
    _no_secret(body, NEW, PASSWORD)


def test_a_hand_over_is_emailed_to_the_new_and_the_previous_owner(
    app, client, auth, alpha, smtp_server
):
    _set_locale(app, alpha["owner"], "it")
    _set_locale(app, alpha["admin"], "fr")
    auth.login("owner@alpha.example.com")
    assert (
        _post_action(client, f"/team/{alpha['admin']}/ownership", password=PASSWORD).status_code
        == 302
    )

    [received] = _queued(app, "ownership_received")
    assert (received.recipients, received.language) == (["admin@alpha.example.com"], "fr")
    [message] = _sent_to(smtp_server, "admin@alpha.example.com")
    assert message["Subject"] == "Vous êtes désormais propriétaire de Alpha S.r.l."
    body = body_of(message)
    assert "Olga vous a transféré la propriété de Alpha S.r.l." in body
    _no_secret(body, PASSWORD)

    [handed] = _queued(app, "ownership_handed_over")
    assert (handed.recipients, handed.language) == (["owner@alpha.example.com"], "it")
    [message] = _sent_to(smtp_server, "owner@alpha.example.com")
    assert message["Subject"] == "Hai passato la titolarità di Alpha S.r.l. a Ada"
    body = body_of(message)
    assert "Resti amministratore di fatturazione" in body
    _no_secret(body, PASSWORD)
    # Nobody else is told.
    assert len(smtp_server.received) == 2


def test_a_removal_is_emailed_to_the_removed_user(app, client, auth, alpha, smtp_server):
    # No saved language: the account's invoice language.
    _set_invoice_language(app, alpha["account"], "it")
    auth.login("owner@alpha.example.com")
    assert _post_action(client, f"/team/{alpha['agent']}/remove").status_code == 302
    [queued] = _queued(app, "removed_from_team")
    assert (queued.recipients, queued.language) == (["agent@alpha.example.com"], "it")
    [message] = _sent_to(smtp_server, "agent@alpha.example.com")
    assert message["Subject"] == "Non fai più parte del team di Alpha S.r.l."
    body = body_of(message)
    assert "Olga ti ha rimosso dal team di Alpha S.r.l." in body
    _no_secret(body, PASSWORD)
    assert len(smtp_server.received) == 1


def test_a_withdrawn_invitation_sends_no_removal(app, client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com")
    page = client.get("/team/")
    client.post(
        "/team/invite",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": "bruno@alpha.example.com",
            "name": "Bruno",
            "role": "member",
        },
    )
    with app.app_context():
        bruno = db.session.scalar(select(User.id).where(User.email == "bruno@alpha.example.com"))
    assert _post_action(client, f"/team/{bruno}/remove").status_code == 302
    assert _queued(app, "removed_from_team") == []


def test_a_new_billing_admin_is_emailed(app, client, auth, alpha, smtp_server):
    _set_locale(app, alpha["agent"], "en")
    auth.login("owner@alpha.example.com")
    response = _post_action(client, f"/team/{alpha['agent']}/billing-admin", grant="1")
    assert response.status_code == 302
    [queued] = _queued(app, "made_billing_admin")
    assert (queued.recipients, queued.language) == (["agent@alpha.example.com"], "en")
    [message] = _sent_to(smtp_server, "agent@alpha.example.com")
    assert message["Subject"] == "You are now a billing admin of Alpha S.r.l."
    body = body_of(message)
    assert "Olga made you a billing admin of Alpha S.r.l." in body
    assert "accept or reject quotes" in body
    _no_secret(body, PASSWORD)
    # Taking the role back, or naming again who already is one, sends nothing more.
    _post_action(client, f"/team/{alpha['admin']}/billing-admin", grant="1")
    _post_action(client, f"/team/{alpha['agent']}/billing-admin", grant="0")
    assert len(_queued(app, "made_billing_admin")) == 1


@pytest.mark.parametrize("language", ["it", "fr", "en"])
def test_every_security_email_has_its_words_in_each_language(
    app, client, auth, alpha, smtp_server, language
):
    for user in ("owner", "admin", "agent"):
        _set_locale(app, alpha[user], language)
    auth.login("owner@alpha.example.com")
    _post_action(client, f"/team/{alpha['agent']}/billing-admin", grant="1")
    _post_action(client, f"/team/{alpha['agent']}/remove")
    _post_action(client, f"/team/{alpha['admin']}/ownership", password=PASSWORD)
    with app.app_context():
        emails = db.session.scalars(select(OutgoingEmail)).all()
        assert {email.kind for email in emails} == {
            "made_billing_admin",
            "removed_from_team",
            "ownership_received",
            "ownership_handed_over",
        }
        for email in emails:
            assert email.language == language
            # Translated: the English greeting shows only in English.
            assert ("Hello " in email.body) == (language == "en"), email.body
            assert "%(" not in email.body + email.subject
