"""Gapless number sequences (invoices, credit notes, quotes, e-invoice files), one row per kind
and year, locked from the number taken to the caller's commit."""

from __future__ import annotations

from sqlalchemy import update

from portal.extensions import db, insert_on_conflict
from portal.models import DocumentSequence, SequenceKind


def next_number(kind: SequenceKind, year: int) -> int:
    """Take the next number of the year, holding the sequence row until the caller commits.

    The row lock makes concurrent issuers wait, so numbers have no gaps and no duplicates:
    a transaction that rolls back gives its number back with it.
    """
    return take_numbers(kind, year, 1)


def take_numbers(kind: SequenceKind, year: int, count: int) -> int:
    """Take `count` consecutive numbers (as `next_number` does); returns the first of them.

    One UPDATE takes them and the row lock; the row is created on the year's first document.
    """
    for _attempt in range(2):
        last = db.session.execute(
            update(DocumentSequence)
            .where(DocumentSequence.kind == kind, DocumentSequence.year == year)
            .values(last_number=DocumentSequence.last_number + count)
            .returning(DocumentSequence.last_number)
            .execution_options(synchronize_session=False)
        ).scalar()
        if last is not None:
            return last - count + 1
        db.session.execute(
            insert_on_conflict(DocumentSequence)
            .values(kind=kind, year=year, last_number=0)
            .on_conflict_do_nothing(index_elements=["kind", "year"])
        )
    raise AssertionError(f"no document sequence row for {kind} {year}")
