"""A real local HTTP server speaking the OpenAI chat-completions protocol, with scripted replies.

Tests enqueue replies (text, stream chunks, HTTP error, delay, malformed body) and read back the
requests the client sent. Only ever binds 127.0.0.1. Usage:

    with FakeOpenAI() as server:
        server.enqueue(Text("答案[1]。"))
        client = ChatClient(base_url=server.base_url, model="fake", timeout=1)
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

MODEL = "fake-model"


@dataclass
class Text:
    """A normal reply; sent as SSE in pieces of `piece` characters when the request streams."""

    content: str
    piece: int = 4


@dataclass
class Stream:
    """Explicit stream deltas (also joined into one message for a non-streaming request)."""

    chunks: list[str]
    pause: float = 0.0


@dataclass
class HTTPError:
    status: int = 500
    body: str = '{"error": {"message": "internal error", "type": "server_error"}}'


@dataclass
class Delay:
    """Sleep before sending `then` (use a delay longer than the client's time-out)."""

    seconds: float
    then: Any = field(default_factory=lambda: Text("迟到的回答。"))


@dataclass
class Malformed:
    """A 200 reply whose body is not a chat completion (`body` is sent as is)."""

    body: str = "this is not json"
    content_type: str = "application/json"


@dataclass
class EmptyChoices:
    """A well-formed completion with `choices: []`."""


Reply = Text | Stream | HTTPError | Delay | Malformed | EmptyChoices


class FakeOpenAI:
    """The server; `requests` holds the JSON body of every chat request received."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def enqueue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def next_reply(self) -> Reply:
        return (
            self.replies.popleft()
            if self.replies
            else HTTPError(500, '{"error": {"message": "no reply scripted"}}')
        )


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def _send(self, status: int, body: str | bytes, content_type: str = "application/json") -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._send(200, json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model"}]}))
            else:
                self._send(404, '{"error": {"message": "not found"}}')

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, '{"error": {"message": "not found"}}')
                return
            payload = json.loads(raw or b"{}")
            server.requests.append(payload)
            try:
                self._reply(server.next_reply(), bool(payload.get("stream")))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (time-out)

        def _reply(self, reply: Reply, stream: bool) -> None:
            if isinstance(reply, Delay):
                time.sleep(reply.seconds)
                self._reply(reply.then, stream)
            elif isinstance(reply, HTTPError):
                self._send(reply.status, reply.body)
            elif isinstance(reply, Malformed):
                self._send(200, reply.body, reply.content_type)
            elif isinstance(reply, EmptyChoices):
                body = _completion("")
                body["choices"] = []
                if stream:
                    self._sse([f"data: {json.dumps(body)}\n\n".encode(), b"data: [DONE]\n\n"], 0.0)
                else:
                    self._send(200, json.dumps(body))
            else:
                pieces = reply.chunks if isinstance(reply, Stream) else _pieces(reply.content, reply.piece)
                pause = reply.pause if isinstance(reply, Stream) else 0.0
                if not stream:
                    self._send(200, json.dumps(_completion("".join(pieces)), ensure_ascii=False))
                    return
                events = [_chunk({"role": "assistant", "content": ""})]
                events += [_chunk({"content": p}) for p in pieces]
                events += [_chunk({}, "stop"), b"data: [DONE]\n\n"]
                self._sse(events, pause)

        def _sse(self, events: list[bytes], pause: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for event in events:
                self.wfile.write(event)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
            self.close_connection = True

    return Handler


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started FakeOpenAI; import this fixture into a test module to use it."""
    with FakeOpenAI() as server:
        yield server
