"""Limits on failed sign-ins, counted in the database so every worker and host shares them.

Three counters: per network address and e-mail (someone guessing one password), per address
across e-mails (password spraying) and per e-mail across addresses (a botnet on one account).
A password typed to confirm an action (changing it, handing the account over) counts in the
same counters: a borrowed session must not become a way to guess it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from flask_babel import ngettext
from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select

from portal import clock
from portal.extensions import db
from portal.models import SignInAttempt, User
from portal.models.columns import max_length

MAX_EMAIL_LENGTH = max_length(SignInAttempt.email)


@dataclass(frozen=True)
class Limit:
    """At most `amount` checked attempts within `window`."""

    amount: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> Limit:
        """Read "5 per 15 minutes" (the `limits` package's notation)."""
        # Imported here: `limits` brings its asyncio storage (1.6 MiB), needed at sign-in only.
        from limits import parse

        item = parse(text)
        return cls(item.amount, timedelta(seconds=item.get_expiry()))


class SignInLocked(Exception):
    """Too many failed attempts: the next one is allowed after `retry_after`."""

    def __init__(self, retry_after: timedelta) -> None:
        """Keep how long to wait."""
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, never 0."""
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


def client_address() -> str:
    """The address failed attempts are counted under (the proxy's ProxyFix sets it)."""
    return request.remote_addr or "unknown"


def wait_message(locked: SignInLocked) -> str:
    """Too many tries: how long to wait, in minutes."""
    return ngettext(
        "Too many attempts. Try again in %(num)d minute.",
        "Too many attempts. Try again in %(num)d minutes.",
        locked.minutes,
    )


def _limits() -> dict[str, Limit]:
    """The configured limits by counter."""
    config = current_app.config
    return {
        "pair": Limit.parse(config["LOGIN_RATE_LIMIT"]),
        "address": Limit.parse(config["LOGIN_ADDRESS_RATE_LIMIT"]),
        "email": Limit.parse(config["LOGIN_EMAIL_RATE_LIMIT"]),
    }


def _conditions(address: str, email: str) -> dict[str, ColumnElement[bool]]:
    """Which rows each counter counts."""
    return {
        "pair": and_(SignInAttempt.address == address, SignInAttempt.email == email),
        "address": SignInAttempt.address == address,
        "email": SignInAttempt.email == email,
    }


def normalized_email(email: str) -> str:
    """The e-mail as the counters key it."""
    return email.strip().lower()[:MAX_EMAIL_LENGTH]


def begin_attempt(address: str, email: str) -> int:
    """Record an attempt before the password is checked; SignInLocked when over a limit.

    The row is committed before counting, so two workers racing on the last allowed try
    both see each other's row and at most the limit is ever checked.
    """
    email = normalized_email(email)
    limits = _limits()
    now = clock.now()
    longest = max(limit.window for limit in limits.values())
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - longest))
    attempt = SignInAttempt(
        address=address[: max_length(SignInAttempt.address)], email=email, at=now
    )
    db.session.add(attempt)
    db.session.commit()
    attempt_id = attempt.id
    conditions = _conditions(attempt.address, email)
    counts = db.session.execute(
        select(
            *(
                func.coalesce(
                    func.sum(
                        case((and_(conditions[name], SignInAttempt.at > now - limit.window), 1))
                    ),
                    0,
                ).label(name)
                for name, limit in limits.items()
            )
        ).where(or_(conditions["address"], conditions["email"]))
    ).one()
    over = [name for name, limit in limits.items() if getattr(counts, name) > limit.amount]
    if not over:
        return attempt_id
    # A refused attempt is not checked, so it does not count (nor push the wait further).
    forget_attempt(attempt_id)
    waits = [_wait(conditions[name], limits[name], now) for name in over]
    raise SignInLocked(max(waits))


def _wait(condition: ColumnElement[bool], limit: Limit, now: datetime) -> timedelta:
    """How long until one more attempt fits in this counter's window."""
    moments = [
        clock.as_utc(moment)
        for moment in db.session.scalars(
            select(SignInAttempt.at)
            .where(condition, SignInAttempt.at > now - limit.window)
            .order_by(SignInAttempt.at)
        )
    ]
    expiring = len(moments) - limit.amount  # this many must leave the window first
    if expiring < 0:
        return timedelta(0)
    return max(moments[expiring] + limit.window - now, timedelta(seconds=1))


def forget_attempt(attempt_id: int) -> None:
    """A successful (or refused) attempt does not count against the limits."""
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.id == attempt_id))
    db.session.commit()


def confirm_password(user: User, password: str) -> bool:
    """Whether `password` is the signed-in user's, where it confirms an action.

    Counted like a sign-in with the user's e-mail from this address: a wrong one counts, a
    right one does not; SignInLocked when over a limit (the password is not checked then).
    """
    attempt_id = begin_attempt(client_address(), user.email)
    if not user.check_password(password):
        return False
    forget_attempt(attempt_id)
    return True
