"""Lines from a terminal read key by key (non-canonical mode): no 4 KB line limit, pastes kept whole.

In a terminal's usual (canonical) mode the kernel keeps at most 4,095 bytes of a line and
drops the rest, so a pasted 3,000-字 paragraph arrived as 1,365 字. Here the kernel hands over
every byte and we do the little editing a reply needs (backspace, Ctrl-U, Ctrl-D). Line breaks
inside a paste stay inside the line: the terminal marks a paste (bracketed paste,
ESC[200~ … ESC[201~), and where it does not, a line break followed at once by more input
is taken as pasted too, since nobody types that fast.
"""

from __future__ import annotations

import codecs
import os
import select
import signal
import sys
import termios
import unicodedata
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

PASTE_ON = "\x1b[?2004h"
PASTE_OFF = "\x1b[?2004l"
_PASTE_START = "[200~"
_PASTE_END = "[201~"
BURST_SECONDS = 0.05  # more input this soon after a line break: the break was pasted, not typed
_ESCAPE_SECONDS = 0.05  # a lone Esc key press is not followed by the rest of a sequence
_ERASE = ("\x7f", "\b")
_KILL_LINE = "\x15"  # Ctrl-U
_EOF = "\x04"  # Ctrl-D


class Terminal:
    """Reads lines from terminal `fd`, echoing to `out`; use inside `session()`."""

    interactive = True

    def __init__(self, fd: int, out: TextIO) -> None:
        self.fd = fd
        self.out = out
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._input: deque[str] = deque()
        self._echo: list[str] = []

    @staticmethod
    def usable(fd: int) -> bool:
        """Whether `fd` is a terminal whose modes we can read (and so set)."""
        try:
            termios.tcgetattr(fd)
        except termios.error:
            return False
        return True

    @contextmanager
    def session(self) -> Iterator[Terminal]:
        """Non-canonical mode and bracketed paste for the block; the terminal is restored afterwards."""
        saved = termios.tcgetattr(self.fd)
        raw = termios.tcgetattr(self.fd)
        raw[0] &= ~termios.ICRNL  # see Enter as "\r", so a pasted "\r\n" is one line break
        raw[3] &= ~(termios.ICANON | termios.ECHO)  # ISIG stays: Ctrl-C and Ctrl-Z work as usual
        raw[6][termios.VMIN] = 1
        raw[6][termios.VTIME] = 0

        def apply(*_: Any) -> None:
            termios.tcsetattr(self.fd, termios.TCSANOW, raw)  # TCSANOW: never drop typed-ahead input
            self._write(PASTE_ON)

        handlers = _install({signal.SIGCONT: apply, signal.SIGTERM: _terminate})  # back from Ctrl-Z; kill
        apply()
        try:
            yield self
        finally:
            _install(handlers)
            try:
                self._write(PASTE_OFF)
                termios.tcsetattr(self.fd, termios.TCSANOW, saved)
            except (OSError, termios.error):
                pass  # the terminal is gone (hang-up): nothing left to restore

    def read_line(self, prompt: str = "") -> str | None:
        """One line as typed or pasted (pasted line breaks kept as "\\n"); None on Ctrl-D at an empty line."""
        self._write(prompt)
        line: list[str] = []
        pasting = False
        while True:
            ch = self._next()
            if ch is None or (ch == _EOF and not line):
                self._write("\r\n")
                return "".join(line) if line else None
            if ch == "\x1b":
                sequence = self._escape()
                pasting = {_PASTE_START: True, _PASTE_END: False}.get(sequence, pasting)
            elif ch in "\r\n":
                if ch == "\r" and self._input and self._input[0] == "\n":
                    self._input.popleft()
                self._echo.append("\r\n")
                if not (pasting or self._more_soon()):
                    self._flush()
                    return "".join(line)
                line.append("\n")
            elif ch in _ERASE:
                self._erase(line, 1)
            elif ch == _KILL_LINE:
                self._erase(line, len(line))
            elif ch == "\t" or unicodedata.category(ch) != "Cc":
                line.append(ch)
                self._echo.append(ch)

    # ---- input -----------------------------------------------------------------------------------

    def _next(self, timeout: float | None = None) -> str | None:
        """The next character; None at the end of input or when `timeout` passes first."""
        while not self._input:
            self._flush()
            if timeout is not None and not select.select([self.fd], [], [], timeout)[0]:
                return None
            data = os.read(self.fd, 65536)
            if not data:
                return None
            self._input.extend(self._decoder.decode(data))
        return self._input.popleft()

    def _more_soon(self) -> bool:
        if self._input:
            return True
        self._flush()
        return bool(select.select([self.fd], [], [], BURST_SECONDS)[0])

    def _escape(self) -> str:
        """The rest of an escape sequence (“[200~”, “[A”, “OP”…); arrows and function keys are ignored."""
        first = self._next(_ESCAPE_SECONDS)
        if first == "[":
            body = "["
            while True:
                ch = self._next(_ESCAPE_SECONDS)
                if ch is None:
                    return body
                body += ch
                if "@" <= ch <= "~":
                    return body
        if first == "O":
            return "O" + (self._next(_ESCAPE_SECONDS) or "")
        return first or ""

    # ---- output ----------------------------------------------------------------------------------

    def _erase(self, line: list[str], count: int) -> None:
        """Rub out up to `count` characters of the current line (not past a pasted line break)."""
        while count and line and line[-1] != "\n":
            gone = line.pop()
            self._echo.append("\b \b" * _width(gone))
            count -= 1

    def _write(self, text: str) -> None:
        self._echo.append(text)
        self._flush()

    def _flush(self) -> None:
        if self._echo:
            self.out.write("".join(self._echo))
            self.out.flush()
            self._echo.clear()


def _width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _terminate(*_: Any) -> None:
    sys.exit(143)  # unwinds through `session()`, which restores the terminal


def _install(handlers: dict[signal.Signals, Any]) -> dict[signal.Signals, Any]:
    """Set signal handlers; return the ones they replace (none outside the main thread)."""
    previous: dict[signal.Signals, Any] = {}
    for signum, handler in handlers.items():
        try:
            previous[signum] = signal.signal(signum, handler)
        except ValueError:  # not the main thread: leave signals alone
            return previous
    return previous
