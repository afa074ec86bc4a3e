"""The words of the account e-mails: password reset, team invitation and security notices."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.mail.letter import letter


def password_reset_texts(*, name: str, link: str, minutes: int, seller: str) -> tuple[str, str]:
    """Subject and body of the e-mail with a single-use link to choose a new password."""
    subject = _("Choose a new password")
    paragraphs = [
        _("Someone asked to reset the password of your billing portal account."),
        ngettext(
            "To choose a new password, open this link within %(num)d minute. It works once.",
            "To choose a new password, open this link within %(num)d minutes. It works once.",
            minutes,
        )
        + "\n"
        + link,
        _("If it was not you, ignore this e-mail: your password stays as it is."),
    ]
    return subject, letter(name, paragraphs, seller)


def invitation_texts(
    *, inviter: str, company: str, as_role: str, link: str, days: int, seller: str
) -> tuple[str, str]:
    """Subject and body of the invitation to join an account's team."""
    # Translators: e-mail subject; company is the customer's company name.
    subject = _("Join %(company)s in the billing portal", company=company)
    paragraphs = [
        _(
            # Translators: as_role is "as" and a role, such as "as an agent" (context "as a
            # role").
            "%(inviter)s invites you to the billing portal of %(company)s %(as_role)s.",
            inviter=inviter,
            company=company,
            as_role=as_role,
        ),
        ngettext(
            "To accept, open this link within %(num)d day and choose your password:",
            "To accept, open this link within %(num)d days and choose your password:",
            days,
        )
        + "\n"
        + link,
        _("If you do not know %(company)s, ignore this e-mail.", company=company),
    ]
    return subject, letter(None, paragraphs, seller)


def _if_it_was_not_you(link: str, support: str) -> str:
    """What to do when the change was not the reader's doing: a new password, and support."""
    return (
        _(
            "If it was not you, choose a new password at once through this link and tell "
            "support (%(support)s):",
            support=support,
        )
        + "\n"
        + link
    )


def password_changed_texts(
    *, name: str, email: str, moment: str, reset: bool, link: str, support: str, seller: str
) -> tuple[str, str]:
    """Subject and body telling a user their password was changed, or reset by e-mail."""
    if reset:
        subject = _("Your billing portal password was reset")
        # Translators: moment is a date and time, e.g. "13 Nov 2026, 11:00 CET".
        what = _(
            "The password of %(email)s in the billing portal was reset on %(moment)s, through "
            "a link e-mailed to this address. Every session was signed out.",
            email=email,
            moment=moment,
        )
    else:
        subject = _("Your billing portal password was changed")
        # Translators: moment is a date and time, e.g. "13 Nov 2026, 11:00 CET".
        what = _(
            "The password of %(email)s in the billing portal was changed on %(moment)s. "
            "Your other sessions were signed out.",
            email=email,
            moment=moment,
        )
    paragraphs = [
        what,
        _if_it_was_not_you(link, support),
    ]
    return subject, letter(name, paragraphs, seller)


def ownership_received_texts(
    *, name: str, company: str, previous: str, moment: str, seller: str
) -> tuple[str, str]:
    """Subject and body telling a billing admin they are now the account's owner."""
    # Translators: e-mail subject; company is the customer's company name.
    subject = _("You are now the owner of %(company)s", company=company)
    paragraphs = [
        # Translators: previous is the previous owner's name; moment a date and time.
        _(
            "%(previous)s handed the ownership of %(company)s in the billing portal over to "
            "you on %(moment)s.",
            previous=previous,
            company=company,
            moment=moment,
        ),
        _(
            "As the owner you invite and remove users, name billing admins and can hand the "
            "ownership over, besides managing billing. %(previous)s stays a billing admin.",
            previous=previous,
        ),
        _("If you did not expect this, ask %(previous)s.", previous=previous),
    ]
    return subject, letter(name, paragraphs, seller)


def ownership_handed_over_texts(
    *, name: str, company: str, owner: str, moment: str, link: str, support: str, seller: str
) -> tuple[str, str]:
    """Subject and body telling the previous owner the account went to someone else."""
    # Translators: e-mail subject; owner is the new owner's name.
    subject = _(
        "You handed the ownership of %(company)s over to %(owner)s", company=company, owner=owner
    )
    paragraphs = [
        # Translators: owner is the new owner's name; moment a date and time.
        _(
            "The ownership of %(company)s in the billing portal went to %(owner)s on "
            "%(moment)s. You stay a billing admin: you keep managing billing, and %(owner)s "
            "now manages the team.",
            company=company,
            owner=owner,
            moment=moment,
        ),
        _if_it_was_not_you(link, support),
    ]
    return subject, letter(name, paragraphs, seller)


def removed_from_team_texts(
    *, name: str, company: str, owner: str, moment: str, seller: str
) -> tuple[str, str]:
    """Subject and body telling a user they were removed from the account's team."""
    # Translators: e-mail subject; company is the customer's company name.
    subject = _("You are no longer in the team of %(company)s", company=company)
    paragraphs = [
        # Translators: owner is the owner's name; moment a date and time.
        _(
            "%(owner)s removed you from the team of %(company)s in the billing portal on "
            "%(moment)s. You can no longer sign in there.",
            owner=owner,
            company=company,
            moment=moment,
        ),
        _("If you think it is a mistake, ask %(owner)s.", owner=owner),
    ]
    return subject, letter(name, paragraphs, seller)


def made_billing_admin_texts(
    *, name: str, company: str, owner: str, moment: str, seller: str
) -> tuple[str, str]:
    """Subject and body telling a user they were made billing admin."""
    # Translators: e-mail subject; company is the customer's company name.
    subject = _("You are now a billing admin of %(company)s", company=company)
    paragraphs = [
        # Translators: owner is the owner's name; moment a date and time.
        _(
            "%(owner)s made you a billing admin of %(company)s in the billing portal on "
            "%(moment)s.",
            owner=owner,
            company=company,
            moment=moment,
        ),
        _(
            "You can now buy and change the package, manage payment methods and invoices, and "
            "accept or reject quotes."
        ),
        _("If you did not expect this, ask %(owner)s.", owner=owner),
    ]
    return subject, letter(name, paragraphs, seller)
