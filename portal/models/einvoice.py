"""E-invoice files: the FatturaPA XML of each issued document and its way through the exchange
system (SdI). A document has one file per attempt: a rejected one is fixed and sent again under a
new, never reused file name, so the document's state is its latest file's."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.columns import enum_column, utc_now


class EInvoiceState(StrEnum):
    """Where one e-invoice file stands."""

    # Produced and valid against the schema and the exchange system's rules: ready to send.
    GENERATED = "generated"
    # Produced but failing a rule (`problems` says which): never sent; staff fix and produce again.
    INVALID = "invalid"
    SENT = "sent"  # handed to the transmission channel, no receipt yet
    DELIVERED = "delivered"  # receipt RC: the recipient has it
    # Receipt MC: the exchange system could not deliver it; the customer finds it in the portal,
    # and for the tax authority it is issued.
    NOT_DELIVERABLE = "not_deliverable"
    REJECTED = "rejected"  # receipt NS: refused with error codes; fixed and sent under a new name
    SUPERSEDED = "superseded"  # a later file of the same document replaced it before sending


class EInvoiceFile(Model):
    """One FatturaPA file of an issued invoice or credit note."""

    __tablename__ = "einvoice_files"
    __table_args__ = (
        # The staff list filtered by state, newest first.
        Index("ix_einvoice_files_state_created", "state", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    # IT<transmitter id>_<progressive>.xml; the progressive is never reused, even after a rejection.
    file_name: Mapped[str] = mapped_column(String(40), unique=True)
    progressive: Mapped[str] = mapped_column(String(5))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[EInvoiceState] = mapped_column(
        enum_column(EInvoiceState, 20), default=EInvoiceState.GENERATED
    )
    # The portal's own rule failures (code and message) for an INVALID file; the exchange
    # system's error codes and descriptions for a REJECTED one.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the exchange system's last receipt for the file was read, and its identifier there.
    receipt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sdi_id: Mapped[str] = mapped_column(String(20), default="", server_default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A document in CZK, PLN or USD is stated in euro at the reference rate of its first file
    # (units of the currency for one euro) and that rate's date; every later file reuses it.
    exchange_rate: Mapped[Any] = mapped_column(Numeric(12, 6), nullable=True)
    exchange_rate_on: Mapped[date | None] = mapped_column(Date)
