"""Signed, expiring links for password resets and invitations, each good for one use.

A link carries the user's id and a fingerprint of their password hash and session token;
setting the password changes both, so a used link (or an older one) stops working.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from portal import clock
from portal.extensions import db
from portal.models import User


class LinkPurpose(StrEnum):
    """What a link may be used for; a link for one purpose is refused for the other."""

    PASSWORD_RESET = "password-reset"  # noqa: S105 - a link purpose, not a password
    INVITATION = "invitation"


class LinkRefused(Exception):
    """The link is expired, used, forged or for someone who can no longer use it."""

    def __init__(self, reason: str) -> None:
        """`reason` is "expired" or "invalid"."""
        super().__init__(reason)
        self.reason = reason


class ClockSigner(TimestampSigner):
    """Stamps links with the portal's clock, which tests (and demos) can move."""

    def get_timestamp(self) -> int:
        """Now, in whole seconds."""
        return int(clock.now().timestamp())


def _serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    """Signs with the app's secret key, salted per purpose."""
    secret_key = current_app.secret_key
    assert secret_key is not None  # load_settings refuses to start without one
    return URLSafeTimedSerializer(secret_key, salt=f"portal-{purpose}", signer=ClockSigner)


def _fingerprint(user: User) -> str:
    """Changes whenever the password or the sessions change."""
    material = f"{user.password_hash}|{user.session_token}|{user.invitation_pending}".encode()
    key = str(current_app.secret_key).encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def _max_age(purpose: LinkPurpose) -> int:
    """Seconds a link stays valid."""
    setting = (
        "PASSWORD_RESET_MAX_AGE"
        if purpose is LinkPurpose.PASSWORD_RESET
        else ("INVITATION_MAX_AGE")
    )
    return int(current_app.config[setting].total_seconds())


def make_token(user: User, purpose: LinkPurpose) -> str:
    """A token for the link in the e-mail."""
    return _serializer(purpose).dumps([user.id, _fingerprint(user)])


def user_for_token(token: str, purpose: LinkPurpose) -> User:
    """The user the link is for, or LinkRefused."""
    try:
        user_id, fingerprint = _serializer(purpose).loads(token, max_age=_max_age(purpose))
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise LinkRefused("invalid") from None
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        raise LinkRefused("invalid")
    user = db.session.get(User, user_id)
    if user is None or user.removed_at is not None:
        raise LinkRefused("invalid")
    if purpose is LinkPurpose.PASSWORD_RESET and user.invitation_pending:
        raise LinkRefused("invalid")
    if purpose is LinkPurpose.INVITATION and not user.invitation_pending:
        raise LinkRefused("invalid")
    if not hmac.compare_digest(fingerprint, _fingerprint(user)):
        raise LinkRefused("invalid")
    return user


def minutes_valid(purpose: LinkPurpose) -> int:
    """How long a new link works, in minutes."""
    return _max_age(purpose) // 60
