"""Two billing admins deciding the same quote at once: one decision, at most one charge.

Issue #21, finding 4. Each admin is signed in on a test client of their own; each trial staff
send a new quote (the package the last trial left, one agent more), both admins open their
pages, and their posts run in threads released together, one of them 0 to 80 ms late. Counted
at the sandbox gateway: every charge that succeeded, refunded ones included, and every refund.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.domain.payment_lifecycle import IN_FLIGHT
from portal.extensions import db
from portal.models import Invoice, Payment, PaymentMethod, QuoteStatus, SalesQuote, Subscription
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from tests.conftest import Auth, at_once, csrf_token_from, later, post_form
from tests.quotes.conftest import DRAFT_FORM, Setting

TRIALS = 20

pytestmark = pytest.mark.usefixtures("mail_left_queued")


@dataclass(frozen=True)
class Counts:
    """What the gateway and the database hold."""

    charges: int  # succeeded at the gateway, refunded ones included
    refunds: int
    invoices: int
    payments_in_flight: int


def counts(app: Flask) -> Counts:
    """Count charges, refunds, documents and payments still in flight."""
    with app.app_context():
        return Counts(
            db.session.scalar(
                select(func.count())
                .select_from(SandboxCharge)
                .where(SandboxCharge.status == "succeeded")
            ),
            db.session.scalar(
                select(func.count()).select_from(SandboxRefund).where(SandboxRefund.succeeded)
            ),
            db.session.scalar(select(func.count(Invoice.id))),
            db.session.scalar(select(func.count(Payment.id)).where(Payment.status.in_(IN_FLIGHT))),
        )


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A browser of its own, signed in."""
    client = app.test_client()
    Auth(client).login(email)
    return client


class Desk:
    """Staff sending quotes, two billing admins with a card, on their own clients."""

    def __init__(self, setting: Setting, card: str = "4242 4242 4242 4242") -> None:
        self.app = setting.app
        self.account_id = setting.account_id
        self.staff = signed_in(self.app, "staff@vendor.example")
        self.admins = [signed_in(self.app, "admin@acme.example")]
        self.admins.append(signed_in(self.app, "admin2@acme.example"))
        post_form(
            self.admins[0],
            "/billing/payment-methods/",
            "/billing/payment-methods/cards",
            {
                "holder": "Giulia Bianchi",
                "number": card,
                "expiry": "12/30",
                "cvc": "123",
                "make_default": "y",
            },
        )
        with self.app.app_context():
            self.method = db.session.scalar(select(PaymentMethod.id))
        # A session's CSRF token stays good for its forms: read once per browser.
        self.staff_token = csrf_token_from(self.staff.get("/backoffice/quotes/new").text)
        self.admin_tokens = [csrf_token_from(admin.get("/quotes").text) for admin in self.admins]

    def send_quote(self) -> int:
        """A new quote for one agent more than the package has now, sent by staff."""
        with self.app.app_context():
            agents = db.session.scalar(
                select(Subscription.agents).where(Subscription.account_id == self.account_id)
            )
        data = {
            "csrf_token": self.staff_token,
            "account_id": str(self.account_id),
            **DRAFT_FORM,
            "agents": str(agents + 1),
            "note": "",
        }
        created = self.staff.post("/backoffice/quotes/new", data=data)
        assert created.status_code == 302, created.text
        quote_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        # "Save and send" posts the draft's form as it stands.
        sent = self.staff.post(f"/backoffice/quotes/{quote_id}/send", data=data)
        assert sent.status_code == 302, sent.text
        return quote_id

    def accept(self, admin: int, quote_id: int, delay_ms: int):
        """Admin `admin` on step 4 with its own confirmation key; the post, `delay_ms` late."""
        client = self.admins[admin]
        page = client.get(f"/quotes/{quote_id}/accept/confirm?method={self.method}")
        assert page.status_code == 200, page.text
        data = {
            "csrf_token": csrf_token_from(page.text),
            "fingerprint": _hidden(page.text, "fingerprint"),
            "confirmation_key": _hidden(page.text, "confirmation_key"),
            "method": str(self.method),
            "accept": "y",
        }
        return later(delay_ms, lambda: client.post(f"/quotes/{quote_id}/accept/confirm", data=data))

    def reject(self, admin: int, quote_id: int, delay_ms: int):
        """Admin `admin` rejecting the quote on its page; the post, `delay_ms` late."""
        client = self.admins[admin]
        data = {"csrf_token": self.admin_tokens[admin], "reason": "Too dear"}
        return later(delay_ms, lambda: client.post(f"/quotes/{quote_id}/reject", data=data))

    def withdraw(self, quote_id: int):
        """Staff press Withdraw on the quote's page."""
        return self.staff.post(
            f"/backoffice/quotes/{quote_id}/withdraw", data={"csrf_token": self.staff_token}
        )

    def status(self, quote_id: int) -> QuoteStatus:
        """The quote's status in the database."""
        with self.app.app_context():
            quote = db.session.get(SalesQuote, quote_id)
            assert quote is not None
            return QuoteStatus(quote.status)


def answer(response) -> int:
    """The response's status; 500 when the request raised (the test client re-raises)."""
    return response.status_code if response is not None else 500


def _hidden(html: str, name: str) -> str:
    """A hidden input's value."""
    return html.split(f'name="{name}" type="hidden" value="')[1].split('"')[0]


def _delays(trial: int) -> tuple[int, int]:
    """The first or the second post late by 0, 10, ... 80 ms, alternately."""
    late = (trial * 10) % 90
    return (0, late) if trial % 2 else (late, 0)


def test_reject_and_accept_at_once_either_reject_or_one_charge(setting: Setting, backend) -> None:
    desk = Desk(setting)
    wrong, outcomes = [], set()
    for trial in range(TRIALS):
        quote_id = desk.send_quote()
        before = counts(desk.app)
        accept_delay, reject_delay = _delays(trial)
        accepted, rejected = at_once(
            desk.accept(0, quote_id, accept_delay), desk.reject(1, quote_id, reject_delay)
        )
        after = counts(desk.app)
        moved = (
            after.charges - before.charges,
            after.refunds - before.refunds,
            after.invoices - before.invoices,
        )
        status = desk.status(quote_id)
        answers = (answer(accepted), answer(rejected))
        outcomes.add(status)
        # Either the rejection won and nothing was charged, or the acceptance won with one
        # charge and one invoice and the rejection was refused.
        reject_won = status is QuoteStatus.REJECTED and moved == (0, 0, 0) and answers[1] == 302
        accept_won = status is QuoteStatus.ACCEPTED and moved == (1, 0, 1) and answers == (302, 409)
        if not (reject_won or accept_won) or after.payments_in_flight:
            wrong.append(
                f"trial {trial} accept/reject late by {accept_delay}/{reject_delay} ms: "
                f"quote {status}, charges {moved[0]}, refunds {moved[1]}, invoices {moved[2]}, "
                f"answers {answers}, in flight {after.payments_in_flight}"
            )
    assert not wrong, f"{backend}: {len(wrong)} of {TRIALS} trials went wrong:\n" + "\n".join(wrong)


def test_two_admins_accepting_one_quote_at_once_charge_once(setting: Setting, backend) -> None:
    desk = Desk(setting)
    wrong = []
    for trial in range(TRIALS):
        quote_id = desk.send_quote()
        before = counts(desk.app)
        first_delay, second_delay = _delays(trial)
        answers = sorted(
            answer(response)
            for response in at_once(
                desk.accept(0, quote_id, first_delay), desk.accept(1, quote_id, second_delay)
            )
        )
        after = counts(desk.app)
        moved = (
            after.charges - before.charges,
            after.refunds - before.refunds,
            after.invoices - before.invoices,
        )
        status = desk.status(quote_id)
        if (
            status is not QuoteStatus.ACCEPTED
            or moved != (1, 0, 1)
            or answers != [302, 409]
            or after.payments_in_flight
        ):
            wrong.append(
                f"trial {trial} late by {first_delay}/{second_delay} ms: quote {status}, "
                f"charges {moved[0]}, refunds {moved[1]}, invoices {moved[2]}, answers {answers}"
            )
    assert not wrong, f"{backend}: {len(wrong)} of {TRIALS} trials went wrong:\n" + "\n".join(wrong)


BEING_CONFIRMED = "A payment accepting this quote is being confirmed"


def test_a_quote_being_paid_is_neither_rejected_nor_withdrawn(setting: Setting) -> None:
    """While the bank's 3-D Secure page waits, the other admin's Reject and staff's Withdraw
    are refused before anything is charged; the acceptance then goes through, charged once."""
    desk = Desk(setting, card="4000 0027 6000 3184")
    quote_id = desk.send_quote()
    pending = desk.accept(0, quote_id, 0)()
    assert pending.status_code == 302
    assert "/sandbox/3ds/" in pending.headers["Location"]
    rejected = desk.reject(1, quote_id, 0)()
    assert rejected.status_code == 409
    assert BEING_CONFIRMED in rejected.text
    withdrawn = desk.withdraw(quote_id)
    assert withdrawn.status_code == 409
    assert BEING_CONFIRMED in withdrawn.text
    assert desk.status(quote_id) is QuoteStatus.SENT
    bank = desk.admins[0].get(pending.headers["Location"])
    action = re.search(r'action="(/sandbox/[^"]+)"', bank.text)
    assert action is not None
    approved = desk.admins[0].post(
        action.group(1), data={"csrf_token": csrf_token_from(bank.text), "approve": "1"}
    )
    back = desk.admins[0].get(approved.headers["Location"])
    assert back.status_code == 302
    assert back.headers["Location"] == "/package"
    assert desk.status(quote_id) is QuoteStatus.ACCEPTED
    assert counts(desk.app) == Counts(charges=1, refunds=0, invoices=1, payments_in_flight=0)


def test_a_payment_left_on_the_bank_page_does_not_keep_the_quote_open(
    setting: Setting, clock
) -> None:
    """Half an hour later the abandoned 3-D Secure payment is given up (nothing was charged)
    and the rejection goes through."""
    desk = Desk(setting, card="4000 0027 6000 3184")
    quote_id = desk.send_quote()
    assert "/sandbox/3ds/" in desk.accept(0, quote_id, 0)().headers["Location"]
    clock.advance(minutes=31)
    rejected = desk.reject(1, quote_id, 0)()
    assert rejected.status_code == 302
    assert desk.status(quote_id) is QuoteStatus.REJECTED
    assert counts(desk.app) == Counts(charges=0, refunds=0, invoices=0, payments_in_flight=0)
    with desk.app.app_context():
        assert db.session.scalar(select(Payment.status)) == "abandoned"
