"""The worker's transport wrapper on a real socket pair and a real event loop: the writes of one
turn reach the peer together at the end of the turn; past HOLD_LIMIT they go straight through, so
the real transport's flow control still pauses a writer that outruns its reader."""

from __future__ import annotations

import asyncio
import socket

from assistant.web.whole_replies import HOLD_LIMIT, TurnWrites


class _Recorder(asyncio.Protocol):
    def __init__(self) -> None:
        self.paused = 0

    def pause_writing(self) -> None:
        self.paused += 1

    def resume_writing(self) -> None:
        pass


async def _pair() -> tuple[asyncio.Transport, _Recorder, socket.socket]:
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_accepted_socket(_Recorder, ours)
    return transport, protocol, theirs


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_the_writes_of_one_turn_leave_together_at_its_end() -> None:
    async def run() -> tuple[bytes, bytes]:
        transport, _, theirs = await _pair()
        writes = TurnWrites(transport, asyncio.get_running_loop())
        writes.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
        writes.write(b"body")
        during = _read_all(theirs)  # the head alone never reaches the peer
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        after = _read_all(theirs)
        transport.close()
        theirs.close()
        return during, after

    during, after = asyncio.run(run())
    assert during == b""
    assert after == b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody"


def test_close_sends_what_is_held_first() -> None:
    async def run() -> bytes:
        transport, _, theirs = await _pair()
        writes = TurnWrites(transport, asyncio.get_running_loop())
        writes.write(b"whole reply")
        writes.close()
        await asyncio.sleep(0.05)
        data = _read_all(theirs)
        theirs.close()
        return data

    assert asyncio.run(run()) == b"whole reply"


def test_a_writer_that_outruns_its_reader_is_still_paused() -> None:
    """A stream that never yields (or a big body) is written as it comes past HOLD_LIMIT, so the
    real transport's buffer crosses its high-water mark and pauses the writer within the turn."""

    async def run() -> tuple[int, int]:
        transport, protocol, theirs = await _pair()
        transport.set_write_buffer_limits(high=HOLD_LIMIT)
        writes = TurnWrites(transport, asyncio.get_running_loop())
        piece = b"x" * 1024
        for _ in range(8 * 1024):  # 8 MB in one turn, the peer reading nothing
            writes.write(piece)
        paused, held = protocol.paused, writes.get_write_buffer_size() - transport.get_write_buffer_size()
        transport.abort()
        theirs.close()
        return paused, held

    paused, held = asyncio.run(run())
    assert paused >= 1, "the real transport never saw enough data to pause the writer"
    assert held <= HOLD_LIMIT
