"""A real local HTTP server speaking the OpenAI chat-completions protocol, with scripted replies.

Tests enqueue replies (text, stream chunks, HTTP error, delay, malformed body) and read back the
requests the client sent. Only ever binds 127.0.0.1. Usage:

    with FakeOpenAI() as server:
        server.enqueue(Text("答案[1]。"))
        client = ChatClient(base_url=server.base_url, model="fake", timeout=1)
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

import pytest

MODEL = "fake-model"


@dataclass
class Text:
    """A normal reply; sent as SSE in pieces of `piece` characters when the request streams."""

    content: str
    piece: int = 4


@dataclass
class Stream:
    """Explicit stream deltas (also joined into one message for a non-streaming request).

    `pause` seconds between events (a trickling model); `finish` is the last chunk's
    finish_reason (None: no finish chunk); `done=False` ends the stream without `data: [DONE]`;
    `tail` is sent raw after the deltas (e.g. a malformed `data:` line).
    """

    chunks: list[str]
    pause: float = 0.0
    finish: str | None = "stop"
    done: bool = True
    tail: bytes = b""


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
Responder = Callable[[dict[str, Any]], Reply]


class FakeOpenAI:
    """The server; `requests` holds the JSON body of every chat request received.

    Scripted replies are served in order; when none is left, `responder(request)` answers if
    given (e.g. a model that cites its first passage), else HTTP 500.
    """

    def __init__(self, responder: Responder | None = None) -> None:
        self.responder = responder
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

    def next_reply(self, request: dict[str, Any]) -> Reply:
        if self.replies:
            return self.replies.popleft()
        if self.responder is not None:
            return self.responder(request)
        return HTTPError(500, '{"error": {"message": "no reply scripted"}}')


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
                self._reply(server.next_reply(payload), bool(payload.get("stream")))
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
                spec = reply if isinstance(reply, Stream) else Stream(_pieces(reply.content, reply.piece))
                if not stream:
                    self._send(200, json.dumps(_completion("".join(spec.chunks)), ensure_ascii=False))
                    return
                events = [_chunk({"role": "assistant", "content": ""})]
                events += [_chunk({"content": p}) for p in spec.chunks]
                if spec.tail:
                    events.append(spec.tail)
                if spec.finish is not None:
                    events.append(_chunk({}, spec.finish))
                if spec.done:
                    events.append(b"data: [DONE]\n\n")
                self._sse(events, spec.pause)

        def _sse(self, events: list[bytes], pause: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for event in events:
                if pause:
                    time.sleep(pause)
                self.wfile.write(event)
                self.wfile.flush()
            self.close_connection = True

    return Handler


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard (import into a module to apply it): no model endpoint outside 127.0.0.1, no tracing
    service, and any outbound connection other than loopback fails the test."""
    for var in ("LLM_BASE_URL", "OPENAI_BASE_URL", "EMBEDDING_BASE_URL"):
        host = urlparse(os.environ.get(var, "")).hostname
        if host and host not in _LOOPBACK:
            monkeypatch.delenv(var)
    for var in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOOPBACK:
            raise AssertionError(f"test tried to reach {address!r}; only 127.0.0.1 is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def quoting_model(request: dict[str, Any]) -> Reply:
    """A well-behaved model: answers with the first sentence of passage [1] that holds a number,
    verbatim, cited [1]; a condense request gets its follow-up back unchanged."""
    system = request["messages"][0]["content"]
    user = request["messages"][-1]["content"]
    if "改写" in system:
        follow_up = user.split("<追问>", 1)[-1].split("</追问>", 1)[0].strip()
        return Text(follow_up)
    body = user.split("<资料>", 1)[-1].split("</资料>", 1)[0]
    first = body.strip().split("\n[2] ", 1)[0].split("\n", 1)[-1]
    sentences = [s.strip(" -*#") for s in re.split(r"[。；;\n]", first) if s.strip(" -*#")]
    pick = next((s for s in sentences if re.search(r"\d", s)), sentences[0] if sentences else "通知未规定")
    return Text(f"{pick}[1]。")


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started FakeOpenAI; import this fixture into a test module to use it."""
    with FakeOpenAI() as server:
        yield server
