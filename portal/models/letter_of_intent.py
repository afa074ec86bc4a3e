"""Letters of intent: an Italian habitual exporter's declaration to buy without VAT."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.letters_of_intent import LetterState, remaining_minor
from portal.domain.tax import LetterCitation
from portal.extensions import Model
from portal.models.columns import enum_column, utc_now

PROTOCOL_LENGTH = 24  # 17 digits, a dash, 6 digits
FILE_NAME_LENGTH = 200


class LetterOfIntent(Model):
    """One uploaded letter, its receipt's protocol, validity, ceiling and staff's decision."""

    __tablename__ = "letters_of_intent"
    __table_args__ = (
        # The database refuses what the conditional update must never let through: more used
        # than the ceiling, or a negative amount.
        CheckConstraint("used_minor >= 0", name="used_not_negative"),
        CheckConstraint("used_minor <= ceiling_minor", name="used_within_ceiling"),
        CheckConstraint("ceiling_minor > 0", name="ceiling_positive"),
        CheckConstraint("valid_from <= valid_to", name="valid_dates_in_order"),
        # The staff's queue: letters waiting for a decision, oldest first.
        Index("ix_letters_of_intent_state_created", "state", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # The letter with the Agenzia delle Entrate's receipt, as uploaded (a PDF).
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    file_name: Mapped[str] = mapped_column(String(FILE_NAME_LENGTH), default="")
    protocol: Mapped[str] = mapped_column(String(PROTOCOL_LENGTH))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    # The ceiling and what invoices used of it, in euro cents.
    ceiling_minor: Mapped[int] = mapped_column(BigInteger)
    used_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    state: Mapped[LetterState] = mapped_column(
        enum_column(LetterState, 20, check="known_state"), default=LetterState.SUBMITTED
    )
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def remaining_minor(self) -> int:
        """What is left of the ceiling."""
        return remaining_minor(self.ceiling_minor, self.used_minor)

    @property
    def citation(self) -> LetterCitation:
        """What a VAT-free invoice cites of the letter."""
        return LetterCitation(self.id, self.protocol, self.issued_on)
