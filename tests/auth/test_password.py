"""Changing the password, and resetting it by an e-mailed single-use link that expires."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.domain.passwords import PasswordProblem, password_problem
from portal.extensions import db
from portal.models import User
from tests.conftest import PASSWORD
from tests.team.conftest import body_of, link_in, submit

NEW = "Tramonto sul Po 2026"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("abc123", PasswordProblem.TOO_SHORT),
        ("abcdefgh123", PasswordProblem.TOO_SHORT),  # 11 characters
        ("abcdefghi123", None),  # 12 (OWASP ASVS 2.1.1)
        ("a1" * 101, PasswordProblem.TOO_LONG),
        ("only letters here", PasswordProblem.NEEDS_LETTERS_AND_DIGITS),
        ("123456789012", PasswordProblem.NEEDS_LETTERS_AND_DIGITS),
        ("Password12345", PasswordProblem.TOO_COMMON),
        ("qwerty123456", PasswordProblem.TOO_COMMON),
        ("November2026", PasswordProblem.TOO_COMMON),
        ("olga.rossi2026", PasswordProblem.TOO_COMMON),
        (NEW, None),
    ],
)
def test_password_rules(password, problem):
    assert password_problem(password, email="olga.rossi@alpha.example.com") == problem


def test_change_needs_the_current_password(client, auth, alpha):
    auth.login("owner@alpha.example.com")
    response = submit(
        client,
        "/password",
        {"current_password": "nope", "new_password": NEW, "confirm_password": NEW},
    )
    assert response.status_code == 422
    assert "The current password is not right." in response.text


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short1", "Use at least 12 characters, with letters and digits."),
        ("eleven char", "Use at least 12 characters, with letters and digits."),
        ("Tramonto 26", "Use at least 12 characters, with letters and digits."),
        ("only letters here", "Use both letters and digits."),
        ("password12345", "This password is too common"),
    ],
)
def test_weak_new_passwords_are_refused(client, auth, alpha, new, message):
    auth.login("owner@alpha.example.com")
    response = submit(
        client,
        "/password",
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert response.status_code == 422
    assert message in response.text


def test_change_ends_the_other_sessions_but_not_this_one(app, client, auth, alpha):
    laptop = app.test_client()
    submit(laptop, "/login", {"email": "owner@alpha.example.com", "password": PASSWORD})
    assert laptop.get("/team/").status_code == 200
    auth.login("owner@alpha.example.com")
    response = submit(
        client,
        "/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW},
    )
    assert response.status_code == 302
    assert client.get("/team/").status_code == 200
    assert laptop.get("/team/").status_code == 302
    auth.logout()
    assert auth.login("owner@alpha.example.com").status_code == 200
    assert auth.login("owner@alpha.example.com", NEW).status_code == 302


def _ask_for_reset(client, email: str, **kwargs):
    """Fill in the forgot-password form."""
    return submit(client, "/password/forgot", {"email": email}, **kwargs)


def test_reset_by_email_link_once(app, client, auth, alpha, smtp_server):
    other = app.test_client()
    submit(other, "/login", {"email": "admin@alpha.example.com", "password": PASSWORD})
    response = _ask_for_reset(client, "Admin@Alpha.example.com")
    assert response.status_code == 302
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["admin@alpha.example.com"]
    assert mail.message["Subject"] == "Choose a new password"
    assert "within 60 minutes" in body_of(mail.message)
    link = link_in(mail.message)
    assert client.get(link).status_code == 200

    weak = submit(client, link, {"new_password": "weakpass", "confirm_password": "weakpass"})
    assert weak.status_code == 422
    assert "Use at least 12 characters, with letters and digits." in weak.text
    short = submit(client, link, {"new_password": "Tramonto 26", "confirm_password": "Tramonto 26"})
    assert short.status_code == 422
    assert "Use at least 12 characters, with letters and digits." in short.text

    done = submit(client, link, {"new_password": NEW, "confirm_password": NEW})
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"
    assert auth.login("admin@alpha.example.com").status_code == 200
    assert auth.login("admin@alpha.example.com", NEW).status_code == 302
    # The session opened before the reset ended.
    assert other.get("/billing/invoices/").status_code == 302

    reused = client.get(link)
    assert reused.status_code == 410
    assert "used already" in reused.text


def test_a_reset_link_expires_after_an_hour(client, alpha, smtp_server, clock):
    _ask_for_reset(client, "admin@alpha.example.com")
    link = link_in(smtp_server.received[0].message)
    clock.advance(minutes=61)
    response = client.get(link)
    assert response.status_code == 410
    assert "This link has expired." in response.text


def test_unknown_email_gets_the_same_answer_and_no_mail(client, alpha, smtp_server):
    known = _ask_for_reset(client, "admin@alpha.example.com", follow_redirects=True)
    unknown = _ask_for_reset(client, "nobody@alpha.example.com", follow_redirects=True)
    assert "we have sent it a link" in known.text
    assert "we have sent it a link" in unknown.text
    assert len(smtp_server.received) == 1


def test_repeated_requests_send_one_mail_per_two_minutes(client, alpha, smtp_server, clock):
    for _ in range(3):
        _ask_for_reset(client, "admin@alpha.example.com")
    assert len(smtp_server.received) == 1
    clock.advance(minutes=3)
    _ask_for_reset(client, "admin@alpha.example.com")
    assert len(smtp_server.received) == 2


def test_using_one_link_ends_every_other_link(client, alpha, smtp_server, clock):
    _ask_for_reset(client, "admin@alpha.example.com")
    clock.advance(minutes=3)
    _ask_for_reset(client, "admin@alpha.example.com")
    first, second = (link_in(mail.message) for mail in smtp_server.received)
    assert submit(client, second, {"new_password": NEW, "confirm_password": NEW}).status_code == 302
    assert client.get(first).status_code == 410


def test_a_forged_link_is_refused(client, alpha):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 410
    assert "not valid any more" in response.text


def test_the_reset_email_is_in_the_users_language(app, client, factory, smtp_server):
    from portal.models import Role

    account_id = factory.account("Gamma S.r.l.")
    factory.user("it@gamma.example.com", Role.OWNER, account_id, locale="it")
    _ask_for_reset(client, "it@gamma.example.com")
    [mail] = smtp_server.received
    assert mail.message["Subject"] == "Scegli una nuova password"
    assert "entro 60 minuti" in body_of(mail.message)


def test_expiry_is_an_hour(app):
    assert app.config["PASSWORD_RESET_MAX_AGE"] == timedelta(hours=1)


def test_guessing_the_current_password_is_limited_like_sign_in(client, auth, alpha):
    auth.login("owner@alpha.example.com")
    wrong = {"current_password": "guess", "new_password": NEW, "confirm_password": NEW}
    for _ in range(5):
        assert submit(client, "/password", wrong).status_code == 422
    right = {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW}
    locked = submit(client, "/password", right)
    assert locked.status_code == 429
    assert "Too many attempts. Try again in 15 minutes." in locked.text


def test_the_rule_is_shown_and_told_in_the_users_language(client, auth, alpha):
    auth.login("owner@alpha.example.com", **{"Accept-Language": "it"})
    page = client.get("/password", headers={"Accept-Language": "it"})
    assert "Almeno 12 caratteri, con lettere e cifre." in page.text
    short = "Tramonto 26"
    response = submit(
        client,
        "/password",
        {"current_password": PASSWORD, "new_password": short, "confirm_password": short},
        headers={"Accept-Language": "it"},
    )
    assert response.status_code == 422
    assert "Usa almeno 12 caratteri, con lettere e cifre." in response.text


def test_a_user_whose_old_password_is_shorter_still_signs_in(app, client, auth, alpha):
    with app.app_context():
        owner = db.session.get(User, alpha["owner"])
        owner.set_password("olga2019")
        db.session.commit()
    assert auth.login("owner@alpha.example.com", "olga2019").status_code == 302
    # A new one must follow the rule.
    response = submit(
        client,
        "/password",
        {
            "current_password": "olga2019",
            "new_password": "olga2019x",
            "confirm_password": "olga2019x",
        },
    )
    assert response.status_code == 422
