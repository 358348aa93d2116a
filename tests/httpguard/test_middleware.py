"""`RequestLimits`: bodies, JSON depth, query parameters and the body deadline, in-process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.types import Message, Receive, Scope, Send

from httpguard import Limits, Refusals, RequestLimits, json_depth_exceeds
from httpguard.limits import BODY, BODY_DEADLINE, HEADER_DICT
from mockserver.server.guard import REFUSALS as MOCK_REFUSALS
from provider.problems import REFUSALS as PROVIDER_REFUSALS

LIMITS = Limits(max_body_bytes=1000, max_json_depth=5, max_query_params=10, body_timeout=0.05)
JSON = (b"content-type", b"application/json")


class Exchange:
    """One request through `RequestLimits` to an app that records what it receives."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.received: list[Message] = []
        self.app_called = False
        self.scope: Scope = {}

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.app_called = True
        self.scope = scope
        if scope["type"] == "http":
            self.received.append(await receive())
        await send({"type": "http.response.start", "status": 200, "headers": []})

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def problem(self) -> dict[str, Any]:
        return dict(json.loads(self.sent[1]["body"]))


def run(
    *,
    headers: Iterable[tuple[bytes, bytes]] = (),
    query: bytes = b"",
    chunks: Iterable[bytes] = (),
    end: bool = True,
    limits: Limits = LIMITS,
    refusals: Refusals | None = None,
    scope_type: str = "http",
    late: float = 0.0,
    deadline: float | None = None,
    gone: bool = False,
    http_version: str = "1.1",
    header_dict: dict[bytes, bytes] | None = None,
    whole: bytes | None = None,
    exchange: Exchange | None = None,
) -> Exchange:
    """Send a request whose body arrives in ``chunks``, each ``late`` seconds after the last,
    then ends (or, unless ``end``, stalls; or, when ``gone``, the client disconnects); or,
    given ``whole``, in one message, as uvicorn delivers a body that came in one piece.
    ``deadline``: the server protocol's own body deadline, as its scope says."""
    exchange = exchange or Exchange()
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks
    ]
    if whole is not None:
        messages.append({"type": "http.request", "body": whole, "more_body": False})
    if gone:
        messages.append({"type": "http.disconnect"})
    elif end and whole is None:
        messages.append({"type": "http.request", "body": b"", "more_body": False})

    async def receive() -> Message:
        if not messages:
            await asyncio.Event().wait()  # a client that stops sending
        if late:
            await asyncio.sleep(late)
        return messages.pop(0)

    async def send(message: Message) -> None:
        exchange.sent.append(message)

    scope: dict[str, Any] = {
        "type": scope_type,
        "http_version": http_version,
        "headers": list(headers),
        "query_string": query,
    }
    if header_dict is not None:
        scope[HEADER_DICT] = header_dict
    if deadline is not None:
        scope[BODY_DEADLINE] = deadline
    middleware = RequestLimits(exchange.app, limits=limits, refusals=refusals)
    asyncio.run(middleware(scope, receive, send))
    return exchange


def length(body: bytes) -> tuple[bytes, bytes]:
    return (b"content-length", str(len(body)).encode())


CHUNKED = (b"transfer-encoding", b"chunked")


def test_request_limits_replay_the_body_to_the_app_in_one_message() -> None:
    exchange = run(headers=[CHUNKED, JSON], chunks=[b'{"a": ', b"[1, 2]", b"}"])
    assert exchange.received == [
        {"type": "http.request", "body": b'{"a": [1, 2]}', "more_body": False}
    ]
    assert exchange.status == 200


# Read by the middleware under its own deadline, or under the server protocol's.
DEADLINES = pytest.mark.parametrize("deadline", [None, LIMITS.body_timeout])


@DEADLINES
def test_a_body_in_one_message_reaches_the_app_and_the_scope_as_it_came(
    deadline: float | None,
) -> None:
    body = b'{"name": "Bench"}'
    exchange = run(headers=[length(body), JSON], whole=body, deadline=deadline)
    assert exchange.received == [{"type": "http.request", "body": body, "more_body": False}]
    assert exchange.scope[BODY] == body


class TwoReads(Exchange):
    """An app that reads on after the body: it then gets what the server says next."""

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.received += [await receive(), await receive()]
        await send({"type": "http.response.start", "status": 200, "headers": []})


@DEADLINES
@pytest.mark.parametrize("chunks", [[], [b"{"]])
def test_after_the_replayed_body_the_app_reads_the_servers_next_message(
    chunks: list[bytes], deadline: float | None
) -> None:
    exchange = run(
        headers=[CHUNKED], chunks=chunks, whole=b"}", gone=True, exchange=TwoReads(),
        deadline=deadline,
    )  # fmt: skip
    assert exchange.received == [
        {"type": "http.request", "body": b"".join(chunks) + b"}", "more_body": False},
        {"type": "http.disconnect"},
    ]


def test_request_limits_leave_a_request_without_a_body_to_the_app() -> None:
    exchange = run(headers=[(b"content-length", b"0")])
    assert exchange.received == [{"type": "http.request", "body": b"", "more_body": False}]


def test_request_limits_leave_the_body_they_read_in_the_scope() -> None:
    exchange = run(headers=[CHUNKED, JSON], chunks=[b'{"a": ', b"1}"])
    assert exchange.scope[BODY] == b'{"a": 1}'


def test_an_http_1_request_announcing_no_body_has_an_empty_one_in_the_scope() -> None:
    exchange = run(http_version="1.1")
    assert exchange.scope[BODY] == b""
    assert exchange.received == [{"type": "http.request", "body": b"", "more_body": False}]


def test_an_http_2_request_announcing_no_length_leaves_its_body_to_the_app() -> None:
    # HTTP/2 frames a body without Content-Length: the app reads it as it comes.
    exchange = run(http_version="2", chunks=[b"late"])
    assert BODY not in exchange.scope
    assert exchange.received == [{"type": "http.request", "body": b"late", "more_body": True}]


def test_request_limits_read_the_header_dict_a_layer_before_them_built() -> None:
    # The dict announces a body over the limit while the raw list announces none: only a
    # middleware that reads the dict refuses it.
    exchange = run(header_dict={b"content-length": b"5000"})
    assert exchange.status == 413
    assert not exchange.app_called


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
def test_request_limits_pass_other_scopes_through(scope_type: str) -> None:
    exchange = run(scope_type=scope_type, query=b"&" * 100)
    assert exchange.app_called


def test_request_limits_refuse_a_body_announced_too_large_before_it_is_read() -> None:
    exchange = run(headers=[(b"content-length", b"1001")], end=False)  # nothing is sent
    assert not exchange.app_called
    assert (exchange.status, exchange.problem["code"]) == (413, "body_too_large")


@DEADLINES
def test_request_limits_refuse_a_streamed_body_once_it_passes_the_limit(
    deadline: float | None,
) -> None:
    chunks = [b"x" * 600, b"x" * 401, b"never read"]
    exchange = run(headers=[CHUNKED], chunks=chunks, deadline=deadline)
    assert not exchange.app_called
    assert (exchange.status, exchange.problem["code"]) == (413, "body_too_large")


@DEADLINES
def test_request_limits_refuse_a_body_in_one_message_over_the_limit(
    deadline: float | None,
) -> None:
    # Announced as chunked, so only its size once read can refuse it.
    exchange = run(headers=[CHUNKED], whole=b"x" * 1001, deadline=deadline)
    assert not exchange.app_called
    assert (exchange.status, exchange.problem["code"]) == (413, "body_too_large")


@DEADLINES
@pytest.mark.parametrize("whole", [False, True])
def test_request_limits_accept_a_body_of_exactly_the_limit(
    whole: bool, deadline: float | None
) -> None:
    body = b"x" * 1000
    pieces: dict[str, Any] = {"whole": body} if whole else {"chunks": [body]}
    assert run(headers=[length(body)], deadline=deadline, **pieces).received[0]["body"] == body


@pytest.mark.parametrize(
    ("content_type", "refused"),
    [
        (b"application/json", True),
        (b"application/problem+json; charset=utf-8", True),
        (None, True),  # no type: it may be JSON
        (b"text/plain", False),
    ],
)
@DEADLINES
def test_request_limits_refuse_json_nested_too_deep(
    content_type: bytes | None, refused: bool, deadline: float | None
) -> None:
    body = b"[" * 6 + b"]" * 6
    headers = [length(body)] + ([(b"content-type", content_type)] if content_type else [])
    exchange = run(headers=headers, whole=body, deadline=deadline)
    assert exchange.app_called is not refused
    if refused:
        assert (exchange.status, exchange.problem["code"]) == (400, "json_too_deep")


@pytest.mark.parametrize("separator", [b"&", b";"])
def test_request_limits_refuse_too_many_query_parameters(separator: bytes) -> None:
    assert run(query=separator.join([b"a=1"] * 10)).app_called
    exchange = run(query=separator.join([b"a=1"] * 11))
    assert (exchange.status, exchange.problem["code"]) == (400, "too_many_parameters")
    assert exchange.problem["detail"] == (
        "The query string has 11 parameters; at most 10 are accepted."
    )


def test_request_limits_refuse_a_body_that_does_not_arrive_in_time() -> None:
    exchange = run(headers=[(b"content-length", b"100")], chunks=[b"{"], end=False)
    assert (exchange.status, exchange.problem["code"]) == (408, "request_timeout")
    assert exchange.problem["detail"] == "The request body did not arrive within 0.05 seconds."


def test_a_body_the_server_protocol_bounds_arms_no_timer_of_its_own() -> None:
    # The guarded protocol answers 408 itself (`BODY_DEADLINE`, no later than ours): a body
    # later than our own deadline still reaches the application.
    body = b'{"a": 1}'
    exchange = run(headers=[length(body)], chunks=[body], late=0.1, deadline=0.05)
    assert exchange.app_called
    assert exchange.received[0]["body"] == body


def test_a_server_deadline_longer_than_ours_leaves_ours_in_force() -> None:
    exchange = run(headers=[(b"content-length", b"100")], chunks=[b"{"], end=False, deadline=60)
    assert (exchange.status, exchange.problem["code"]) == (408, "request_timeout")


@DEADLINES
@pytest.mark.parametrize("chunks", [[], [b'{"partial']])
def test_a_client_gone_before_its_body_arrived_reaches_no_application(
    chunks: list[bytes], deadline: float | None
) -> None:
    exchange = run(
        headers=[(b"content-length", b"100")], chunks=chunks, gone=True, deadline=deadline
    )
    assert not exchange.app_called
    assert exchange.sent == []


def test_request_limits_let_another_cancellation_through() -> None:
    # Only the deadline's own cancellation becomes a 408; a server shutting down gets its
    # CancelledError back.
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    async def main() -> None:
        scope = {"type": "http", "headers": [(b"content-length", b"10")], "query_string": b""}
        middleware = RequestLimits(Exchange().app, limits=Limits(body_timeout=5))
        task = asyncio.create_task(middleware(scope, receive, send))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert sent == []


def test_request_limits_refusals_close_the_connection() -> None:
    start = run(headers=[(b"content-length", b"5000")]).sent[0]
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"application/problem+json"
    assert headers[b"connection"] == b"close"


# -- the refusal style: each server's bytes, kept exactly --------------------------------------

MOCK_BODY_TOO_LARGE = (
    b'{"type":"urn:mockserver:problem:body-too-large","title":"Request body too large",'
    b'"status":413,"detail":"The body is larger than the limit of 1000 bytes.",'
    b'"code":"body_too_large","errors":[{"field":"body","code":"body_too_large",'
    b'"message":"The body is larger than the limit of 1000 bytes."}]}'
)
PROVIDER_BODY_TOO_LARGE = (
    b'{"type":"https://errors.platform.example/body-too-large","title":"Request body too large",'
    b'"status":400,"detail":"The body is larger than the limit of 1000 bytes.",'
    b'"code":"body_too_large","errors":[{"field":"body","code":"maxSize",'
    b'"message":"The body is larger than the limit of 1000 bytes."}]}'
)
MOCK_JSON_TOO_DEEP = (
    b'{"type":"urn:mockserver:problem:json-too-deep","title":"JSON nested too deeply",'
    b'"status":400,"detail":"The JSON body nests arrays and objects deeper than 5 levels.",'
    b'"code":"json_too_deep","errors":[{"field":"body","code":"json_too_deep",'
    b'"message":"The JSON body nests arrays and objects deeper than 5 levels."}]}'
)
PROVIDER_JSON_TOO_DEEP = (
    b'{"type":"https://errors.platform.example/json-too-deep","title":"JSON nested too deeply",'
    b'"status":400,"detail":"The JSON body nests arrays and objects deeper than 5 levels.",'
    b'"code":"json_too_deep","errors":[{"field":"body","code":"json",'
    b'"message":"The JSON body nests arrays and objects deeper than 5 levels."}]}'
)


@pytest.mark.parametrize(
    ("refusals", "status", "body"),
    [(MOCK_REFUSALS, 413, MOCK_BODY_TOO_LARGE), (PROVIDER_REFUSALS, 400, PROVIDER_BODY_TOO_LARGE)],
    ids=["mock", "provider"],
)
def test_request_limits_answer_a_body_too_large_in_each_servers_style(
    refusals: Refusals, status: int, body: bytes
) -> None:
    exchange = run(headers=[(b"content-length", b"1001")], refusals=refusals)
    assert (exchange.status, exchange.sent[1]["body"]) == (status, body)
    assert dict(exchange.sent[0]["headers"])[b"content-length"] == str(len(body)).encode()


@pytest.mark.parametrize(
    ("refusals", "body"),
    [(MOCK_REFUSALS, MOCK_JSON_TOO_DEEP), (PROVIDER_REFUSALS, PROVIDER_JSON_TOO_DEEP)],
    ids=["mock", "provider"],
)
def test_request_limits_answer_json_too_deep_in_each_servers_style(
    refusals: Refusals, body: bytes
) -> None:
    deep = b"[" * 6 + b"]" * 6
    exchange = run(headers=[length(deep), JSON], chunks=[deep], refusals=refusals)
    assert (exchange.status, exchange.sent[1]["body"]) == (400, body)


@pytest.mark.parametrize(("status", "rule"), [(413, "body_too_large"), (400, "maxSize")])
def test_request_limits_answer_the_body_status_and_rule_code_they_are_given(
    status: int, rule: str
) -> None:
    refusals = Refusals(
        type_prefix="https://example.test/",
        body_too_large_status=status,
        rule_codes={"body_too_large": rule} if rule != "body_too_large" else {},
    )
    problem = run(headers=[(b"content-length", b"1001")], refusals=refusals).problem
    assert problem["type"] == "https://example.test/body-too-large"
    assert (problem["status"], problem["errors"][0]["code"]) == (status, rule)


# -- JSON depth ----------------------------------------------------------------------------------


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 1000 + b'"}', 2)
    assert not json_depth_exceeds(b'{"a": "\\"[[[[[[[[[["}', 2)
    assert json_depth_exceeds(b"[[[]]]", 2)
    assert not json_depth_exceeds(b"[[]][[]][[]]", 2)


JSON_VALUES = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\ab'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=30,
)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(value=JSON_VALUES, limit=st.integers(min_value=1, max_value=8))
def test_json_depth_matches_the_nesting_of_the_document(value: object, limit: int) -> None:
    assert json_depth_exceeds(json.dumps(value).encode(), limit) == (_depth(value) > limit)
