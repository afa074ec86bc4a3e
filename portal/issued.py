"""The documents a transaction issued, kept on its session until it commits.

`portal.documents` marks each document it numbers; `portal.einvoices` produces their e-invoices
just before the commit. Neither package imports the other for it: both use this list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

PENDING_KEY = "portal.issued.pending"


def mark_issued(session: Session, documents: list[Any]) -> None:
    """Remember documents the session's transaction issued."""
    session.info.setdefault(PENDING_KEY, []).extend(documents)


def take_issued(session: Session) -> list[Any]:
    """The documents marked since the last call, forgetting them."""
    return session.info.pop(PENDING_KEY, [])


def forget_issued(session: Session) -> None:
    """Drop the marks of a transaction that rolled back."""
    session.info.pop(PENDING_KEY, None)
