"""How the mock's answer leaves (`mockserver.server.wire.send_rendered`): one write under
uvicorn's httptools protocol, the usual two messages elsewhere, the same bytes either way."""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.render.responses import Rendered
from mockserver.server.wire import send_rendered
from tests.httpguard.test_uvicorn_protocol import RecordingTransport, protocol_for

ANSWER = Rendered(201, "application/json", b'{"id":"7"}', {"Location": "/things/7"})


def _app(wrapped: bool) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async def passed_on(message: Message) -> None:  # a middleware's wrapped send
            await send(message)

        head = scope["method"] == "HEAD"
        await send_rendered(passed_on if wrapped else send, ANSWER, head=head, vary_origin=True)

    return app


def _writes(method: str, *, wrapped: bool) -> list[bytes]:
    async def run() -> list[bytes]:
        protocol = protocol_for(
            _app(wrapped), HttpToolsProtocol, log_level="critical", access_log=False
        )
        transport = RecordingTransport()
        protocol.connection_made(transport)
        protocol.data_received(f"{method} /things HTTP/1.1\r\nhost: x\r\n\r\n".encode())
        for _ in range(20):
            await asyncio.sleep(0)
        return transport.writes

    return asyncio.run(run())


@pytest.mark.parametrize("method", ["POST", "HEAD"])
def test_under_uvicorn_the_answer_leaves_in_one_write(method: str) -> None:
    whole = _writes(method, wrapped=False)
    two = _writes(method, wrapped=True)  # uvicorn's send: head, then body (none for HEAD)
    assert len(whole) == 1
    assert len(two) == (1 if method == "HEAD" else 2)
    assert whole[0] == b"".join(two)
    assert whole[0].startswith(b"HTTP/1.1 201 Created\r\ncontent-length: 10\r\n")
    assert b"\r\nlocation: /things/7\r\nvary: Origin\r\n\r\n" in whole[0]
    assert whole[0].endswith(b"\r\n\r\n" if method == "HEAD" else b'\r\n\r\n{"id":"7"}')
