"""The words of the account e-mails: password reset and team invitation."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext


def password_reset_texts(*, name: str, link: str, minutes: int, seller: str) -> tuple[str, str]:
    """Subject and body of the e-mail with a single-use link to choose a new password."""
    subject = _("Choose a new password")
    paragraphs = [
        _("Hello %(name)s,", name=name) if name else _("Hello,"),
        _("Someone asked to reset the password of your billing portal account."),
        ngettext(
            "To choose a new password, open this link within %(num)d minute. It works once.",
            "To choose a new password, open this link within %(num)d minutes. It works once.",
            minutes,
        )
        + "\n"
        + link,
        _("If it was not you, ignore this e-mail: your password stays as it is."),
        _("Kind regards,") + "\n" + seller,
    ]
    return subject, "\n\n".join(paragraphs) + "\n"


def invitation_texts(
    *, inviter: str, company: str, role: str, link: str, days: int, seller: str
) -> tuple[str, str]:
    """Subject and body of the invitation to join an account's team."""
    # Translators: e-mail subject; company is the customer's company name.
    subject = _("Join %(company)s in the billing portal", company=company)
    paragraphs = [
        _("Hello,"),
        _(
            "%(inviter)s invites you to the billing portal of %(company)s as %(role)s.",
            inviter=inviter,
            company=company,
            role=role,
        ),
        ngettext(
            "To accept, open this link within %(num)d day and choose your password:",
            "To accept, open this link within %(num)d days and choose your password:",
            days,
        )
        + "\n"
        + link,
        _("If you do not know %(company)s, ignore this e-mail.", company=company),
        _("Kind regards,") + "\n" + seller,
    ]
    return subject, "\n\n".join(paragraphs) + "\n"
