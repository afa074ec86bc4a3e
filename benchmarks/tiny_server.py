"""The load generator's own ceiling: a fixed answer from asyncio, with no framework behind it.

`python -m benchmarks.tiny_server PORT` answers every request with "ok" and closes the
connection, as gunicorn's sync workers do, so wrk does the same work per request as against
the portal. If wrk gets far more from this than from /health, wrk is not the bottleneck.
"""

from __future__ import annotations

import asyncio
import sys

ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\nok"
)


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read one request's head, answer, close."""
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ANSWER)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(port: int) -> None:
    """Serve until killed."""
    # Both processes listen on the one port (the harness starts two): the kernel shares the
    # connections out between them.
    server = await asyncio.start_server(answer, "127.0.0.1", port, backlog=1024, reuse_port=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
