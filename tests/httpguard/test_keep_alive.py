"""The keep-alive deadline of `CoalescingHttpToolsProtocol`: one timer per connection, and an
idle connection closed no sooner and no later than uvicorn closes it."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from httpguard import CoalescingHttpToolsProtocol, GuardedHttpToolsProtocol, uvicorn_options
from tests.conftest import RunningServer
from tests.hostile import read_response
from tests.httpguard.test_uvicorn_protocol import RecordingTransport, protocol_for

KEEP_ALIVE = 0.2  # seconds
REQUEST = b"GET /%s HTTP/1.1\r\nhost: x\r\n\r\n"


class ClockedTransport(RecordingTransport):
    """A transport that notes when the server closed it and when each answer was written."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_at: float | None = None
        self.written_at: list[float] = []

    def write(self, data: Any) -> None:
        super().write(data)
        self.written_at.append(time.monotonic())

    def close(self) -> None:
        if self.closed_at is None:
            self.closed_at = time.monotonic()
        super().close()


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    seconds = float(scope["path"].strip("/") or 0)  # /0.3: answer after 0.3 s
    if seconds:
        await asyncio.sleep(seconds)
    await send(
        {"type": "http.response.start", "status": 204, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})


def _connect(
    protocol_class: type[CoalescingHttpToolsProtocol] = CoalescingHttpToolsProtocol,
) -> tuple[CoalescingHttpToolsProtocol, ClockedTransport]:
    protocol = protocol_for(app, protocol_class, log_level="critical")
    protocol.timeout_keep_alive = KEEP_ALIVE  # type: ignore[assignment]  # uvicorn says int
    transport = ClockedTransport()
    protocol.connection_made(transport)
    return protocol, transport


async def _answered(protocol: Any, transport: ClockedTransport, path: str = "0") -> float:
    """Send one request and wait for its answer; when it was written."""
    count = len(transport.writes)
    protocol.data_received(REQUEST % path.encode())
    while len(transport.writes) == count:
        await asyncio.sleep(0.001)
    return transport.written_at[-1]


async def _closed(transport: ClockedTransport) -> float:
    deadline = time.monotonic() + 10 * KEEP_ALIVE + 5
    while transport.closed_at is None and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    assert transport.closed_at is not None, "the idle connection was never closed"
    return transport.closed_at


@pytest.mark.parametrize("protocol_class", [CoalescingHttpToolsProtocol, GuardedHttpToolsProtocol])
def test_one_timer_serves_every_answer_of_a_connection(
    protocol_class: type[CoalescingHttpToolsProtocol],
) -> None:
    async def run() -> list[Any]:
        protocol, transport = _connect(protocol_class)
        timers = []
        for _ in range(5):
            await _answered(protocol, transport)
            timers.append(protocol.timeout_keep_alive_task)
        assert not transport.closed
        protocol.connection_lost(None)
        assert protocol.timeout_keep_alive_task is None  # cancelled with the connection
        return timers

    timers = asyncio.run(run())
    assert timers[0] is not None
    assert all(timer is timers[0] for timer in timers)  # uvicorn makes a new one per answer


def test_an_idle_connection_is_closed_a_keep_alive_after_its_last_answer() -> None:
    async def run() -> float:
        protocol, transport = _connect()
        answered = await _answered(protocol, transport)
        return await _closed(transport) - answered

    assert asyncio.run(run()) >= KEEP_ALIVE - 0.01


def test_a_connection_used_again_is_closed_a_keep_alive_after_its_last_answer() -> None:
    async def run() -> tuple[float, bool]:
        protocol, transport = _connect()
        await _answered(protocol, transport)
        # The first answer's timer is due at KEEP_ALIVE; the second answer moves the deadline.
        await asyncio.sleep(KEEP_ALIVE * 0.6)
        answered = await _answered(protocol, transport)
        await asyncio.sleep(KEEP_ALIVE * 0.6)  # past the first timer's due time
        open_after_first_due = not transport.closed
        # Armed again for what is left of the deadline from the second answer, not a whole one.
        timer = protocol.timeout_keep_alive_task
        if open_after_first_due:
            assert timer is not None
            assert timer.when() == pytest.approx(answered + KEEP_ALIVE, abs=0.02)
        return await _closed(transport) - answered, open_after_first_due

    idle, open_after_first_due = asyncio.run(run())
    assert open_after_first_due
    assert idle >= KEEP_ALIVE - 0.01


def test_a_request_in_progress_when_the_timer_is_due_is_not_cut_off() -> None:
    async def run() -> float:
        protocol, transport = _connect()
        await _answered(protocol, transport)
        # The next request takes twice the keep-alive: the timer comes due while it runs.
        answered = await _answered(protocol, transport, str(2 * KEEP_ALIVE))
        assert transport.writes[-1].startswith(b"HTTP/1.1 204")
        return await _closed(transport) - answered

    assert asyncio.run(run()) >= KEEP_ALIVE - 0.01


@pytest.mark.slow
def test_a_real_server_closes_an_idle_connection_and_keeps_a_busy_one(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(app, timeout_keep_alive=1, **uvicorn_options())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        for _ in range(4):  # busy across the first answer's deadline
            conn.sendall(REQUEST % b"0.4")
            response = read_response(conn)
            assert response is not None
            assert response.status == 204
        answered = time.monotonic()
        assert conn.recv(1) == b""  # closed by the server, once idle
        assert time.monotonic() - answered >= 0.99
