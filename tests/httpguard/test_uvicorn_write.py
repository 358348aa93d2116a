"""`write_whole`: a whole answer in one call to uvicorn's request cycle, byte for byte what
``send`` writes, and the usual two messages wherever it cannot."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

import httpguard.uvicorn_write
from httpguard import CoalescingHttpToolsProtocol, uvicorn_options, write_whole
from httpguard.uvicorn_write import CYCLE_HOOKS, FAST_WRITES, missing_cycle_hooks
from tests.conftest import RunningServer
from tests.hostile import read_response
from tests.httpguard.test_uvicorn_protocol import RecordingTransport, protocol_for

BODY = b'{"n":7}'
DEFAULTS = [(b"date", b"Fri, 04 Dec 2026 10:00:00 GMT"), (b"server", b"uvicorn")]
# What each path adds to the answer's headers (or does instead of answering).
EXTRA: dict[str, list[tuple[bytes, bytes]]] = {
    "/plain": [],
    "/located": [(b"location", b"/things/7"), (b"etag", b'"7"')],
    "/bad-value": [(b"location", b"/x\r\nset-cookie: stolen=1")],
    "/bad-name": [(b"x bad", b"1")],
    "/connection": [(b"connection", b"close")],
    "/chunked": [(b"transfer-encoding", b"chunked")],
    "/started": [],  # the app starts the answer with send, then tries write_whole
}


class Calls:
    """What the app saw: whether `write_whole` wrote, per request."""

    wrote: ClassVar[list[bool]] = []


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with `write_whole` on the paths of `EXTRA` (``/two/...``: two messages)."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    two = path.startswith("/two")
    headers = [
        (b"content-length", b"%d" % len(BODY)),
        (b"content-type", b"application/json"),
        *EXTRA[path.removeprefix("/two")],
    ]
    body = b"" if scope["method"] == "HEAD" else BODY
    if path == "/started":
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        Calls.wrote.append(write_whole(send, 200, headers, body))
        await send({"type": "http.response.body", "body": body})
        return
    wrote = False if two else write_whole(send, 201, headers, body)
    Calls.wrote.append(wrote)
    if not wrote:
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def exchange(
    requests: bytes,
    *,
    protocol_class: type[HttpToolsProtocol] = HttpToolsProtocol,
    access_log: bool = False,
    disconnect_first: bool = False,
) -> tuple[RecordingTransport, HttpToolsProtocol]:
    """``requests`` fed to a fresh connection of ``protocol_class`` serving `app`."""
    Calls.wrote = []

    async def run() -> tuple[RecordingTransport, HttpToolsProtocol]:
        state = ServerState()
        state.default_headers = list(DEFAULTS)
        protocol = protocol_for(
            app, protocol_class, state=state, log_level="critical", access_log=access_log
        )
        transport = RecordingTransport()
        protocol.connection_made(transport)
        protocol.data_received(requests)
        if disconnect_first:
            protocol.connection_lost(None)
        for _ in range(50):
            await asyncio.sleep(0)
        return transport, protocol

    return asyncio.run(run())


def answer_to(request: bytes, **options: Any) -> bytes:
    transport, _ = exchange(request, **options)
    return b"".join(transport.writes)


# -- the bytes on the wire ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/plain", "/located"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_answer_is_byte_for_byte_what_send_writes_in_one_write(path: str, method: str) -> None:
    request = f"{method} {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode()
    transport, _ = exchange(request)
    assert Calls.wrote == [True]
    assert len(transport.writes) == 1  # uvicorn's send writes head and body separately
    two = answer_to(f"{method} /two{path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
    assert Calls.wrote == [False]
    assert transport.writes[0] == two
    assert transport.writes[0].startswith(b"HTTP/1.1 201 Created\r\ndate: Fri, 04 Dec 2026")
    assert transport.writes[0].endswith(b"\r\n\r\n" + (BODY if method == "GET" else b""))


def test_a_new_date_reaches_the_next_answer() -> None:
    first = answer_to(b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n")
    DEFAULTS[0] = (b"date", b"Fri, 04 Dec 2026 10:00:01 GMT")
    try:
        second = answer_to(b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n")
    finally:
        DEFAULTS[0] = (b"date", b"Fri, 04 Dec 2026 10:00:00 GMT")
    assert b"10:00:00 GMT" in first
    assert b"10:00:01 GMT" in second


@pytest.mark.parametrize(
    "request_line", [b"GET /plain HTTP/1.1\r\nconnection: close", b"GET /plain HTTP/1.0"]
)
def test_a_connection_not_kept_alive_is_told_and_closed(request_line: bytes) -> None:
    transport, _ = exchange(request_line + b"\r\nhost: x\r\n\r\n")
    assert Calls.wrote == [True]
    assert b"\r\nconnection: close\r\n\r\n" in transport.writes[0]
    assert transport.closed


def test_a_kept_connection_stays_open_and_arms_its_keep_alive_timer() -> None:
    transport, protocol = exchange(b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n")
    assert Calls.wrote == [True]
    assert not transport.closed
    assert protocol.cycle is not None
    assert protocol.cycle.response_complete
    assert protocol.timeout_keep_alive_task is not None  # the protocol was told


def test_pipelined_requests_are_answered_in_order() -> None:
    requests = b"".join(
        f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode() for path in ["/plain", "/located"] * 2
    )
    transport, _ = exchange(requests, protocol_class=CoalescingHttpToolsProtocol)
    assert Calls.wrote == [True] * 4
    answers = b"".join(transport.writes).split(b"HTTP/1.1 201 Created\r\n")[1:]
    assert [b"location: /things/7" in answer for answer in answers] == [False, True] * 2


# -- where it leaves the answer to send ---------------------------------------------------------


def test_a_send_not_uvicorns_is_left_alone() -> None:
    async def send(message: Any) -> None:
        raise AssertionError("write_whole must not call send")

    assert not write_whole(send, 200, [(b"content-length", b"0")], b"")


@pytest.mark.parametrize("path", ["/bad-value", "/bad-name"])
def test_a_header_send_refuses_goes_to_send_which_writes_nothing_and_closes(path: str) -> None:
    transport, _ = exchange(f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
    assert Calls.wrote == [False]
    assert transport.writes == []  # send raised; uvicorn closes a connection it began answering
    assert transport.closed


def test_a_connection_header_of_the_apps_goes_to_send() -> None:
    transport, _ = exchange(b"GET /connection HTTP/1.1\r\nhost: x\r\n\r\n")
    assert Calls.wrote == [False]
    assert b"\r\nconnection: close\r\n" in transport.writes[0]
    assert transport.closed  # send read it


def test_a_transfer_encoding_of_the_apps_goes_to_send() -> None:
    answer = answer_to(b"GET /chunked HTTP/1.1\r\nhost: x\r\n\r\n")
    assert Calls.wrote == [False]
    assert answer == answer_to(b"GET /two/chunked HTTP/1.1\r\nhost: x\r\n\r\n")


def test_an_access_log_goes_to_send() -> None:
    answer = answer_to(b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n", access_log=True)
    assert Calls.wrote == [False]
    assert answer.endswith(BODY)


def test_an_answer_already_started_is_not_started_again() -> None:
    answer = answer_to(b"GET /started HTTP/1.1\r\nhost: x\r\n\r\n")
    assert Calls.wrote == [False]
    assert answer.count(b"HTTP/1.1") == 1
    assert answer.endswith(BODY)


def test_a_client_gone_gets_nothing_written() -> None:
    transport, _ = exchange(b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n", disconnect_first=True)
    assert Calls.wrote == [True]  # handled: the answer goes nowhere, as with send
    assert transport.writes == []


def test_with_fast_writes_off_everything_goes_to_send(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpguard.uvicorn_write, "FAST_WRITES", False)
    answer = answer_to(b"GET /located HTTP/1.1\r\nhost: x\r\n\r\n")
    assert Calls.wrote == [False]
    assert b"location: /things/7" in answer


# -- the hooks: what it takes from uvicorn ------------------------------------------------------


def test_every_cycle_hook_exists_in_the_installed_uvicorn() -> None:
    assert missing_cycle_hooks() == []
    assert FAST_WRITES


def test_every_cycle_hook_is_there_on_a_live_cycle() -> None:
    seen: list[list[str]] = []

    async def look(scope: Scope, receive: Receive, send: Send) -> None:
        cycle: Any = getattr(send, "__self__", None)
        assert type(cycle) is RequestResponseCycle
        seen.append([hook for hook in CYCLE_HOOKS if not hasattr(cycle, hook)])
        seen.append([] if hasattr(cycle.flow, "write_paused") else ["write_paused"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def run() -> None:
        protocol = protocol_for(look, HttpToolsProtocol, log_level="critical")
        protocol.connection_made(RecordingTransport())
        protocol.data_received(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        for _ in range(20):
            await asyncio.sleep(0)

    asyncio.run(run())
    assert seen == [[], []]


def test_a_hook_uvicorn_lost_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpguard.uvicorn_write, "CYCLE_HOOKS", (*CYCLE_HOOKS, "renamed_attribute"))
    assert missing_cycle_hooks() == ["renamed_attribute"]
    monkeypatch.setattr(httpguard.uvicorn_write, "_CYCLE", None)
    assert missing_cycle_hooks() == ["RequestResponseCycle"]


# -- on a real server ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_server_answers_a_kept_connection_in_whole_answers(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(app, access_log=False, **uvicorn_options())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        for path in ["/plain", "/located", "/plain"]:
            conn.sendall(f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
            response = read_response(conn)
            assert response is not None
            assert response.status == 201
            assert response.body == BODY
            assert "date" in response.headers
    assert Calls.wrote[-3:] == [True] * 3
