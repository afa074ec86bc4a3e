"""Finding 6: 5 tries shared by every worker, per address across e-mails, and how long to wait."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from portal.models import Role
from tests.conftest import PASSWORD, csrf_token_from

EMAIL = "owner@bottega.example.com"
WRONG = "wrong password"


@pytest.fixture
def owner(factory) -> str:
    """An owner of a Free account."""
    factory.user(EMAIL, Role.OWNER, factory.account("Bottega S.r.l."))
    return EMAIL


def _sign_in(client, email: str, password: str = WRONG, address: str = "10.0.0.1"):
    """Post the sign-in form from one network address."""
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/login",
        data={"csrf_token": csrf_token_from(page.text), "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_sixth_try_is_refused_and_says_how_long_to_wait(client, owner, clock):
    for _ in range(5):
        assert _sign_in(client, owner).status_code == 200
    locked = _sign_in(client, owner, PASSWORD)
    assert locked.status_code == 429
    assert "Try again in 15 minutes." in locked.text
    assert locked.headers["Retry-After"] == "900"
    clock.moment += timedelta(minutes=10)
    assert "Try again in 5 minutes." in _sign_in(client, owner, PASSWORD).text
    clock.moment += timedelta(minutes=5, seconds=1)
    assert _sign_in(client, owner, PASSWORD).status_code == 302


def test_the_wait_message_is_translated(client, owner):
    for _ in range(5):
        _sign_in(client, owner)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token_from(page.text), "email": owner, "password": "x"},
        headers={"Accept-Language": "it"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 429
    assert "Troppi tentativi. Riprova tra 15 minuti." in response.text


WORKER = """
import json, os, sys
os.environ["PORTAL_ENV"] = "testing"
from portal import create_app
from tests.conftest import csrf_token_from
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
client = app.test_client()
codes = []
for _ in range(int(sys.argv[3])):
    page = client.get("/login")
    response = client.post("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}, data={
        "csrf_token": csrf_token_from(page.text), "email": sys.argv[2], "password": "wrong"})
    codes.append(response.status_code)
print(json.dumps(codes))
"""


def test_the_limit_is_shared_with_another_worker_process(app, client, owner, project_root):
    # Another process (a second gunicorn worker) spends three tries on the same database.
    result = subprocess.run(
        [sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"], owner, "3"],
        capture_output=True,
        text=True,
        cwd=project_root,
        env={**os.environ, "PYTHONPATH": str(project_root)},
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [200, 200, 200]
    assert _sign_in(client, owner).status_code == 200
    assert _sign_in(client, owner).status_code == 200
    assert _sign_in(client, owner, PASSWORD).status_code == 429


@pytest.mark.parametrize("app_config", [{"LOGIN_ADDRESS_RATE_LIMIT": "8 per hour"}])
def test_password_spraying_from_one_address_is_limited(client, factory):
    account_id = factory.account("Bottega S.r.l.")
    emails = [f"user{n}@bottega.example.com" for n in range(10)]
    for email in emails:
        factory.user(email, Role.MEMBER, account_id)
    for email in emails[:8]:
        assert _sign_in(client, email, "Summer2026").status_code == 200
    locked = _sign_in(client, emails[9], PASSWORD)
    assert locked.status_code == 429
    assert "Try again in 60 minutes." in locked.text
    # Someone else, elsewhere, signs in as usual.
    assert _sign_in(client, emails[9], PASSWORD, address="10.0.0.2").status_code == 302


@pytest.mark.parametrize("app_config", [{"LOGIN_EMAIL_RATE_LIMIT": "6 per hour"}])
def test_one_email_from_many_addresses_is_limited(client, owner):
    for n in range(6):
        assert _sign_in(client, owner, address=f"10.0.1.{n}").status_code == 200
    assert _sign_in(client, owner, PASSWORD, address="10.0.2.1").status_code == 429


def test_successful_sign_ins_and_refused_tries_do_not_extend_the_lock(client, owner, clock):
    for _ in range(5):
        _sign_in(client, owner)
    for _ in range(3):
        assert _sign_in(client, owner).status_code == 429
    clock.moment += timedelta(minutes=15, seconds=1)
    assert _sign_in(client, owner, PASSWORD).status_code == 302
