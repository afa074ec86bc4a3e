"""Sending e-invoice files through the transmitter, applying SdI's receipts, producing again.

Commit rule: each file is sent in a transaction of its own that holds the file's row while the
transmitter writes it (PostgreSQL: a row lock, rows another run holds are skipped; SQLite: its
write lock, so runs take turns) and marks it sent before committing. Two runs at once hand
each file over once; a crash after the hand-over and before the commit leaves the file
GENERATED, and the next run hands the same file name over again (the transmitter's
idempotency key), never a file recorded as sent that was not.

Receipts move a sent file once: the change is a conditional UPDATE from SENT, so a replayed
receipt, or two runs reading the same inbox, change nothing the second time.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import defer

from portal import clock
from portal.accounts import lock_account
from portal.einvoices.receipts import BadReceipt, Receipt, ReceiptKind, parse_receipt
from portal.einvoices.transmission import IncomingReceipt, OutgoingFile, Transmitter
from portal.extensions import db, matched_rows
from portal.models import EInvoiceFile, EInvoiceState, Invoice

log = logging.getLogger(__name__)

# What each receipt makes of a sent file.
RECEIPT_STATES = {
    ReceiptKind.DELIVERED: EInvoiceState.DELIVERED,
    ReceiptKind.NOT_DELIVERABLE: EInvoiceState.NOT_DELIVERABLE,
    ReceiptKind.REJECTED: EInvoiceState.REJECTED,
}
# The states of a file that went to the exchange system and was not refused: the customer's
# XML download serves these.
HANDED_OVER = (EInvoiceState.SENT, EInvoiceState.DELIVERED, EInvoiceState.NOT_DELIVERABLE)
# A document whose latest file is in one of these is produced again, under a new file name.
PRODUCED_AGAIN_FROM = (EInvoiceState.REJECTED, EInvoiceState.INVALID)


class NotSendable(Exception):
    """The file is not GENERATED: an invalid one is never sent, a sent one never again."""

    def __init__(self, file_name: str, state: EInvoiceState) -> None:
        super().__init__(f"{file_name} is {state.value}: only a generated file is sent")
        self.file_name = file_name
        self.state = state


@dataclass
class SendReport:
    """What a send run did."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # file name, why

    def summary(self) -> str:
        """One line for the cron log."""
        return f"sent {len(self.sent)}, failed {len(self.failed)}"


def _begin_writing() -> bool:
    """Start a writer's transaction; True where rows lock one by one (PostgreSQL).

    SQLite has no row locks: its single write lock (BEGIN IMMEDIATE) is taken instead, so two
    runs take turns for the whole of one file's hand-over (see portal.accounts).
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return True
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return False


def manifest_of(file: EInvoiceFile, invoice: Invoice, sent_at: str) -> dict[str, Any]:
    """What the outbox says about a file beside it."""
    return {
        "file_name": file.file_name,
        "document_number": invoice.number,
        "document_kind": invoice.kind.value,
        "document_id": invoice.id,
        "account_id": invoice.account_id,
        "sha256": hashlib.sha256(file.content).hexdigest(),
        "created_at": clock.as_utc(file.created_at).isoformat(),
        "sent_at": sent_at,
    }


def _hand_over(file: EInvoiceFile, transmitter: Transmitter) -> None:
    """Hand a file held by this transaction over, and record it as sent (not committed)."""
    invoice = db.session.get(Invoice, file.invoice_id)
    if invoice is None:  # a foreign key makes this impossible; never send an orphan
        raise LookupError(f"{file.file_name}: document {file.invoice_id} not found")
    now = clock.now()
    transmitter.send(
        OutgoingFile(file.file_name, file.content, manifest_of(file, invoice, now.isoformat()))
    )
    marked = db.session.execute(
        update(EInvoiceFile)
        .where(EInvoiceFile.id == file.id, EInvoiceFile.state == EInvoiceState.GENERATED)
        .values(state=EInvoiceState.SENT, sent_at=now, attempts=EInvoiceFile.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if matched_rows(marked) != 1:  # the lock makes this impossible
        raise RuntimeError(f"{file.file_name} changed while it was held")


def _next_generated(skip: Sequence[int]) -> EInvoiceFile | None:
    """The oldest GENERATED file not in `skip`, held by this transaction."""
    row_locks = _begin_writing()
    query = (
        select(EInvoiceFile)
        .where(EInvoiceFile.state == EInvoiceState.GENERATED)
        .order_by(EInvoiceFile.id)
        .limit(1)
    )
    if skip:
        query = query.where(EInvoiceFile.id.not_in(skip))
    if row_locks:
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query.execution_options(populate_existing=True))


def send_generated(transmitter: Transmitter, *, limit: int | None = None) -> SendReport:
    """Hand every GENERATED file over (at most `limit`), each once, oldest first."""
    report = SendReport()
    tried: list[int] = []
    while limit is None or len(tried) < limit:
        file = _next_generated(tried)
        if file is None:
            db.session.rollback()
            break
        tried.append(file.id)
        name = file.file_name
        try:
            _hand_over(file, transmitter)
            db.session.commit()
        except (OSError, ValueError, LookupError) as error:
            db.session.rollback()
            log.error("e-invoice %s not sent: %s", name, error)
            report.failed.append((name, str(error)))
            continue
        log.info("e-invoice %s sent", name)
        report.sent.append(name)
    return report


def send_file(file_id: int, transmitter: Transmitter) -> EInvoiceFile:
    """Hand one file over now; NotSendable unless it is GENERATED (checked under its lock)."""
    row_locks = _begin_writing()
    query = select(EInvoiceFile).where(EInvoiceFile.id == file_id)
    if row_locks:
        query = query.with_for_update()
    file = db.session.scalar(query.execution_options(populate_existing=True))
    if file is None:
        db.session.rollback()
        raise LookupError(file_id)
    if file.state is not EInvoiceState.GENERATED:
        db.session.rollback()
        raise NotSendable(file.file_name, file.state)
    try:
        _hand_over(file, transmitter)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return file


@dataclass
class ReceiptReport:
    """What a receipts run did."""

    applied: list[str] = field(default_factory=list)  # receipt names
    replayed: list[str] = field(default_factory=list)  # applied before: nothing changed
    refused: list[tuple[str, str]] = field(default_factory=list)  # receipt name, why

    def summary(self) -> str:
        """One line for the cron log."""
        return (
            f"applied {len(self.applied)}, already applied {len(self.replayed)}, "
            f"refused {len(self.refused)}"
        )


class ReceiptRefused(Exception):
    """A well-formed receipt that does not fit the portal's files (unknown name, wrong state)."""


def _problems_of(receipt: Receipt) -> list[dict[str, str]]:
    """A rejection's errors as the file's problems (SdI's code and its own description)."""
    return [
        {"code": error.code, "rule": "sdi", "message": error.description}
        for error in receipt.errors
    ]


def apply_receipt(receipt: Receipt) -> bool:
    """Move the file the receipt names from SENT; False when it was applied before (the file
    already has this outcome and SdI id), ReceiptRefused when it does not fit."""
    target = RECEIPT_STATES[receipt.kind]
    values: dict[str, Any] = {
        "state": target,
        "receipt_at": clock.now(),
        "sdi_id": receipt.sdi_id,
    }
    if receipt.kind is ReceiptKind.REJECTED:
        values["problems"] = _problems_of(receipt)
    moved = db.session.execute(
        update(EInvoiceFile)
        .where(
            EInvoiceFile.file_name == receipt.file_name,
            EInvoiceFile.state == EInvoiceState.SENT,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if matched_rows(moved) == 1:
        db.session.commit()
        return True
    db.session.rollback()
    file = db.session.scalar(
        select(EInvoiceFile)
        .options(defer(EInvoiceFile.content))
        .where(EInvoiceFile.file_name == receipt.file_name)
    )
    if file is None:
        raise ReceiptRefused(f"no file named {receipt.file_name} was sent by the portal")
    if file.state is target and file.sdi_id == receipt.sdi_id:
        return False
    raise ReceiptRefused(
        f"{receipt.file_name} is {file.state.value} (SdI id {file.sdi_id or 'none'}): "
        f"a {receipt.kind.value} receipt with SdI id {receipt.sdi_id} does not apply"
    )


def apply_receipts(transmitter: Transmitter) -> ReceiptReport:
    """Apply every pending receipt once; a bad or unfitting one is set aside with its reason."""
    report = ReceiptReport()
    for incoming in transmitter.pending_receipts():
        try:
            receipt = parse_receipt(incoming.content, incoming.name)
            changed = apply_receipt(receipt)
        except (BadReceipt, ReceiptRefused) as error:
            _refuse(transmitter, incoming, str(error), report)
            continue
        transmitter.receipt_processed(incoming)
        if changed:
            log.info("receipt %s applied to %s", incoming.name, receipt.file_name)
            report.applied.append(incoming.name)
        else:
            log.info("receipt %s was applied before: nothing changed", incoming.name)
            report.replayed.append(incoming.name)
    return report


def _refuse(
    transmitter: Transmitter, incoming: IncomingReceipt, reason: str, report: ReceiptReport
) -> None:
    """Set a receipt aside with the reason, logged."""
    log.warning("receipt %s refused: %s", incoming.name, reason)
    transmitter.receipt_failed(incoming, reason)
    report.refused.append((incoming.name, reason))


def latest_files(invoice_ids: Sequence[int]) -> dict[int, EInvoiceFile]:
    """Each document's latest file (its state is the document's), without the XML."""
    if not invoice_ids:
        return {}
    latest = (
        select(func.max(EInvoiceFile.id))
        .where(EInvoiceFile.invoice_id.in_(invoice_ids))
        .group_by(EInvoiceFile.invoice_id)
    )
    files = db.session.scalars(
        select(EInvoiceFile).options(defer(EInvoiceFile.content)).where(EInvoiceFile.id.in_(latest))
    )
    return {file.invoice_id: file for file in files}


def handed_over_file(account_id: int, invoice_id: int) -> tuple[Invoice, EInvoiceFile] | None:
    """The account's document and its file that went to the exchange system (sent, delivered
    or not deliverable); None when the document is another account's or has no such file."""
    found = db.session.execute(
        select(Invoice, EInvoiceFile)
        .join(EInvoiceFile, EInvoiceFile.invoice_id == Invoice.id)
        .where(
            Invoice.id == invoice_id,
            Invoice.account_id == account_id,
            EInvoiceFile.state.in_(HANDED_OVER),
        )
        .order_by(EInvoiceFile.id.desc())
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1])


def latest_file_of(account_id: int, invoice_id: int) -> EInvoiceFile | None:
    """The account's document's latest file, any state; None for another account's document."""
    return db.session.scalar(
        select(EInvoiceFile)
        .join(Invoice, Invoice.id == EInvoiceFile.invoice_id)
        .where(Invoice.id == invoice_id, Invoice.account_id == account_id)
        .order_by(EInvoiceFile.id.desc())
        .limit(1)
    )


class NotProducedAgain(Exception):
    """The document's latest file is neither rejected nor invalid: nothing to produce again."""


Producer = Callable[[Invoice], EInvoiceFile]


def _producer() -> Producer:
    """portal.einvoices.produce's producer, looked up when called (it imports this package's
    rules and schema, and its tests stand in for it)."""
    module = importlib.import_module("portal.einvoices.produce")
    producer: Producer = module.produce_einvoice
    return producer


def produce_again(account_id: int, invoice_id: int) -> EInvoiceFile:
    """A new file (new, never used file name) for the account's document whose latest file
    was rejected or is invalid; under the account's lock, so two clicks produce one.

    A valid new file stays GENERATED: the next `flask einvoices send` run sends it.
    LookupError when the document is not the account's, NotProducedAgain when its latest
    file is in another state.
    """
    lock_account(account_id)
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.account_id == account_id)
    )
    if invoice is None:
        db.session.rollback()
        raise LookupError(invoice_id)
    latest = latest_files([invoice.id]).get(invoice.id)
    if latest is None or latest.state not in PRODUCED_AGAIN_FROM:
        db.session.rollback()
        raise NotProducedAgain(invoice.number)
    produced = _producer()(invoice)
    db.session.commit()
    log.info(
        "e-invoice of %s produced again: %s (%s) after %s (%s)",
        invoice.number,
        produced.file_name,
        produced.state.value,
        latest.file_name,
        latest.state.value,
    )
    return produced
