"""Failed sign-ins, counted in the database so every worker and host sees the same limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model


class SignInAttempt(Model):
    """One sign-in attempt that is being checked or has failed; a success deletes its row."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_address_at", "address", "at"),
        Index("ix_sign_in_attempts_email_at", "email", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(45))
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
