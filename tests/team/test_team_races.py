"""Two tabs of the owner posting team changes at the same instant: one owner, always.

Each race runs TRIALS times on each database with real requests from separate clients,
released together; the owners are counted in the database after every trial.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.account_links import LinkPurpose, make_token
from portal.extensions import db
from portal.models import Role, SignInAttempt, User
from tests.conftest import PASSWORD, at_once, csrf_token_from

NEW = "Tramonto sul Po 2026"
JOIN = {"new_password": NEW, "confirm_password": NEW}

TRIALS = 20
# A change made or refused (302), refused as the tab is no longer the owner's (403), or for
# a user gone meanwhile (404); never a 500.
ANSWERS = {302, 403, 404}


@dataclass
class Team:
    """Account Alpha with its owner signed in twice (two tabs) and two billing admins."""

    app: Flask
    account: int
    owner: int
    ada: int
    bea: int
    tabs: tuple[tuple[FlaskClient, str], tuple[FlaskClient, str]]

    def reset(self) -> None:
        """Back to the start: the owner owns, Ada and Bea are billing admins in the team."""
        with self.app.app_context():
            db.session.execute(
                update(User)
                .where(User.account_id == self.account, User.id != self.owner)
                .values(role=Role.BILLING_ADMIN, removed_at=None, invitation_pending=False)
            )
            db.session.execute(
                update(User).where(User.id == self.owner).values(role=Role.OWNER, removed_at=None)
            )
            db.session.commit()

    def post(self, tab: int, url: str, **data: str):
        """A call that presses a team page button in one tab."""
        client, token = self.tabs[tab]
        return lambda: client.post(url, data={"csrf_token": token, **data})

    def state(self) -> dict[int, tuple[str, bool]]:
        """Each user's role and whether they were removed."""
        with self.app.app_context():
            rows = db.session.execute(
                select(User.id, User.role, User.removed_at).where(User.account_id == self.account)
            ).all()
            return {row.id: (row.role, row.removed_at is not None) for row in rows}

    def owners(self) -> list[int]:
        """The account's owners, removed or not: exactly one, always."""
        with self.app.app_context():
            return list(
                db.session.scalars(
                    select(User.id).where(User.account_id == self.account, User.role == Role.OWNER)
                )
            )


def _tab(app: Flask) -> tuple[FlaskClient, str]:
    """A client signed in as the owner, with its team page's CSRF token."""
    client = app.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": "owner@alpha.example.com",
            "password": PASSWORD,
        },
    )
    team_page = client.get("/team/")
    assert team_page.status_code == 200
    return client, csrf_token_from(team_page.text)


@pytest.fixture
def team(app, factory) -> Team:
    """Alpha with Olga (owner), Ada and Bea (billing admins), Olga signed in in two tabs."""
    account = factory.account("Alpha S.r.l.")
    owner = factory.user("owner@alpha.example.com", Role.OWNER, account, name="Olga")
    ada = factory.user("ada@alpha.example.com", Role.BILLING_ADMIN, account, name="Ada")
    bea = factory.user("bea@alpha.example.com", Role.BILLING_ADMIN, account, name="Bea")
    return Team(app, account, owner, ada, bea, (_tab(app), _tab(app)))


def _race(team: Team, first, second) -> list[int]:
    """Reset, post both at once; the answers' status codes."""
    team.reset()
    responses = at_once(first, second)
    return [response.status_code for response in responses]


def test_hand_over_and_removal_of_that_user(team):
    outcomes = set()
    for trial in range(TRIALS):
        codes = _race(
            team,
            team.post(0, f"/team/{team.ada}/ownership", password=PASSWORD),
            team.post(1, f"/team/{team.ada}/remove"),
        )
        state = team.state()
        assert team.owners() in ([team.owner], [team.ada]), (trial, state)
        assert set(codes) <= ANSWERS, (trial, codes)
        if team.owners() == [team.ada]:
            # Handed over first: Ada owns and stays; Olga, no longer owner, removed nobody.
            assert state[team.ada] == (Role.OWNER, False), (trial, state)
            assert state[team.owner] == (Role.BILLING_ADMIN, False), (trial, state)
            outcomes.add("handed over")
        else:
            # Removed first: the hand-over found nobody to hand over to.
            assert state[team.ada] == (Role.BILLING_ADMIN, True), (trial, state)
            assert state[team.owner] == (Role.OWNER, False), (trial, state)
            outcomes.add("removed")
    assert outcomes


def test_hand_over_and_revoking_that_users_billing_admin_role(team):
    for trial in range(TRIALS):
        codes = _race(
            team,
            team.post(0, f"/team/{team.ada}/ownership", password=PASSWORD),
            team.post(1, f"/team/{team.ada}/billing-admin", grant="0"),
        )
        state = team.state()
        assert set(codes) <= ANSWERS, (trial, codes)
        assert team.owners() in ([team.owner], [team.ada]), (trial, state)
        if team.owners() == [team.ada]:
            assert state[team.owner] == (Role.BILLING_ADMIN, False), (trial, state)
        else:
            # Revoked first: a member cannot be handed the account.
            assert state[team.ada] == (Role.MEMBER, False), (trial, state)


def test_two_hand_overs_to_two_billing_admins(team):
    for trial in range(TRIALS):
        codes = _race(
            team,
            team.post(0, f"/team/{team.ada}/ownership", password=PASSWORD),
            team.post(1, f"/team/{team.bea}/ownership", password=PASSWORD),
        )
        state = team.state()
        assert set(codes) <= ANSWERS, (trial, codes)
        owners = team.owners()
        assert owners in ([team.ada], [team.bea]), (trial, state)
        [other] = {team.ada, team.bea} - set(owners)
        assert state[other] == (Role.BILLING_ADMIN, False), (trial, state)
        assert state[team.owner] == (Role.BILLING_ADMIN, False), (trial, state)


def test_the_same_hand_over_twice_double_click(team):
    for trial in range(TRIALS):
        codes = _race(
            team,
            team.post(0, f"/team/{team.ada}/ownership", password=PASSWORD),
            team.post(1, f"/team/{team.ada}/ownership", password=PASSWORD),
        )
        state = team.state()
        assert set(codes) <= ANSWERS, (trial, codes)
        assert team.owners() == [team.ada], (trial, state)
        assert state[team.owner] == (Role.BILLING_ADMIN, False), (trial, state)
        assert state[team.bea] == (Role.BILLING_ADMIN, False), (trial, state)


def _refused(app: Flask, statement) -> None:
    """The database refuses the statement (a constraint), and nothing changes."""
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(statement)
            db.session.commit()
        db.session.rollback()


def test_the_database_refuses_a_second_owner(app, team, clock):
    _refused(app, update(User).where(User.id == team.ada).values(role=Role.OWNER))
    _refused(
        app,
        insert(User).values(
            email="second@alpha.example.com",
            name="Second",
            password_hash="x",
            role=Role.OWNER,
            account_id=team.account,
            session_token="t",
            invitation_pending=False,
            created_at=clock(),
        ),
    )
    # A removed user or a pending invitation is never an owner either.
    _refused(app, update(User).where(User.id == team.owner).values(removed_at=clock()))
    _refused(app, update(User).where(User.id == team.owner).values(invitation_pending=True))
    assert team.owners() == [team.owner]
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 3


def _user_row(account_id: int, email: str, clock, **values: object) -> dict[str, object]:
    """The columns of a users row, for an INSERT the ORM does not check."""
    return {
        "email": email,
        "name": "Sam",
        "password_hash": "x",
        "role": Role.MEMBER,
        "account_id": account_id,
        "session_token": secrets.token_urlsafe(8),
        "invitation_pending": False,
        "created_at": clock(),
        **values,
    }


def test_the_database_refuses_an_address_signing_in_twice(app, team, factory, clock):
    beta = factory.account("Beta S.p.A.")
    address = "ada@alpha.example.com"
    _refused(app, insert(User).values(_user_row(beta, address, clock)))
    _refused(app, insert(User).values(_user_row(team.account, address, clock, removed_at=clock())))
    with app.app_context():
        # An invitation waiting elsewhere, or a user removed elsewhere, may share it.
        db.session.execute(insert(User).values(_user_row(beta, address, clock, removed_at=clock())))
        db.session.commit()
        waiting = _user_row(factory.account("Gamma S.r.l."), address, clock)
        db.session.execute(insert(User).values({**waiting, "invitation_pending": True}))
        db.session.commit()
    # The invitation joining while Ada signs in: refused.
    _refused(
        app,
        update(User)
        .where(User.email == address, User.invitation_pending.is_(True))
        .values(invitation_pending=False),
    )


def test_another_account_has_its_own_owner(app, team, factory):
    beta = factory.account("Beta S.p.A.")
    factory.user("owner@beta.example.com", Role.OWNER, beta)
    assert team.owners() == [team.owner]


def _invitation(app: Flask, email: str, account_id: int) -> str:
    """An invitation waiting in the account (as the owner's form makes it); its link's path."""
    with app.app_context():
        user = User(
            email=email,
            name="Sam",
            role=Role.MEMBER,
            account_id=account_id,
            invitation_pending=True,
        )
        user.set_password(secrets.token_urlsafe(32))
        db.session.add(user)
        db.session.commit()
        return f"/invitation/{make_token(user, LinkPurpose.INVITATION)}"


def test_one_address_accepted_in_two_companies_at_once_joins_one(app, team, factory):
    beta = factory.account("Beta S.p.A.")
    for trial in range(TRIALS):
        email = f"shared{trial}@example.com"
        links = [_invitation(app, email, account) for account in (team.account, beta)]
        invitees = [app.test_client() for _ in links]
        tokens = [
            csrf_token_from(client.get(link).text)
            for client, link in zip(invitees, links, strict=True)
        ]
        responses = at_once(
            *(
                partial(client.post, link, data={"csrf_token": token, "name": "Sam", **JOIN})
                for client, link, token in zip(invitees, links, tokens, strict=True)
            )
        )
        codes = sorted(response.status_code for response in responses)
        with app.app_context():
            signing_in = db.session.scalars(
                select(User.account_id).where(
                    User.email == email, User.invitation_pending.is_(False)
                )
            ).all()
        # One joined; the other is told the address has a user (409), nothing else changed.
        assert len(signing_in) == 1, (trial, codes, signing_in)
        assert codes == [302, 409], (trial, codes)


def test_a_wrong_password_and_a_right_one_at_once(team):
    # The hand-over asks for the owner's password: one tab types it wrong, the other right.
    for trial in range(TRIALS):
        wrong, right = _race(
            team,
            team.post(0, f"/team/{team.ada}/ownership", password="not the password"),
            team.post(1, f"/team/{team.bea}/ownership", password=PASSWORD),
        )
        state = team.state()
        # Refused for the password (422), or as the tab no longer belongs to the owner (403).
        assert wrong in {422, 403}, (trial, wrong)
        assert right == 302, (trial, right)
        assert team.owners() == [team.bea], (trial, state)
        assert state[team.ada] == (Role.BILLING_ADMIN, False), (trial, state)
        assert state[team.owner] == (Role.BILLING_ADMIN, False), (trial, state)
        _forget_attempts(team.app)


def _forget_attempts(app: Flask) -> None:
    """Start the next trial with no failed attempt counted."""
    with app.app_context():
        db.session.execute(delete(SignInAttempt))
        db.session.commit()


GUESSES = 8


def test_parallel_password_guesses_check_at_most_the_limit(team):
    # Guesses sent at once from several tabs: no more are checked than the sign-in limit
    # allows (5 per 15 minutes for an address and e-mail), the rest wait; nothing changes.
    tabs = [team.tabs[0], team.tabs[1], *(_tab(team.app) for _ in range(GUESSES - 2))]
    for trial in range(TRIALS // 4):
        team.reset()
        _forget_attempts(team.app)
        responses = at_once(
            *(
                partial(
                    client.post,
                    f"/team/{team.ada}/ownership",
                    data={"csrf_token": token, "password": f"guess {index}"},
                )
                for index, (client, token) in enumerate(tabs)
            )
        )
        codes = [response.status_code for response in responses]
        assert set(codes) <= {422, 429}, (trial, codes)
        assert codes.count(422) <= 5, (trial, codes)
        assert team.owners() == [team.owner], (trial, codes)
        with team.app.app_context():
            counted = db.session.scalar(select(func.count(SignInAttempt.id)))
        assert counted == codes.count(422), (trial, codes, counted)
