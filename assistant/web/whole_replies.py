"""One reply, one write: the worker hands the kernel a response's head and body together.

Uvicorn writes the status line and headers as soon as the app sends `http.response.start`, and the
body on the next message: two `send()` calls. Between them the event-loop thread gives up the GIL
(answers are computed on a thread pool), so the gap can last milliseconds under load. A worker
killed in that gap has sent nginx a head without its body; nginx has already passed the head on,
so it cannot try the ask on another worker, and the client gets a truncated reply.

Here the writes made in one turn of the event loop are held and written once, when the turn ends.
Starlette sends a plain response's head and body in the same turn, so a worker that dies has
either handed the kernel the whole reply or nothing; nothing is what nginx retries
(`proxy_next_upstream`). That holds for a reply that fits one `send()` (an answer is a few KB; the
kernel takes up to its send buffer at once). Streams are unchanged in effect: each event still goes
out at the end of the turn that wrote it. At most `HOLD_LIMIT` bytes are held: past it the writes
go straight through, so a large body or a stream that never yields keeps the transport's flow
control (pause_writing) instead of piling up in memory.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

HOLD_LIMIT = 64 * 1024


class TurnWrites:
    """A transport that joins the writes of one event-loop turn into one write of the real one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._size = 0
        self._flush_due = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        self._held.append(bytes(data))
        self._size += len(data)
        if self._size > HOLD_LIMIT:
            self.flush()  # a large reply: written now, under the real transport's flow control
            return
        if not self._flush_due:
            self._flush_due = True
            self._loop.call_soon(self._end_of_turn)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def _end_of_turn(self) -> None:
        self._flush_due = False
        self.flush()

    def close(self) -> None:
        self.flush()  # a reply written just before `Connection: close` still goes out whole
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._held.clear()
        self._size = 0
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def __getattr__(self, name: str) -> Any:  # everything else (extra info, reading, set_protocol): the real one
        return getattr(self._transport, name)


def _connection_made(self: Any, transport: asyncio.Transport) -> None:
    AutoHTTPProtocol.connection_made(self, TurnWrites(transport, asyncio.get_running_loop()))  # type: ignore[arg-type]


# Uvicorn's own HTTP protocol (httptools when installed, else h11) with writes joined per turn;
# passed as `uvicorn.run(..., http=WholeReplyProtocol)`.
WholeReplyProtocol: type[asyncio.Protocol] = type(
    "WholeReplyProtocol", (AutoHTTPProtocol,), {"connection_made": _connection_made},
)
