"""The owner invites, removes and hands over ownership; each change is in billing activity."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BillingActivity, Role, User
from tests.conftest import PASSWORD, csrf_token_from
from tests.team.conftest import body_of, link_in, submit

NEW = "Tramonto sul Po 2026"


def _invite(client, email: str, role: str = "billing_admin", name: str = "Bruno Verdi", **kw):
    """The owner fills in the invitation form on the team page."""
    page = client.get("/team/", **kw)
    return client.post(
        "/team/invite",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": email,
            "name": name,
            "role": role,
        },
        **kw,
    )


def _activity(app, account_id: int) -> list[str]:
    """The kinds of the account's billing activity, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(BillingActivity.kind)
                .where(BillingActivity.account_id == account_id)
                .order_by(BillingActivity.id)
            )
        )


def _user(app, email: str) -> User:
    """A user, detached."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return user


def test_invited_billing_admin_joins_through_the_emailed_link(
    app, client, auth, alpha, smtp_server
):
    auth.login("owner@alpha.example.com")
    response = _invite(client, "Bruno@Alpha.example.com")
    assert response.status_code == 302
    assert "Invitation sent to bruno@alpha.example.com." in client.get("/team/").text
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["bruno@alpha.example.com"]
    assert mail.message["Subject"] == "Join Alpha S.r.l. in the billing portal"
    assert "Olga invites you to the billing portal of Alpha S.r.l. as a billing admin." in body_of(
        mail.message
    )
    # Invited but not joined: nobody can sign in as them yet.
    assert _user(app, "bruno@alpha.example.com").invitation_pending
    auth.logout()

    link = link_in(mail.message)
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Alpha S.r.l." in page.text
    weak = submit(client, link, {"name": "Bruno", "new_password": "x", "confirm_password": "x"})
    assert weak.status_code == 422
    eleven = "Tramonto 26"
    short = submit(
        client, link, {"name": "Bruno", "new_password": eleven, "confirm_password": eleven}
    )
    assert short.status_code == 422
    assert "Use at least 12 characters, with letters and digits." in short.text
    joined = submit(
        client, link, {"name": "Bruno Verdi", "new_password": NEW, "confirm_password": NEW}
    )
    assert joined.status_code == 302
    welcome = client.get(joined.headers["Location"], follow_redirects=True).text
    # "S.r.l." ends the sentence already: one full stop, not two.
    assert "Welcome to the team of Alpha S.r.l.<" in welcome or "Alpha S.r.l. " in welcome
    assert "S.r.l.." not in welcome
    assert client.get("/billing/invoices/").status_code == 200
    assert client.get("/team/").status_code == 403
    auth.logout()
    assert auth.login("bruno@alpha.example.com", NEW).status_code == 302

    assert client.get(link).status_code == 410
    assert _activity(app, alpha["account"]) == ["user_invited", "user_joined"]


def test_invitation_link_expires_after_seven_days(client, auth, alpha, smtp_server, clock):
    auth.login("owner@alpha.example.com")
    _invite(client, "bruno@alpha.example.com", role="member")
    auth.logout()
    clock.advance(days=7, minutes=1)
    response = client.get(link_in(smtp_server.received[0].message))
    assert response.status_code == 410
    assert "expired" in response.text


def test_an_invited_person_cannot_sign_in_before_joining(app, client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com")
    _invite(client, "bruno@alpha.example.com")
    auth.logout()
    assert auth.login("bruno@alpha.example.com").status_code == 200
    submit(client, "/password/forgot", {"email": "bruno@alpha.example.com"})
    assert len(smtp_server.received) == 1  # the invitation only, no reset link


def test_invitation_refusals(client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com")
    member = _invite(client, "agent@alpha.example.com")
    assert member.status_code == 422
    assert "already in your team" in member.text
    forged = _invite(client, "new@alpha.example.com", role="owner")
    assert forged.status_code == 422
    assert "Not a valid choice" in forged.text
    invalid = _invite(client, "not-an-email")
    assert invalid.status_code == 422
    assert smtp_server.received == []


def test_only_the_owner_invites(client, auth, alpha):
    auth.login("admin@alpha.example.com")
    page = client.get("/package")
    response = client.post(
        "/team/invite",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": "x@alpha.example.com",
            "name": "X",
            "role": "member",
        },
    )
    assert response.status_code == 403


def test_the_owner_removes_a_user_whose_sessions_end(app, client, auth, alpha):
    agent = app.test_client()
    submit(agent, "/login", {"email": "agent@alpha.example.com", "password": PASSWORD})
    assert agent.get("/package").status_code == 200
    auth.login("owner@alpha.example.com")
    response = _post_action(client, f"/team/{alpha['agent']}/remove")
    assert response.status_code == 302
    page = client.get("/team/").text
    assert "Aldo was removed from the team." in page
    assert "agent@alpha.example.com" not in page
    assert agent.get("/package").status_code == 302
    submit(agent, "/login", {"email": "agent@alpha.example.com", "password": PASSWORD})
    assert agent.get("/package").status_code == 302
    assert _activity(app, alpha["account"]) == ["user_removed"]


def _post_action(client, url: str, password: str | None = None, **kw):
    """Confirm a team change (with the owner's password for a hand-over)."""
    token = csrf_token_from(client.get("/team/").text)
    data = {"csrf_token": token} | ({"password": password} if password is not None else {})
    return client.post(url, data=data, **kw)


def test_the_owner_cannot_be_removed(app, client, auth, alpha):
    auth.login("owner@alpha.example.com")
    response = _post_action(client, f"/team/{alpha['owner']}/remove", follow_redirects=True)
    assert "You cannot do this to your own user." in response.text
    assert _user(app, "owner@alpha.example.com").removed_at is None


def test_another_accounts_user_is_404(app, client, auth, alpha):
    auth.login("owner@alpha.example.com")
    for action in ("remove", "ownership"):
        response = _post_action(client, f"/team/{alpha['beta_agent']}/{action}")
        assert response.status_code == 404
        assert "Beta" not in response.text
    beta = _user(app, "agent@beta.example.com")
    assert beta.removed_at is None
    assert beta.role == Role.MEMBER


def test_ownership_goes_to_a_billing_admin(app, client, auth, alpha):
    auth.login("owner@alpha.example.com")
    refused = _post_action(
        client, f"/team/{alpha['agent']}/ownership", password=PASSWORD, follow_redirects=True
    )
    assert "Ownership can only go to a billing admin" in refused.text
    response = _post_action(client, f"/team/{alpha['admin']}/ownership", password=PASSWORD)
    assert response.status_code == 302
    assert _user(app, "admin@alpha.example.com").role == Role.OWNER
    assert _user(app, "owner@alpha.example.com").role == Role.BILLING_ADMIN
    # The former owner keeps billing but not the team page.
    assert client.get("/team/").status_code == 403
    assert client.get("/billing/invoices/").status_code == 200
    assert _activity(app, alpha["account"]) == ["ownership_transferred"]
    auth.logout()
    auth.login("admin@alpha.example.com")
    activity = client.get("/billing/activity").text
    assert "Ownership handed over from Olga to Ada." in activity


def test_team_changes_are_described_in_billing_activity(app, client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com")
    _invite(client, "bruno@alpha.example.com", role="member")
    token = csrf_token_from(client.get("/team/").text)
    client.post(f"/team/{alpha['agent']}/billing-admin", data={"csrf_token": token, "grant": "1"})
    _post_action(client, f"/team/{alpha['agent']}/remove")
    page = client.get("/billing/activity").text
    assert "bruno@alpha.example.com invited as an agent." in page
    assert "Aldo is now billing admin." in page
    assert "Aldo (agent@alpha.example.com) was removed from the team." in page


def test_removed_email_can_be_invited_again(app, client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com")
    _post_action(client, f"/team/{alpha['agent']}/remove")
    assert _invite(client, "agent@alpha.example.com", role="member").status_code == 302
    user = _user(app, "agent@alpha.example.com")
    assert user.removed_at is None
    assert user.invitation_pending


def test_a_withdrawn_invitation_link_no_longer_works(app, client, auth, alpha, smtp_server):
    auth.login("owner@alpha.example.com")
    _invite(client, "bruno@alpha.example.com")
    bruno = _user(app, "bruno@alpha.example.com")
    assert "Withdraw invitation" in client.get("/team/").text
    _post_action(client, f"/team/{bruno.id}/remove")
    auth.logout()
    response = client.get(link_in(smtp_server.received[0].message))
    assert response.status_code == 410


USER_LINK = re.compile(r"/team/\d+/")


def _team_row(page: str, email: str) -> str:
    """The team table's row of an address, with the address and the user's id left out."""
    rows = [chunk.partition("</tr>")[0] for chunk in page.split("<tr>")[1:]]
    [row] = [row for row in rows if email in row]
    return USER_LINK.sub("/team/ID/", row.replace(email, "ADDRESS"))


@pytest.mark.parametrize(
    "taken",
    ["agent@beta.example.com", "Agent@Beta.example.com", "staff@vendor.example.com"],
)
def test_an_address_used_elsewhere_is_invited_as_any_new_address(
    app, client, auth, factory, alpha, smtp_server, taken
):
    factory.user("staff@vendor.example.com", Role.STAFF, name="Stella")
    auth.login("owner@alpha.example.com")
    new = _invite(client, "nuovo@alpha.example.com", name="Bruno Verdi")
    used = _invite(client, taken, name="Bruno Verdi")
    assert (used.status_code, used.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    page = client.get(used.headers["Location"]).text
    assert f"Invitation sent to {taken.lower()}." in page
    assert "another company" not in page
    # The team shows both invitations alike: nothing tells the owner who else uses the address.
    assert _team_row(page, taken.lower()) == _team_row(page, "nuovo@alpha.example.com")
    assert _activity(app, alpha["account"]) == ["user_invited", "user_invited"]
    # Each address got the same invitation.
    first, second = smtp_server.received
    assert second.rcpt_tos == [taken.lower()]
    assert second.message["Subject"] == first.message["Subject"]

    # Nobody moved: the address's user stays where they were, signing in as before.
    with app.app_context():
        users = db.session.scalars(
            select(User).where(func.lower(User.email) == taken.lower()).order_by(User.id)
        ).all()
        [elsewhere, invited] = [(u.account_id, u.role, u.can_sign_in) for u in users]
    assert elsewhere[1:] == (Role.MEMBER if "beta" in taken.lower() else Role.STAFF, True)
    assert elsewhere[0] in (alpha["beta_account"], None)
    assert invited == (alpha["account"], Role.BILLING_ADMIN, False)
    auth.logout()
    assert auth.login(taken.lower()).status_code == 302
    auth.logout()


def test_the_invitee_whose_address_has_a_user_is_told_and_nothing_moves(
    app, client, auth, alpha, smtp_server
):
    auth.login("owner@alpha.example.com")
    _invite(client, "agent@beta.example.com")
    auth.logout()
    link = link_in(smtp_server.received[0].message)
    opened = client.get(link)
    assert opened.status_code == 409
    assert "agent@beta.example.com already has a user in the billing portal" in opened.text
    tried = client.post(
        link,
        data={
            "csrf_token": csrf_token_from(opened.text),
            "name": "Bea",
            "new_password": NEW,
            "confirm_password": NEW,
        },
    )
    assert tried.status_code == 409
    assert client.get("/package").status_code == 302  # not signed in
    # Beta's agent keeps their password and company; Alpha's invitation stays pending.
    assert auth.login("agent@beta.example.com", NEW).status_code == 200
    assert auth.login("agent@beta.example.com").status_code == 302
    assert "Beta S.p.A." in client.get("/package").text
    assert _activity(app, alpha["account"]) == ["user_invited"]


def test_once_the_other_company_removed_the_user_the_invitation_can_be_accepted(
    app, client, auth, alpha, smtp_server
):
    auth.login("owner@alpha.example.com")
    _invite(client, "agent@beta.example.com")
    auth.logout()
    with app.app_context():
        beta_agent = db.session.get(User, alpha["beta_agent"])
        beta_agent.removed_at = beta_agent.created_at
        db.session.commit()
    link = link_in(smtp_server.received[0].message)
    joined = submit(client, link, {"name": "Bea", "new_password": NEW, "confirm_password": NEW})
    assert joined.status_code == 302
    assert "Alpha S.r.l." in client.get("/package").text
    auth.logout()
    assert auth.login("agent@beta.example.com", NEW).status_code == 302
