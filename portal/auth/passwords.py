"""Changing a password, and resetting a forgotten one by e-mail."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.account_links import (
    LinkPurpose,
    LinkRefused,
    make_token,
    minutes_valid,
    user_for_token,
)
from portal.accounts import signing_in_user
from portal.extensions import db, matched_rows
from portal.i18n import format_moment
from portal.mail.account_messages import password_changed_texts, password_reset_texts
from portal.mail.outbox import queue_user_email, queue_user_notice, support_contact
from portal.models import EmailKind, OutgoingEmail, User
from portal.models.user import hash_password, new_session_token
from portal.public_url import public_url_for

# One reset e-mail per user in this span, whatever is typed into the form.
RESET_EMAIL_SPACING = timedelta(minutes=2)


def _queue_password_notice(user: User, *, reset: bool) -> int:
    """Queue the e-mail telling the user their password changed (never the password)."""
    return queue_user_notice(
        user,
        kind=EmailKind.PASSWORD_WAS_RESET if reset else EmailKind.PASSWORD_CHANGED,
        texts=lambda: password_changed_texts(
            name=user.name,
            email=user.email,
            moment=format_moment(clock.now()),
            reset=reset,
            link=public_url_for("auth.forgot_password"),
            support=support_contact(),
            seller=current_app.config["SELLER_NAME"],
        ),
        fallback=str(get_locale()),
    )


def change_password(user: User, current_password: str, new_password: str) -> int | None:
    """Set a new password if the current one is right; every session of the user ends.

    Returns the id of the e-mail telling the user, or None when the current password is wrong.
    """
    if not user.check_password(current_password):
        return None
    user.set_password(new_password)
    user.end_sessions()
    email_id = _queue_password_notice(user, reset=False)
    db.session.commit()
    return email_id


def request_reset(email: str) -> int | None:
    """Queue a reset link for this e-mail's user; the id of the queued e-mail, or None.

    The caller says the same thing whether or not the address is known.
    """
    user = signing_in_user(email)
    if user is None or not user.can_sign_in:
        return None
    bucket = int(clock.now().timestamp() // RESET_EMAIL_SPACING.total_seconds())
    dedupe_key = f"password-reset:{user.id}:{bucket}"
    if db.session.scalar(select(OutgoingEmail.id).where(OutgoingEmail.dedupe_key == dedupe_key)):
        return None
    language = user.locale or str(get_locale())
    link = public_url_for("auth.reset_password", token=make_token(user, LinkPurpose.PASSWORD_RESET))
    with force_locale(language):
        subject, body = password_reset_texts(
            name=user.name,
            link=link,
            minutes=minutes_valid(LinkPurpose.PASSWORD_RESET),
            seller=current_app.config["SELLER_NAME"],
        )
    email_row = queue_user_email(
        user,
        kind=EmailKind.PASSWORD_RESET,
        language=language,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another request queued this span's e-mail a moment ago: one is enough.
        db.session.rollback()
        return None
    return email_row.id


def reset_user(token: str) -> User:
    """The user a reset link is for (LinkRefused when expired, used or forged)."""
    return user_for_token(token, LinkPurpose.PASSWORD_RESET)


def reset_password(token: str, new_password: str) -> int:
    """Set the password from a reset link; the link and every session stop working.

    Returns the id of the e-mail telling the user their password was reset.
    """
    user = reset_user(token)
    # Only if nobody used the link in the meantime: two tabs cannot both use it.
    used = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash)
        .values(
            password_hash=hash_password(new_password),
            session_token=new_session_token(),
        )
        .execution_options(synchronize_session=False)
    )
    if matched_rows(used) != 1:
        db.session.rollback()
        raise LinkRefused("invalid")
    email_id = _queue_password_notice(user, reset=True)
    db.session.commit()
    return email_id
