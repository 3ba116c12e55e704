"""One deadline over a whole model call: connecting, the first token and the last.

The HTTP client's time-out bounds each read, not the total, so a model that trickles a few
characters every second would never time out. The stream is consumed in a worker thread and
handed over through a queue; the caller waits at most until the deadline, then stops listening.
The worker notices at its next chunk (at most one read time-out later) and closes the stream.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from assistant.errors import LLMError

T = TypeVar("T")


class DeadlineExceeded(LLMError):
    """The model did not finish within LLM_TIMEOUT."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"大模型在 {seconds:g} 秒内没有完成回答。")
        self.seconds = seconds


def until(deadline: float, produce: Callable[[], Iterable[T]], *, seconds: float) -> Iterator[T]:
    """The items of `produce()` as they come, raising `DeadlineExceeded` once `time.perf_counter()`
    passes `deadline` (`seconds` is the configured limit, for the message). The worker's own
    exceptions are re-raised here."""
    items: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        source = iter(produce())
        try:
            for item in source:
                if stop.is_set():
                    break
                items.put(("item", item))
            items.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            items.put(("error", exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    threading.Thread(target=work, name="llm-stream", daemon=True).start()
    try:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise DeadlineExceeded(seconds)
            try:
                kind, payload = items.get(timeout=remaining)
            except queue.Empty:
                raise DeadlineExceeded(seconds) from None
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(payload, BaseException)
                raise payload
            yield payload  # type: ignore[misc]
    finally:
        stop.set()
