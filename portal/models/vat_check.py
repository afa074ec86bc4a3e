"""The EU VAT registry's (VIES) answers about customers' VAT IDs: one row per consultation,
so the history and each consultation number stay (portal.vies reads and writes them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import as_utc
from portal.domain.vat_registry import RegistryAnswer, RegistryVerdict
from portal.extensions import Model
from portal.models.columns import enum_column, utc_now


class VatCheck(Model):
    """One answer of the registry about one VAT ID of an account."""

    __tablename__ = "vat_checks"
    __table_args__ = (
        # An account's answers about its VAT ID, newest last: the standing the price reads.
        Index("ix_vat_checks_account_vat_id", "account_id", "vat_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    # Compact, with its prefix, as billing info keeps it.
    vat_id: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[RegistryVerdict] = mapped_column(
        enum_column(RegistryVerdict, 10, check="vat_check_verdict")
    )
    # The fault or error code behind an unknown or invalid answer (MS_UNAVAILABLE, TIMEOUT…).
    reason: Mapped[str] = mapped_column(String(40), default="")
    # The registry's requestIdentifier, proof that the check was made.
    consultation_number: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    def answer(self) -> RegistryAnswer:
        """The row as the domain reads it."""
        return RegistryAnswer(
            vat_id=self.vat_id,
            verdict=self.verdict,
            checked_at=as_utc(self.checked_at),
            reason=self.reason,
            consultation_number=self.consultation_number,
            name=self.name,
            address=self.address,
        )
