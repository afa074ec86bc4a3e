"""Removing a user and handing over ownership ask first; the hand-over asks for the owner's
password, whose wrong guesses count like failed sign-ins."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BillingActivity, OutgoingEmail, Role, SignInAttempt, User
from tests.conftest import PASSWORD, csrf_token_from
from tests.team.conftest import submit

HTMX = {"HX-Request": "true"}


def _roles(app, account_id: int) -> dict[str, tuple[Role, bool]]:
    """Each user's role and whether they were removed, by e-mail."""
    with app.app_context():
        rows = db.session.execute(
            select(User.email, User.role, User.removed_at).where(User.account_id == account_id)
        )
        return {row.email: (row.role, row.removed_at is not None) for row in rows}


def _nothing_recorded(app) -> bool:
    """No billing activity and no e-mail: no team change was made."""
    with app.app_context():
        activity = db.session.scalar(select(func.count(BillingActivity.id)))
        emails = db.session.scalar(select(func.count(OutgoingEmail.id)))
        return activity == 0 and emails == 0


def _forms_posting_to(page: str, path: str) -> list[str]:
    """The forms of a page that post to `path`."""
    return re.findall(rf'<form[^>]*action="{re.escape(path)}"', page)


def test_the_team_page_changes_nothing_in_one_click(client, auth, alpha):
    auth.login("owner@alpha.example.com")
    page = client.get("/team/").text
    for user in ("admin", "agent"):
        assert _forms_posting_to(page, f"/team/{alpha[user]}/remove") == []
        assert f'href="/team/{alpha[user]}/remove"' in page
    assert _forms_posting_to(page, f"/team/{alpha['admin']}/ownership") == []
    assert f'href="/team/{alpha["admin"]}/ownership"' in page
    # The agent cannot be handed the account: no button for it.
    assert f"/team/{alpha['agent']}/ownership" not in page


def test_removal_asks_first_and_the_confirmation_removes(app, client, auth, alpha):
    auth.login("owner@alpha.example.com")
    before = _roles(app, alpha["account"])
    asked = client.get(f"/team/{alpha['agent']}/remove")
    assert asked.status_code == 200
    assert "<title>Remove Aldo from the team of Alpha S.r.l.?" in asked.text
    assert "Aldo (agent@alpha.example.com) is signed out at once" in asked.text
    assert len(_forms_posting_to(asked.text, f"/team/{alpha['agent']}/remove")) == 1
    assert _roles(app, alpha["account"]) == before
    assert _nothing_recorded(app)

    removed = client.post(
        f"/team/{alpha['agent']}/remove", data={"csrf_token": csrf_token_from(asked.text)}
    )
    assert removed.status_code == 302
    assert _roles(app, alpha["account"])["agent@alpha.example.com"] == (Role.MEMBER, True)


def test_the_confirmation_is_a_fragment_for_htmx(client, auth, alpha):
    auth.login("owner@alpha.example.com")
    for action in ("remove", "ownership"):
        fragment = client.get(f"/team/{alpha['admin']}/{action}", headers=HTMX)
        assert fragment.status_code == 200
        assert "HX-Request" in fragment.headers.get("Vary", "")
        assert fragment.text.lstrip().startswith('<article id="team-confirm"')
        assert "<html" not in fragment.text
        assert "data-focus" in fragment.text


def test_withdrawing_an_invitation_asks_too(app, client, auth, alpha, factory):
    invited = factory.user("bruno@alpha.example.com", Role.MEMBER, alpha["account"], name="Bruno")
    with app.app_context():
        db.session.get(User, invited).invitation_pending = True
        db.session.commit()
    auth.login("owner@alpha.example.com")
    asked = client.get(f"/team/{invited}/remove")
    assert "Withdraw the invitation of Bruno to the team of Alpha S.r.l.?" in asked.text
    assert "The link sent to bruno@alpha.example.com stops working." in asked.text


def test_confirmations_refuse_what_cannot_be_done(client, auth, alpha):
    auth.login("owner@alpha.example.com")
    for action in ("remove", "ownership"):
        # Another company's user is not found here; the owner cannot do this to themselves.
        assert client.get(f"/team/{alpha['beta_agent']}/{action}").status_code == 404
        own = client.get(f"/team/{alpha['owner']}/{action}", follow_redirects=True)
        assert "You cannot do this to your own user." in own.text
    agent = client.get(f"/team/{alpha['agent']}/ownership", follow_redirects=True)
    assert "Ownership can only go to a billing admin who has joined." in agent.text


def test_only_the_owner_is_asked(client, auth, alpha):
    auth.login("admin@alpha.example.com")
    for action in ("remove", "ownership"):
        assert client.get(f"/team/{alpha['agent']}/{action}").status_code == 403


def _hand_over(client, alpha, password: str | None, **kw):
    """Confirm handing the account to Ada on the confirmation page."""
    url = f"/team/{alpha['admin']}/ownership"
    return submit(client, url, {} if password is None else {"password": password}, **kw)


def test_the_hand_over_asks_for_the_owners_password(app, client, auth, alpha):
    auth.login("owner@alpha.example.com")
    before = _roles(app, alpha["account"])
    asked = client.get(f"/team/{alpha['admin']}/ownership")
    assert "<title>Make Ada the owner of Alpha S.r.l.?" in asked.text
    assert 'type="password"' in asked.text
    assert 'autocomplete="current-password"' in asked.text

    empty = _hand_over(client, alpha, None)
    assert empty.status_code == 422
    assert "Enter your password to hand over ownership." in empty.text
    wrong = _hand_over(client, alpha, "not my password")
    assert wrong.status_code == 422
    assert "The password is not right. Ownership was not handed over." in wrong.text
    assert "not my password" not in wrong.text
    assert _roles(app, alpha["account"]) == before
    assert _nothing_recorded(app)

    right = _hand_over(client, alpha, PASSWORD)
    assert right.status_code == 302
    roles = _roles(app, alpha["account"])
    assert roles["admin@alpha.example.com"] == (Role.OWNER, False)
    assert roles["owner@alpha.example.com"] == (Role.BILLING_ADMIN, False)


def test_the_wrong_password_error_is_translated(client, auth, alpha):
    for language, error in (
        ("it", "La password non è corretta. La titolarità non è stata passata."),
        ("fr", "Le mot de passe n'est pas correct. La propriété n'a pas été transférée."),
    ):
        headers = {"Accept-Language": language}
        auth.login("owner@alpha.example.com", **headers)
        wrong = _hand_over(client, alpha, "not my password", headers=headers)
        assert wrong.status_code == 422
        assert error in html.unescape(wrong.text)
        auth.logout()


def test_wrong_hand_over_passwords_count_like_failed_sign_ins(app, client, auth, alpha, clock):
    auth.login("owner@alpha.example.com")
    for _ in range(5):
        assert _hand_over(client, alpha, "guess").status_code == 422
    # The limit holds even for the right password, and nothing is checked or changed.
    locked = _hand_over(client, alpha, PASSWORD)
    assert locked.status_code == 429
    assert "Too many attempts. Try again in 15 minutes." in locked.text
    assert locked.headers["Retry-After"] == "900"
    assert _roles(app, alpha["account"])["owner@alpha.example.com"] == (Role.OWNER, False)
    # The same counters as the sign-in form: guessing here locks signing in with the address.
    other = app.test_client()
    page = other.get("/login")
    sign_in = other.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": "owner@alpha.example.com",
            "password": PASSWORD,
        },
    )
    assert sign_in.status_code == 429

    clock.advance(minutes=16)
    assert _hand_over(client, alpha, PASSWORD).status_code == 302
    assert _roles(app, alpha["account"])["admin@alpha.example.com"] == (Role.OWNER, False)


def test_a_right_password_does_not_count(app, client, auth, alpha):
    auth.login("owner@alpha.example.com")
    for _ in range(4):
        assert _hand_over(client, alpha, "guess").status_code == 422
    assert _hand_over(client, alpha, PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(SignInAttempt.id))) == 4
