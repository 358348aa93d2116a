"""The two servers: a fresh in-process mock and a provider over HTTP."""

from __future__ import annotations

import asyncio

import pytest

from mockserver.conform.model import ApiModel
from mockserver.conform.sides import Answer, HttpSide, MockSide, Request
from mockserver.errors import ConformError
from tests.ports import free_port

ORDER = {
    "currency": "EUR",
    "items": [{"productId": "sku-1", "name": "Keyboard", "quantity": 2, "unitPrice": 4500}],
}


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
