"""Round trips to PostgreSQL counted where the server receives them: a TCP relay in front of
the server that reads every message the client sends (the frontend protocol) and passes
everything through unchanged.

A round trip is one wait for the server: a simple Query message ('Q': psycopg's BEGIN,
ROLLBACK and COMMIT go this way) or a Sync ('S', which ends an extended-protocol batch:
Parse, Bind, Describe, Execute, then Sync). SQLAlchemy's statement events see neither BEGIN
nor the ROLLBACK the pool sends when a connection comes back; the server does, and so does
this count.

The relay wants plain TCP: the URL it hands out turns TLS and GSS encryption off.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
CHUNK = 65536


@dataclass(frozen=True)
class RoundTrip:
    """One wait for the server: how it was sent and the SQL it carried."""

    kind: str  # "query" (simple protocol) or "batch" (extended protocol, ended by Sync)
    sql: str

    def short(self) -> str:
        """The statement's first words, for a report line."""
        words = " ".join(self.sql.split()).split(" ")
        return " ".join(words[:3]) + (" …" if len(words) > 3 else "")


class _ClientStream:
    """Parses what one client sends: the untyped startup message, then typed messages."""

    def __init__(self, record: Recorder) -> None:
        self.record = record
        self.buffer = bytearray()
        self.started = False
        self.pending_sql: list[str] = []
        self.prepared: dict[bytes, str] = {}

    def feed(self, data: bytes) -> None:
        """Take in bytes as they arrive; record each complete message."""
        self.buffer += data
        while True:
            if not self.started:
                if len(self.buffer) < 8:
                    return
                length, code = struct.unpack("!ii", self.buffer[:8])
                if len(self.buffer) < length:
                    return
                del self.buffer[:length]
                if code in (SSL_REQUEST, GSS_REQUEST):
                    raise RuntimeError("the relay counts plain TCP only: turn TLS and GSS off")
                self.started = True
                continue
            if len(self.buffer) < 5:
                return
            kind = chr(self.buffer[0])
            (length,) = struct.unpack("!i", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return
            body = bytes(self.buffer[5 : 1 + length])
            del self.buffer[: 1 + length]
            self._message(kind, body)

    def _message(self, kind: str, body: bytes) -> None:
        """Count the messages that wait for the server; keep the SQL they carry."""
        if kind == "Q":
            self.record.add(RoundTrip("query", body.rstrip(b"\0").decode(errors="replace")))
        elif kind == "P":
            # Parse: statement name, then the query text, both NUL-terminated.
            name_end = body.index(b"\0")
            text_end = body.index(b"\0", name_end + 1)
            text = body[name_end + 1 : text_end].decode(errors="replace")
            self.prepared[body[:name_end]] = text
            self.pending_sql.append(text)
        elif kind == "B":
            # Bind: portal name, then the statement name (one prepared earlier, or just now).
            portal_end = body.index(b"\0")
            statement = body[portal_end + 1 : body.index(b"\0", portal_end + 1)]
            if statement and self.prepared.get(statement) not in self.pending_sql:
                self.pending_sql.append(self.prepared.get(statement, "(a prepared statement)"))
        elif kind == "S":
            sql = "; ".join(self.pending_sql) or "(a prepared statement)"
            self.pending_sql.clear()
            self.record.add(RoundTrip("batch", sql))


class Recorder:
    """The round trips every relayed connection made since the last `take()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trips: list[RoundTrip] = []

    def add(self, trip: RoundTrip) -> None:
        """Note one round trip."""
        with self._lock:
            self._trips.append(trip)

    def take(self) -> list[RoundTrip]:
        """The round trips noted so far, and start counting again."""
        with self._lock:
            trips, self._trips = self._trips, []
        return trips


def _pump(source: socket.socket, target: socket.socket, stream: _ClientStream | None) -> None:
    """Copy bytes one way until either side closes; parse them when `stream` is given."""
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            if stream is not None:
                stream.feed(data)
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@contextmanager
def counting_relay(url: str) -> Iterator[tuple[str, Recorder]]:
    """A relay in front of the server of `url`: yields the URL to use instead (through the
    relay, plain TCP) and the recorder of round trips."""
    parts = urlsplit(url)
    server = (parts.hostname or "127.0.0.1", parts.port or 5432)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    recorder = Recorder()
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _address = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(server)
            stream = _ClientStream(recorder)
            threading.Thread(target=_pump, args=(client, upstream, stream), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client, None), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    user = f"{parts.username}@" if parts.username else ""
    query = "&".join(filter(None, [parts.query, "sslmode=disable", "gssencmode=disable"]))
    relayed = urlunsplit((parts.scheme, f"{user}127.0.0.1:{port}", parts.path, query, ""))
    try:
        yield relayed, recorder
    finally:
        stop.set()
        listener.close()
