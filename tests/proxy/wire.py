"""`Scripted`: a TCP server on loopback whose answers are the bytes a test writes.

Each connection runs in its own thread: it reads one request head (and the body its
Content-Length announces), records it, and calls ``answer(connection, request)``, which returns
the bytes to send and whether to close the connection after them (``None``: close without
answering). Used where the upstream must misbehave at the byte level.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

__all__ = ["Answer", "Scripted", "ok"]

Answer = Callable[[int, bytes], tuple[bytes, bool] | None]


def ok(body: bytes = b"{}", *, extra: bytes = b"") -> bytes:
    """A 200 JSON answer with ``body`` (and more header lines)."""
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + extra
        + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


class Scripted:
    """The server; ``requests`` holds ``(connection number, request bytes)`` in arrival order."""

    def __init__(self, answer: Answer, *, greeting: bytes = b"") -> None:
        self.answer = answer
        self.greeting = greeting  # sent as soon as a connection is accepted
        self.requests: list[tuple[int, bytes]] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._connections = 0
        self._threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._connections += 1
            thread = threading.Thread(
                target=self._serve, args=(conn, self._connections), daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        with conn:
            if self.greeting:
                conn.sendall(self.greeting)
            buffer = b""
            while True:
                try:
                    while b"\r\n\r\n" not in buffer:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        buffer += chunk
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(buffer) < length:
                        buffer += conn.recv(65536)
                    request, buffer = head + b"\r\n\r\n" + buffer[:length], buffer[length:]
                    self.requests.append((number, request))
                    reply = self.answer(number, request)
                    if reply is None:
                        return
                    data, close = reply
                    conn.sendall(data)
                    if close:
                        return
                except OSError:
                    return

    def close(self) -> None:
        """Stop accepting; connections end with their threads."""
        self.sock.close()
