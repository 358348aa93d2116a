"""A webhook receiver for tests: a tiny HTTP server on loopback, written apart from the provider.

``Receiver(answers=[500, 200])`` answers its requests with those statuses in turn, then with
the last one; it records every request (path, headers, raw body, arrival time). ``wait_for``
blocks until enough requests arrived. ``Blackhole`` is a port that accepts connections and
never answers. Both bind port 0 and are closed by their fixture.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Blackhole", "Received", "Receiver"]


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()
    answered: int


class Receiver:
    """An HTTP server on 127.0.0.1 that records POSTs and answers scripted statuses."""

    def __init__(self, answers: Sequence[int] = (204,)) -> None:
        self.answers = list(answers)
        self.received: list[Received] = []
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver._record(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            index = len(self.received)
            status = self.answers[min(index, len(self.answers) - 1)]
            self.received.append(Received(path, headers, body, time.monotonic(), status))
            self._lock.notify_all()
            return status

    def wait_for(self, count: int, *, timeout: float = 15.0) -> list[Received]:
        """The first ``count`` requests, once they arrived; AssertionError after ``timeout``."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(
                    f"expected {count} webhook requests within {timeout} s, "
                    f"got {len(self.received)}: {[r.path for r in self.received]}"
                )
            return list(self.received[:count])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class Blackhole:
    """A loopback port whose connections are accepted by the kernel and never answered."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def close(self) -> None:
        self._socket.close()
