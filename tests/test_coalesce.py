"""One write per answer (server.coalesce): fewer writes, same bytes, same order, no waiting."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from mockserver.server.coalesce import HELD_BYTES_LIMIT, CoalescingHttpToolsProtocol
from tests.conftest import RunningServer
from tests.hostile import read_response

BIG = b"x" * (4 * HELD_BYTES_LIMIT + 7)
released = threading.Event()


async def small(request: Request) -> JSONResponse:
    return JSONResponse({"n": int(request.path_params["n"])})


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


async def _writes_for(protocol_class: type[HttpToolsProtocol], request: bytes) -> list[bytes]:
    config = Config(APP, log_level="warning", lifespan="off")
    config.load()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(50):  # the app runs as a task; let it and the flush run
        await asyncio.sleep(0)
    return transport.writes


def test_an_answer_leaves_in_one_write() -> None:
    request = b"GET /small/7 HTTP/1.1\r\nhost: x\r\n\r\n"
    plain = asyncio.run(_writes_for(HttpToolsProtocol, request))
    coalesced = asyncio.run(_writes_for(CoalescingHttpToolsProtocol, request))
    # uvicorn alone writes the head, then the body; coalesced, the same bytes go out once.
    assert len(plain) == 2
    assert len(coalesced) == 1
    assert coalesced[0] == b"".join(plain)
    assert coalesced[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert coalesced[0].endswith(b'{"n":7}')


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


def test_a_large_body_arrives_whole(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(APP, http=CoalescingHttpToolsProtocol)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(b"GET /big HTTP/1.1\r\nhost: x\r\n\r\n")
        response = read_response(conn)
    assert response is not None
    assert response.headers["content-length"] == str(len(BIG))
    assert response.body == BIG


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


def test_websocket_upgrade_still_works(make_server: Callable[..., RunningServer]) -> None:
    from websockets.sync.client import connect

    server = make_server(APP, http=CoalescingHttpToolsProtocol)
    with connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "hello"
