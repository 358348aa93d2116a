"""The HTTP/1.1 client (the proxy's upstream, conform's provider): keep-alive, what is
retried and what never is, malformed answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from mockserver.client.pool import (
    Answer,
    AnswerTooLarge,
    Broken,
    ConnectionPool,
    Unreachable,
)
from tests.ports import free_port
from tests.proxy.wire import Answer as Script
from tests.proxy.wire import Scripted, ok


@pytest.fixture
def scripted() -> Iterator[list[Scripted]]:
    servers: list[Scripted] = []
    yield servers
    for server in servers:
        server.close()


def _serve(servers: list[Scripted], answer: Script) -> Scripted:
    servers.append(Scripted(answer))
    return servers[-1]


def _run(server: Scripted, *calls: tuple[str, bytes], limit: int = 1024) -> list[Answer]:
    async def run() -> list[Answer]:
        pool = ConnectionPool("127.0.0.1", server.port, tls=None, max_body_bytes=limit)
        try:
            return [
                await pool.request(method, "/x", [("x-a", "1")], body) for method, body in calls
            ]
        finally:
            pool.close()

    return asyncio.run(run())


def test_client_reuses_a_kept_alive_connection(scripted: list[Scripted]) -> None:
    server = _serve(scripted, lambda n, request: (ok(b'{"n": 1}'), False))
    first, second = _run(server, ("GET", b""), ("POST", b'{"a": 1}'))
    assert (first.status, first.body, second.body) == (200, b'{"n": 1}', b'{"n": 1}')
    assert [number for number, _ in server.requests] == [1, 1]
    get, post = (request for _, request in server.requests)
    assert get.startswith(b"GET /x HTTP/1.1\r\nhost: 127.0.0.1:")
    assert b"x-a: 1\r\n" in get
    assert b"content-length" not in get
    assert post.endswith(b'content-length: 8\r\n\r\n{"a": 1}')


def _stale_after_first() -> Script:
    """Answers the first request of the first connection, then drops it at the next one."""
    seen: list[int] = []

    def answer(number: int, request: bytes) -> tuple[bytes, bool] | None:
        seen.append(number)
        if number == 1 and seen.count(1) > 1:
            return None
        return ok(), False

    return answer


@pytest.mark.parametrize(("method", "resent"), [("GET", True), ("DELETE", True), ("POST", False)])
def test_client_resends_only_idempotent_requests_lost_on_a_reused_connection(
    method: str, resent: bool, scripted: list[Scripted]
) -> None:
    server = _serve(scripted, _stale_after_first())
    if resent:
        _, again = _run(server, ("GET", b""), (method, b""))
        assert again.status == 200
        assert [number for number, _ in server.requests] == [1, 1, 2]
    else:
        with pytest.raises(Broken) as broken:
            _run(server, ("GET", b""), (method, b"{}"))
        assert not broken.value.answered
        assert [number for number, _ in server.requests] == [1, 1]  # the POST went out once


def test_client_ends_a_head_answer_at_its_head_and_does_not_reuse_it(
    scripted: list[Scripted],
) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"
    server = _serve(scripted, lambda n, request: (head if b"HEAD" in request else ok(), False))
    answer, after = _run(server, ("HEAD", b""), ("GET", b""))
    assert (answer.status, answer.body) == (200, b"")
    assert after.body == b"{}"
    assert [number for number, _ in server.requests] == [1, 2]


def test_client_skips_an_interim_answer(scripted: list[Scripted]) -> None:
    server = _serve(scripted, lambda n, r: (b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"[1]"), False))
    (answer,) = _run(server, ("POST", b"{}"))
    assert (answer.status, answer.body) == (200, b"[1]")


def test_client_refuses_a_malformed_answer(scripted: list[Scripted]) -> None:
    server = _serve(scripted, lambda n, r: (b"NOT HTTP AT ALL\r\n\r\n", False))
    with pytest.raises(Broken, match="malformed answer") as broken:
        _run(server, ("GET", b""))
    assert broken.value.answered


def test_client_stops_reading_past_the_limit(scripted: list[Scripted]) -> None:
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + b"400\r\n" + b"x" * 1024
    server = _serve(scripted, lambda n, r: (chunked + b"\r\n" + chunked, False))
    with pytest.raises(AnswerTooLarge):
        _run(server, ("GET", b""), limit=1000)


def test_client_says_when_nothing_listens() -> None:
    port = free_port()  # bound, then released: nothing listens

    async def run() -> None:
        pool = ConnectionPool("127.0.0.1", port, tls=None, max_body_bytes=10)
        await pool.request("GET", "/", [], b"")

    with pytest.raises(Unreachable):
        asyncio.run(run())
