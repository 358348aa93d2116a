"""The webhook receiver of a conform run: a plain HTTP server on loopback, in a thread.

It records every POST (`Delivery`: path, headers, raw body, when, what it answered) and answers
by the endpoint, the last segment of the path: a ``steady`` one answers 204 to every try, a
``flaky`` one 503 to the first try of each event and 204 after, so that a retry must follow.
`mockserver.conform.webhooks` subscribes both servers to it and checks what each delivered.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from mockserver.errors import ConformError

__all__ = ["FLAKY", "SETTLE", "STEADY", "Delivery", "Receiver"]

STEADY = "steady"  # answers 204 to every try
FLAKY = "flaky"  # answers 503 to the first try of each event, then 204
SETTLE = 2.0  # seconds with no new try on either side before the tries are checked (default)


_UNREAD: Any = object()  # `Delivery.event` before the body is read


@dataclass(frozen=True, slots=True)
class Delivery:
    """One try as the receiver got it: path, headers (lower-case names), raw body, answer,
    and the body read as JSON once (``event``: None when it is not JSON)."""

    path: str
    headers: Mapping[str, str]
    body: bytes
    received: float  # unix seconds
    answered: int
    event: Any = _UNREAD

    def __post_init__(self) -> None:
        if self.event is _UNREAD:
            object.__setattr__(self, "event", _read(self.body))

    @property
    def endpoint(self) -> str:
        """The subscription it was sent to (the last path segment: ``steady0``, ``flaky0``)."""
        return _endpoint_of(self.path)

    @property
    def event_id(self) -> str:
        return _event_id(self.event, self.body)

    @property
    def kind(self) -> str | None:
        """The event's ``type`` (None when it has none)."""
        kind = self.event.get("type") if isinstance(self.event, dict) else None
        return kind if isinstance(kind, str) else None


def _endpoint_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _read(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _event_id(event: Any, body: bytes) -> str:
    value = event.get("id") if isinstance(event, dict) else None
    return str(value) if value is not None else "(no id) " + repr(body[:60])


class Receiver:
    """A loopback HTTP server that records every POST; subscriptions point at `url`.

    ``url`` is what the provider is told to POST to: by default the address listened on;
    pass another (a tunnel, a host name the provider resolves) when it runs elsewhere.
    ``settle``: the quiet seconds that end a collect, longer than the provider's retry backoff.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        url: str | None = None,
        settle: float = SETTLE,
    ) -> None:
        if not 0 < settle < float("inf"):
            raise ConformError(f"expected a webhook settle time > 0 seconds, got settle={settle}")
        self.settle = settle
        self._lock = threading.Lock()
        self._tries: list[Delivery] = []
        self._failed: set[tuple[str, str]] = set()  # (path, event id) answered 503 once
        try:
            self._server = ThreadingHTTPServer((host, port), _Handler)
        except OSError as exc:
            raise ConformError(f"cannot listen for webhooks on {host}:{port}: {exc}") from exc
        self._server.daemon_threads = True
        self._server.receiver = self  # type: ignore[attr-defined]
        bound_host, bound_port = str(self._server.server_address[0]), self._server.server_address[1]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.url = (url or f"http://{shown}:{bound_port}").rstrip("/")
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="conform-webhooks", daemon=True
        )
        self._thread.start()

    @property
    def host(self) -> str:
        """The host name or address in `url` (what the mock must be allowed to POST to)."""
        return urlsplit(self.url).hostname or "127.0.0.1"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def tries(self, prefix: str) -> list[Delivery]:
        """The tries received under path ``prefix``, in order of arrival."""
        with self._lock:
            return [d for d in self._tries if d.path.startswith(prefix)]

    def record(self, path: str, headers: Mapping[str, str], body: bytes) -> int:
        """Keep one try; answer the status to send back."""
        status, received, event = 204, time.time(), _read(body)
        with self._lock:
            key = (path, _event_id(event, body))
            if _endpoint_of(path).startswith(FLAKY) and key not in self._failed:
                self._failed.add(key)
                status = 503
            self._tries.append(Delivery(path, headers, body, received, status, event))
        return status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self._read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        status = receiver.record(self.path, headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: what arrived is checked, not logged."""
