"""The two servers: a fresh in-process mock and a provider over HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.types import Receive, Scope, Send

from mockserver.conform.model import ApiModel
from mockserver.conform.sides import Answer, HttpSide, MockSide, Request
from mockserver.errors import ConformError
from tests.events.test_webhooks import ORDER
from tests.ports import free_port
from tests.proxy.wire import Scripted


def test_the_mock_side_answers_from_a_fresh_mock(model: ApiModel) -> None:
    async def go() -> Answer:
        side = MockSide(model.spec, seed=1)
        try:
            return await side.send(Request("GET", "/projects"))
        finally:
            await side.aclose()

    answer = asyncio.run(go())
    assert answer.status == 401
    assert answer.is_problem
    assert answer.problem_code() == "unauthorized"


def test_the_provider_url_may_carry_the_base_path(provider_url: str) -> None:
    async def go() -> Answer:
        side = HttpSide(provider_url + "/api/v1/", "/api/v1")
        try:
            return await side.send(Request("GET", "/auth/me", headers=(("Accept", "*/*"),)))
        finally:
            await side.aclose()

    answer = asyncio.run(go())
    assert answer.status == 401
    assert answer.media_type == "application/problem+json"


@pytest.mark.parametrize("url", ["ftp://host", "127.0.0.1:8000", "http://"])
def test_a_provider_url_that_is_no_http_url_is_refused(url: str) -> None:
    with pytest.raises(ConformError, match="expected an http"):
        HttpSide(url, "/api/v1")


def test_answers_without_json_have_no_body_and_no_code() -> None:
    answer = Answer(500, {"content-type": "text/plain"}, None, "oops")
    assert answer.problem_code() is None
    assert not answer.is_problem
    assert Request("GET", "/x", headers=(("X-A", "1"),)).header("x-a") == "1"


def test_a_reset_mock_side_forgets_the_last_program_and_its_deliveries(model: ApiModel) -> None:
    credentials = {"email": "reset@example.com", "password": "pw-long-1"}
    register = Request(
        "POST", "/auth/register", body={**credentials, "name": "R", "acceptTerms": True},
        has_body=True,
    )  # fmt: skip

    async def go() -> tuple[list[int], list[int]]:
        side = MockSide(model.spec, seed=1, webhook_host="127.0.0.1")

        async def post(path: str, body: object, *headers: tuple[str, str]) -> Answer:
            return await side.send(Request("POST", path, headers=headers, body=body, has_body=True))

        try:
            first = [(await side.send(register)).status, (await side.send(register)).status]
            token = (await post("/auth/login", credentials)).body["tokens"]["accessToken"]
            auth = ("Authorization", f"Bearer {token}")
            nowhere = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
            hook = {"url": nowhere, "events": ["payment.succeeded"]}
            assert (await post("/webhook-endpoints", hook, auth)).status == 201
            order = (await post("/orders", ORDER, auth)).body
            paid = await post(
                f"/orders/{order['id']}/payments", {"paymentMethod": "pm_card_visa"},
                auth, ("Idempotency-Key", "k1"),
            )  # fmt: skip
            assert paid.status == 201  # its delivery now retries, 0.2 s apart
            await side.reset()
            await asyncio.sleep(1.0)  # past every retry of a delivery left running
            journal = await side._engine.journal.query()
            return first, [(await side.send(register)).status, len(journal)]
        finally:
            await side.aclose()

    first, after = asyncio.run(go())
    assert first == [201, 409]  # the second registration of an e-mail conflicts
    assert after == [201, 0]  # forgotten: registered anew; the delivery ended unjournaled


def test_the_provider_gets_the_request_under_its_root_with_a_clients_defaults() -> None:
    latin = "café".encode("latin-1")
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=latin-1\r\nvary: a\r\nvary: b\r\n"
    answer = head + b"content-length: " + str(len(latin)).encode() + b"\r\n\r\n" + latin
    server = Scripted(lambda number, request: (answer, False))

    async def go() -> Answer:
        side = HttpSide(server.url + "/gateway/api/v1", "/api/v1")
        try:
            request = Request("POST", "/projects/a b", query=(("q", "x&y z"),), body={"n": 1},
                              has_body=True, headers=(("Accept", "application/json"),))  # fmt: skip
            return await side.send(request)
        finally:
            await side.aclose()

    try:
        got = asyncio.run(go())
    finally:
        server.close()
    [(_, sent)] = server.requests
    head_sent, _, body_sent = sent.partition(b"\r\n\r\n")
    lines = head_sent.decode().split("\r\n")
    assert lines[0] == "POST /gateway/api/v1/projects/a%20b?q=x%26y%20z HTTP/1.1"
    defaults = {"accept-encoding: identity", "user-agent: mockserver-conform"}
    assert {"accept: application/json", "content-type: application/json"} | defaults <= set(lines)
    assert json.loads(body_sent) == {"n": 1}
    assert (got.status, got.text, got.body) == (200, "café", None)
    assert got.headers["vary"] == "a, b"  # a repeated header's values joined, as httpx did


def test_the_mock_side_gets_the_body_headers_and_query_as_sent(model: ApiModel) -> None:
    credentials = {"email": "q@example.com", "password": "passw0rd-long"}

    async def go() -> tuple[Answer, Answer]:
        side = MockSide(model.spec, seed=1)
        try:
            body = {**credentials, "name": "Q", "acceptTerms": True}
            await side.send(Request("POST", "/auth/register", body=body, has_body=True))
            login = await side.send(Request("POST", "/auth/login", body=credentials, has_body=True))
            auth = (("Authorization", f"Bearer {login.body['tokens']['accessToken']}"),)
            listed = await side.send(Request("GET", "/projects", headers=auth))
            refused = await side.send(Request("GET", "/projects", (("page", "x"),), auth))
            head = await side.send(Request("HEAD", "/projects", headers=auth))
            assert head.status == 200
            assert head.text == ""  # as on the wire, whatever the app sent
            return listed, refused
        finally:
            await side.aclose()

    listed, refused = asyncio.run(go())
    assert listed.status == 200
    assert listed.headers["content-type"] == "application/json"
    assert refused.status == 400
    assert "query.page" in refused.text


def test_a_head_answer_has_no_body_on_the_mock_side_as_on_the_wire(model: ApiModel) -> None:
    async def talkative(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"sent": "anyway"}'})

    async def go() -> tuple[Answer, Answer]:
        side = MockSide(model.spec, seed=1)
        side._app = talkative  # type: ignore[assignment]  # an app that answers HEAD with a body
        try:
            return await side.send(Request("HEAD", "/x")), await side.send(Request("GET", "/x"))
        finally:
            await side.aclose()

    head, get = asyncio.run(go())
    assert head.text == ""
    assert get.body == {"sent": "anyway"}
