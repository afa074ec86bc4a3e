"""The transmission interface between the portal and the exchange system (SdI).

The portal hands each e-invoice file, with its manifest, to a `Transmitter` and reads SdI's
receipts back from it. The embedded default, `FolderTransmitter`, writes the files to an
outbox folder and reads the receipts dropped into an inbox folder, for an intermediary's
client (or a person) to carry both ways; a real intermediary's API plugs in behind the same
three calls, chosen by the EINVOICE_TRANSMITTER setting (`folder`, or `package.module:factory`
for a callable that takes the app's config and returns a Transmitter).

`send` may be called again with the same file after a crash between writing it and recording
it as sent: a transmitter treats the file name as the idempotency key of the hand-over (the
folder replaces the file with the same bytes; an intermediary's adapter passes the name on).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

DEFAULT_TRANSMITTER = "folder"


@dataclass(frozen=True)
class OutgoingFile:
    """One FatturaPA file to hand over, and the manifest that describes it."""

    file_name: str  # IT<id>_<progressive>.xml, exactly as SdI will know it
    content: bytes
    manifest: Mapping[str, Any]  # file name, document number and kind, account, sha256, times


@dataclass(frozen=True)
class IncomingReceipt:
    """A message from the exchange system, as the channel delivered it (not yet read)."""

    name: str  # e.g. IT01234567890_00001_RC_001.xml
    content: bytes


class Transmitter(Protocol):
    """What the portal needs from a transmission channel."""

    def send(self, outgoing: OutgoingFile) -> None:
        """Hand one file over with its manifest; raise OSError (or a subclass) on failure."""

    def pending_receipts(self) -> Iterator[IncomingReceipt]:
        """The receipts received and not yet marked processed or failed, oldest first."""

    def receipt_processed(self, receipt: IncomingReceipt) -> None:
        """The receipt was applied (or had been before): never hand it out again."""

    def receipt_failed(self, receipt: IncomingReceipt, reason: str) -> None:
        """The receipt cannot be applied: set it aside with the reason, for a person to look."""


def _write_atomically(folder: Path, name: str, content: bytes) -> None:
    """Write `folder/name` whole or not at all: a temporary file in the same folder, flushed
    to disk, then renamed over the name (a reader never sees half a file)."""
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _safe_name(name: str) -> bool:
    """A plain file name of the folder (no path, nothing hidden)."""
    return bool(name) and Path(name).name == name and not name.startswith(".")


class FolderTransmitter:
    """The embedded default: an outbox folder for the files, an inbox folder for receipts.

    Outbox: `<file name>` (the XML) and `<file name without .xml>.json` (its manifest), the
    XML first, so a manifest never names a file that is not whole yet. Inbox: the receipts
    as SdI names them; an applied one moves to `inbox/processed`, one that cannot be applied
    to `inbox/failed` with `<name>.reason.txt` beside it.
    """

    def __init__(self, outbox: Path, inbox: Path) -> None:
        self.outbox = outbox
        self.inbox = inbox
        self.processed = inbox / "processed"
        self.failed = inbox / "failed"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FolderTransmitter:
        """The folders the settings name (EINVOICE_OUTBOX, EINVOICE_INBOX)."""
        return cls(Path(config["EINVOICE_OUTBOX"]), Path(config["EINVOICE_INBOX"]))

    def send(self, outgoing: OutgoingFile) -> None:
        """Write the XML, then its manifest, each atomically."""
        if not _safe_name(outgoing.file_name) or not outgoing.file_name.endswith(".xml"):
            raise ValueError(f"not a file name for the outbox: {outgoing.file_name!r}")
        self.outbox.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.outbox, outgoing.file_name, outgoing.content)
        manifest = json.dumps(dict(outgoing.manifest), indent=2, sort_keys=True) + "\n"
        stem = outgoing.file_name.removesuffix(".xml")
        _write_atomically(self.outbox, f"{stem}.json", manifest.encode())

    def pending_receipts(self) -> Iterator[IncomingReceipt]:
        """The inbox's files, by name (SdI's progressive orders one file's receipts)."""
        if not self.inbox.is_dir():
            return
        for path in sorted(self.inbox.iterdir()):
            if not path.is_file() or not _safe_name(path.name):
                continue
            try:
                content = path.read_bytes()
            except FileNotFoundError:
                continue  # another run moved it since the listing
            yield IncomingReceipt(path.name, content)

    def _move(self, receipt: IncomingReceipt, folder: Path) -> bool:
        """Move the receipt into `folder`; False when another run moved it first."""
        folder.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(self.inbox / receipt.name, folder / receipt.name)
        except FileNotFoundError:
            return False
        return True

    def receipt_processed(self, receipt: IncomingReceipt) -> None:
        """Into inbox/processed."""
        self._move(receipt, self.processed)

    def receipt_failed(self, receipt: IncomingReceipt, reason: str) -> None:
        """Into inbox/failed, with the reason in a text file beside it."""
        if self._move(receipt, self.failed):
            _write_atomically(self.failed, f"{receipt.name}.reason.txt", f"{reason}\n".encode())


class UnknownTransmitter(LookupError):
    """EINVOICE_TRANSMITTER names no transmitter."""


TRANSMITTERS: dict[str, Callable[[Mapping[str, Any]], Transmitter]] = {
    "folder": FolderTransmitter.from_config,
}


def transmitter_for(config: Mapping[str, Any]) -> Transmitter:
    """The transmitter the settings choose: `folder`, or `module:factory`."""
    name = str(config.get("EINVOICE_TRANSMITTER") or DEFAULT_TRANSMITTER)
    factory = TRANSMITTERS.get(name)
    if factory is None and ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise UnknownTransmitter(f"EINVOICE_TRANSMITTER={name!r}: {error}") from None
    if factory is None:
        raise UnknownTransmitter(
            f"EINVOICE_TRANSMITTER={name!r}: use 'folder' or 'package.module:factory'"
        )
    return factory(config)
