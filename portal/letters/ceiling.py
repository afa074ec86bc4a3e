"""Letters of intent in the database: the customer's upload, staff's decision, the cover an
invoice is priced with, and the ceiling an issued invoice uses (a credit note gives it back).

The used amount only ever moves by one conditional UPDATE: a VAT-free invoice takes its net
only while the letter is approved and the net still fits, so two purchases at once can never
both take the last part of the ceiling (the database's CHECK refuses it besides). The caller
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select, update

from portal import clock
from portal.domain.letters_of_intent import (
    LetterCover,
    LetterEvent,
    LetterState,
    LetterTransitionError,
    transition,
)
from portal.domain.tax import LetterCitation
from portal.extensions import db, matched_rows
from portal.models import Account, LetterOfIntent

# The uploaded PDF: a letter with its receipt is a few hundred kilobytes.
MAX_PDF_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


class CeilingExceeded(Exception):
    """An invoice priced VAT-free under a letter whose ceiling no longer holds its net."""


def looks_like_pdf(content: bytes) -> bool:
    """Whether the bytes are a PDF: the header within the first kilobyte, an end marker."""
    return PDF_MAGIC in content[:1024] and b"%%EOF" in content[-2048:]


@dataclass(frozen=True)
class NewLetter:
    """What the customer typed and uploaded."""

    protocol: str
    issued_on: date
    valid_from: date
    valid_to: date
    ceiling_minor: int
    pdf: bytes
    file_name: str


def submit_letter(account_id: int, user_id: int, letter: NewLetter) -> LetterOfIntent:
    """Store an uploaded letter, waiting for staff's decision."""
    row = LetterOfIntent(
        account_id=account_id,
        pdf=letter.pdf,
        file_name=letter.file_name,
        protocol=letter.protocol,
        issued_on=letter.issued_on,
        valid_from=letter.valid_from,
        valid_to=letter.valid_to,
        ceiling_minor=letter.ceiling_minor,
        used_minor=0,
        state=LetterState.SUBMITTED,
        reason="",
        uploaded_by_id=user_id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def account_letters(account_id: int) -> list[LetterOfIntent]:
    """The account's letters, newest first."""
    return list(
        db.session.scalars(
            select(LetterOfIntent)
            .where(LetterOfIntent.account_id == account_id)
            .order_by(LetterOfIntent.created_at.desc(), LetterOfIntent.id.desc())
        )
    )


def account_letter(account_id: int, letter_id: int) -> LetterOfIntent | None:
    """One of the account's letters (None for another account's: the caller answers 404)."""
    return db.session.scalar(
        select(LetterOfIntent).where(
            LetterOfIntent.id == letter_id, LetterOfIntent.account_id == account_id
        )
    )


def waiting_letters() -> list[LetterOfIntent]:
    """Letters waiting for staff's decision, oldest first."""
    return list(
        db.session.scalars(
            select(LetterOfIntent)
            .where(LetterOfIntent.state == LetterState.SUBMITTED)
            .order_by(LetterOfIntent.created_at, LetterOfIntent.id)
        )
    )


def decide(letter_id: int, staff_id: int, event: LetterEvent, reason: str = "") -> bool:
    """Approve, reject (with its reason) or withdraw a letter, once: False when its state
    changed meanwhile (another staff member decided first). Commits."""
    letter = db.session.get(LetterOfIntent, letter_id)
    if letter is None:
        raise LookupError(letter_id)
    try:
        target = transition(letter.state, event)
    except LetterTransitionError:
        db.session.rollback()
        return False
    # Conditional on the state it was read in: two decisions at once, one wins.
    taken = db.session.execute(
        update(LetterOfIntent)
        .where(LetterOfIntent.id == letter_id, LetterOfIntent.state == letter.state)
        .values(state=target, reason=reason, decided_by_id=staff_id, decided_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if matched_rows(taken) != 1:
        db.session.rollback()
        return False
    if target is LetterState.APPROVED:
        db.session.execute(
            update(Account)
            .where(Account.id == letter.account_id)
            .values(has_letter_of_intent=True)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    db.session.expire(letter)
    return True


def cover_for(account_id: int, today: date) -> LetterCover | None:
    """The approved letter valid today with the most left of its ceiling, as pricing sees it."""
    letter = db.session.scalar(
        select(LetterOfIntent)
        .where(
            LetterOfIntent.account_id == account_id,
            LetterOfIntent.state == LetterState.APPROVED,
            LetterOfIntent.valid_from <= today,
            LetterOfIntent.valid_to >= today,
        )
        .order_by(
            (LetterOfIntent.ceiling_minor - LetterOfIntent.used_minor).desc(), LetterOfIntent.id
        )
        .limit(1)
    )
    if letter is None:
        return None
    return LetterCover(letter.citation, letter.valid_from, letter.valid_to, letter.remaining_minor)


def use_ceiling(citation: LetterCitation, account_id: int, net_minor: int) -> None:
    """An issued VAT-free invoice takes its net from the letter's ceiling, or CeilingExceeded.

    One conditional UPDATE: only while the letter is approved and the net still fits.
    """
    taken = db.session.execute(
        update(LetterOfIntent)
        .where(
            LetterOfIntent.id == citation.id,
            LetterOfIntent.account_id == account_id,
            LetterOfIntent.state == LetterState.APPROVED,
            LetterOfIntent.used_minor + net_minor <= LetterOfIntent.ceiling_minor,
        )
        .values(used_minor=LetterOfIntent.used_minor + net_minor)
        .execution_options(synchronize_session=False)
    )
    if matched_rows(taken) != 1:
        raise CeilingExceeded(f"letter {citation.protocol} cannot take {net_minor} more")


def give_back(letter_id: int, amount_minor: int) -> None:
    """A credit note of a VAT-free invoice returns its net to the letter's ceiling (never
    below nothing used)."""
    if amount_minor <= 0:
        return
    db.session.execute(
        update(LetterOfIntent)
        .where(LetterOfIntent.id == letter_id)
        .values(
            used_minor=case(
                (
                    LetterOfIntent.used_minor > amount_minor,
                    LetterOfIntent.used_minor - amount_minor,
                ),
                else_=0,
            )
        )
        .execution_options(synchronize_session=False)
    )


def still_covers(account_id: int, letter_id: int, net_minor: int, today: date) -> bool:
    """Whether the letter is approved, valid today and still holds `net_minor`."""
    letter = account_letter(account_id, letter_id)
    return (
        letter is not None
        and letter.state == LetterState.APPROVED
        and letter.valid_from <= today <= letter.valid_to
        and letter.remaining_minor >= net_minor
    )
