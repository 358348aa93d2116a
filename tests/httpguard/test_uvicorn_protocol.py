"""The uvicorn protocols: coalesced writes, the request-head limits, and the hooks they need."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

import httpguard.uvicorn_hooks
from httpguard import (
    UVICORN_HOOKS,
    CoalescingHttpToolsProtocol,
    GuardedHttpToolsProtocol,
    GuardError,
    Limits,
    Refusals,
    UnsupportedUvicornError,
    missing_hooks,
    uvicorn_options,
)
from httpguard.limits import BODY_DEADLINE
from httpguard.uvicorn_protocol import HELD_BYTES_LIMIT
from mockserver.server.guard import REFUSALS as MOCK_REFUSALS
from provider.problems import REFUSALS as PROVIDER_REFUSALS
from tests.conftest import RunningServer
from tests.hostile import read_response

BIG = b"x" * (4 * HELD_BYTES_LIMIT + 7)
Protocol = TypeVar("Protocol", bound=HttpToolsProtocol)
released = threading.Event()


async def small(request: Request) -> JSONResponse:
    return JSONResponse({"n": int(request.path_params["n"])})


async def posted(request: Request) -> JSONResponse:
    return JSONResponse({"n": len(await request.body())})


async def big(request: Request) -> Response:
    return Response(BIG, media_type="application/octet-stream")


async def stream(request: Request) -> StreamingResponse:
    async def chunks() -> Any:
        yield b"first;"
        # The client must have read the head and the first chunk before it releases the rest:
        # a head or chunk held back until the response ends would leave both waiting here.
        while not released.is_set():
            await asyncio.sleep(0.01)
        yield b"rest"

    return StreamingResponse(chunks(), media_type="text/plain")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


APP = Starlette(
    routes=[
        Route("/small/{n}", small),
        Route("/big", big),
        Route("/posted", posted, methods=["POST"]),
        Route("/stream", stream),
        WebSocketRoute("/ws", echo),
    ]
)


class RecordingTransport(asyncio.Transport):
    """A socket stand-in that records what the protocol writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.closed_by_server = False  # before the client went away
        self.chunks_read = 0

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def protocol_for(
    app: ASGIApp,
    protocol_class: type[Protocol],
    *,
    state: ServerState | None = None,
    **config: Any,
) -> Protocol:
    """A ``protocol_class`` serving ``app`` (``config``: uvicorn's options), not yet connected."""
    loaded = Config(app, **{"log_level": "warning", "lifespan": "off", **config})
    loaded.load()
    return protocol_class(config=loaded, server_state=state or ServerState(), app_state={})


def _protocol(protocol_class: type[HttpToolsProtocol]) -> HttpToolsProtocol:
    return protocol_for(APP, protocol_class)


async def _settle() -> None:
    for _ in range(50):  # the app runs as a task; let it and the flush run
        await asyncio.sleep(0)


def exchange(
    protocol_class: type[HttpToolsProtocol], chunks: list[bytes], *, wait: float = 0.0
) -> RecordingTransport:
    """Feed ``chunks`` to a fresh connection, one loop iteration apart, then wait ``wait`` s."""

    async def run() -> RecordingTransport:
        protocol = _protocol(protocol_class)
        transport = RecordingTransport()
        protocol.connection_made(transport)
        for chunk in chunks:
            if transport.closed:
                break  # a closed socket delivers nothing more
            protocol.data_received(chunk)
            transport.chunks_read += 1
            await _settle()
        await asyncio.sleep(wait)
        await _settle()
        transport.closed_by_server = transport.closed
        protocol.connection_lost(None)  # the client leaves
        return transport

    return asyncio.run(run())


# -- coalesced writes ------------------------------------------------------------------------


def test_an_answer_leaves_in_one_write() -> None:
    request = [b"GET /small/7 HTTP/1.1\r\nhost: x\r\n\r\n"]
    plain = exchange(HttpToolsProtocol, request).writes
    coalesced = exchange(CoalescingHttpToolsProtocol, request).writes
    # uvicorn alone writes the head, then the body; coalesced, the same bytes go out once.
    assert len(plain) == 2
    assert len(coalesced) == 1
    assert coalesced[0] == b"".join(plain)
    assert coalesced[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert coalesced[0].endswith(b'{"n":7}')


@pytest.mark.slow
def test_pipelined_requests_are_answered_in_order(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(APP, http=CoalescingHttpToolsProtocol)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(
            b"".join(f"GET /small/{n} HTTP/1.1\r\nhost: x\r\n\r\n".encode() for n in range(5))
        )
        received = b""
        while received.count(b'{"n":') < 5:
            chunk = conn.recv(65536)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
    bodies = [part.split(b"}")[0] for part in received.split(b'{"n":')[1:]]
    assert bodies == [b"0", b"1", b"2", b"3", b"4"]


@pytest.mark.slow
def test_a_large_body_arrives_whole(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(APP, http=CoalescingHttpToolsProtocol)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(b"GET /big HTTP/1.1\r\nhost: x\r\n\r\n")
        response = read_response(conn)
    assert response is not None
    assert response.headers["content-length"] == str(len(BIG))
    assert response.body == BIG


@pytest.mark.slow
def test_a_streamed_head_is_not_held_for_the_rest(
    make_server: Callable[..., RunningServer],
) -> None:
    released.clear()
    server = make_server(APP, http=CoalescingHttpToolsProtocol)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
        received = b""
        while b"first;" not in received:  # a recv timeout (10 s) fails the test
            chunk = conn.recv(65536)
            assert chunk, "connection closed early"
            received += chunk
        assert received.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"rest" not in received
        released.set()
        while b"0\r\n\r\n" not in received:
            received += conn.recv(65536)
    assert b"rest" in received


@pytest.mark.slow
@pytest.mark.parametrize("guarded", [False, True], ids=["coalescing", "guarded"])
def test_websocket_upgrade_still_works(
    make_server: Callable[..., RunningServer], guarded: bool
) -> None:
    from websockets.sync.client import connect

    options = uvicorn_options() if guarded else {"http": CoalescingHttpToolsProtocol}
    server = make_server(APP, **options)
    with connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "hello"


# -- the request head: size and deadline ------------------------------------------------------

HEAD_LIMITS = Limits(max_header_bytes=1000, header_timeout=0.05)
# For heads fed in many chunks: a deadline no stall of a busy machine reaches, so only the
# size decides.
SIZE_LIMITS = Limits(max_header_bytes=1000, header_timeout=30)


def guarded(
    refusals: Refusals | None = None, limits: Limits = HEAD_LIMITS
) -> type[HttpToolsProtocol]:
    protocol: type[HttpToolsProtocol] = uvicorn_options(limits, refusals=refusals)["http"]
    return protocol


def head_of(size: int) -> bytes:
    """A GET whose head measures ``size`` bytes (URL, plus name, value and 4 per header)."""
    fixed = len("/small/1") + len("host") + len("x") + 4 + len("x-pad") + 4
    return b"GET /small/1 HTTP/1.1\r\nhost: x\r\nx-pad: " + b"p" * (size - fixed) + b"\r\n\r\n"


def in_chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def status_of(transport: RecordingTransport) -> int:
    return int(b"".join(transport.writes).split(b" ", 2)[1])


@pytest.mark.parametrize("chunk", [10, 100, 4096], ids=["10 B chunks", "100 B chunks", "one"])
def test_a_head_of_exactly_the_limit_is_served(chunk: int) -> None:
    transport = exchange(guarded(limits=SIZE_LIMITS), in_chunks(head_of(1000), chunk))
    assert status_of(transport) == 200


@pytest.mark.parametrize("chunk", [10, 100, 4096], ids=["10 B chunks", "100 B chunks", "one"])
def test_a_head_one_byte_over_the_limit_gets_431_and_a_close(chunk: int) -> None:
    transport = exchange(guarded(limits=SIZE_LIMITS), in_chunks(head_of(1001), chunk))
    assert status_of(transport) == 431
    assert transport.closed_by_server


def test_a_flood_of_header_bytes_is_cut_off_near_the_limit() -> None:
    # One header that never ends: refused by its raw size, without waiting for the rest.
    flood = [b"GET / HTTP/1.1\r\nx-flood: "] + [b"f" * 100] * 1000
    transport = exchange(guarded(limits=SIZE_LIMITS), flood)
    assert status_of(transport) == 431
    assert transport.closed_by_server
    assert transport.chunks_read <= 1 + 2 * 1000 // 100 + 1  # at twice the limit at the latest


MOCK_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n"
    b"content-length: 199\r\nconnection: close\r\n\r\n"
    b'{"type":"urn:mockserver:problem:headers-too-large","title":"Request headers too large",'
    b'"status":431,"detail":"The request line and headers exceed the limit of 1000 bytes.",'
    b'"code":"headers_too_large"}'
)
PROVIDER_408 = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
    b"content-length: 189\r\nconnection: close\r\n\r\n"
    b'{"type":"https://errors.platform.example/request-timeout","title":"Request timeout",'
    b'"status":408,"detail":"The request headers did not arrive within 0.05 seconds.",'
    b'"code":"request_timeout"}'
)


def test_a_refused_head_gets_the_servers_problem_in_one_write() -> None:
    transport = exchange(guarded(MOCK_REFUSALS), [head_of(1001)])
    assert transport.writes == [MOCK_431]


def test_headers_that_do_not_arrive_in_time_get_408_and_a_close() -> None:
    transport = exchange(guarded(PROVIDER_REFUSALS), [b"GET / HTTP/1.1\r\nhost: x\r\n"], wait=0.1)
    assert transport.writes == [PROVIDER_408]
    assert transport.closed_by_server


BODY_LIMITS = Limits(header_timeout=30, body_timeout=0.05)
MOCK_BODY_408 = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
    b"content-length: 177\r\nconnection: close\r\n\r\n"
    b'{"type":"urn:mockserver:problem:request-timeout","title":"Request timeout",'
    b'"status":408,"detail":"The request body did not arrive within 0.05 seconds.",'
    b'"code":"request_timeout"}'
)
POST_HEAD = b"POST /posted HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n"


def test_a_body_that_does_not_arrive_in_time_gets_408_and_a_close() -> None:
    transport = exchange(guarded(MOCK_REFUSALS, BODY_LIMITS), [POST_HEAD + b"{"], wait=0.1)
    assert transport.writes == [MOCK_BODY_408]
    assert transport.closed_by_server


def test_a_body_in_chunks_that_ends_in_time_is_served() -> None:
    transport = exchange(guarded(limits=BODY_LIMITS), [POST_HEAD, b"0123", b"456789"], wait=0.1)
    assert status_of(transport) == 200
    assert transport.writes[-1].endswith(b'{"n":10}')
    assert not transport.closed_by_server


def test_a_request_in_one_chunk_starts_no_deadline_and_tells_the_middleware() -> None:
    scopes: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        scopes.append(scope)
        await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def run() -> Any:
        protocol: Any = protocol_for(app, guarded(limits=BODY_LIMITS))
        protocol.connection_made(RecordingTransport())
        protocol.data_received(POST_HEAD + b"0123456789")
        timer = protocol._body_timer
        await _settle()
        protocol.connection_lost(None)
        return timer

    assert asyncio.run(run()) is None
    assert scopes[0][BODY_DEADLINE] == 0.05


def test_a_connection_that_sends_nothing_is_closed_without_an_answer() -> None:
    transport = exchange(guarded(), [], wait=0.1)
    assert (transport.writes, transport.closed_by_server) == ([], True)


def test_a_served_request_leaves_the_connection_open() -> None:
    transport = exchange(guarded(), [head_of(500)], wait=0.02)
    assert status_of(transport) == 200
    # Kept alive: the deadline only runs while a head arrives.
    assert not transport.closed_by_server


# -- the hooks: what the protocols take from uvicorn ------------------------------------------


def test_every_hook_exists_on_uvicorns_protocol() -> None:
    assert missing_hooks() == []


def test_every_hook_is_there_on_a_live_uvicorn_protocol() -> None:
    # Independent of `missing_hooks`: a real connection with a request begun has every one.
    async def run() -> list[str]:
        protocol = _protocol(HttpToolsProtocol)
        protocol.connection_made(RecordingTransport())
        protocol.on_message_begin()
        return [hook for hook in UVICORN_HOOKS if not hasattr(protocol, hook)]

    assert asyncio.run(run()) == []


def _throwaway_protocol(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, without: str) -> type:
    """A class with every hook of `UVICORN_HOOKS` but ``without``, as a module with source."""
    methods = [hook for hook in UVICORN_HOOKS if callable(getattr(HttpToolsProtocol, hook, None))]
    attributes = [hook for hook in UVICORN_HOOKS if hook not in methods]
    lines = ["class Throwaway:", "    def __init__(self) -> None:", "        self.other = 0"]
    lines += [f"        self.{name} = None" for name in attributes if name != without]
    lines += [f"    def {name}(self) -> None: ..." for name in methods if name != without]
    name = f"throwaway_without_{without}"
    path = tmp_path / f"{name}.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # where inspect finds the source
    spec.loader.exec_module(module)
    throwaway: type = module.Throwaway
    return throwaway


@pytest.mark.parametrize("hook", UVICORN_HOOKS)
def test_missing_hooks_reports_a_hook_a_protocol_lacks(
    hook: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert missing_hooks(_throwaway_protocol(tmp_path, monkeypatch, "")) == []
    assert missing_hooks(_throwaway_protocol(tmp_path, monkeypatch, hook)) == [hook]


def test_missing_hooks_reports_a_method_a_subclass_took_away() -> None:
    class Renamed(HttpToolsProtocol):
        send_400_response = None  # type: ignore[assignment]

    assert missing_hooks(Renamed) == ["send_400_response"]


def test_uvicorn_options_raise_naming_a_missing_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = (*UVICORN_HOOKS, "on_renamed_hook", "renamed_attribute")
    monkeypatch.setattr(httpguard.uvicorn_hooks, "UVICORN_HOOKS", hooks)
    with pytest.raises(UnsupportedUvicornError, match="has no on_renamed_hook, renamed_attribute"):
        uvicorn_options()
    assert issubclass(UnsupportedUvicornError, GuardError)


def test_uvicorn_options_install_the_guarded_protocol_for_these_limits() -> None:
    limits = Limits(max_header_bytes=2048)
    options = uvicorn_options(limits, refusals=PROVIDER_REFUSALS)
    protocol = options.pop("http")
    assert issubclass(protocol, GuardedHttpToolsProtocol)
    assert (protocol.limits, protocol.refusals) == (limits, PROVIDER_REFUSALS)
    assert options == {"h11_max_incomplete_event_size": 2048, "proxy_headers": False}
    # Each call its own class: two servers in one process keep their own limits.
    assert uvicorn_options(Limits())["http"].limits == Limits()
    assert protocol.limits == limits
