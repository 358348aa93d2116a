"""`mockserver.diff.broker` reading the broker's documents in-process (the fast tier): the same
broker app as `tests.diff.test_broker` (which serves it on loopback), reached through an
httpx transport that hands each request to the ASGI app."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from mockserver.diff.broker import Broker, fetch_broker_pacts
from mockserver.diff.impact import read_pacts
from mockserver.errors import DiffError
from tests.diff.test_broker import PACTS, PASSWORD, PROVIDER, TOKEN, USER, broker_app

URL = "http://broker.test"


def through(app: Starlette) -> httpx.MockTransport:
    """A sync transport that answers each request with ``app``'s answer."""

    def handle(request: httpx.Request) -> httpx.Response:
        async def ask() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport) as client:
                answer = await client.request(
                    request.method, request.url, headers=request.headers, content=request.content
                )
                return httpx.Response(
                    answer.status_code, headers=answer.headers, content=answer.content
                )

        return asyncio.run(ask())

    return httpx.MockTransport(handle)


def test_the_documents_give_the_interactions_of_the_pact_files() -> None:
    fetched = fetch_broker_pacts(
        Broker(URL, PROVIDER, token=TOKEN), transport=through(broker_app())
    )
    expected = {(i.consumer, i.description) for i in read_pacts(PACTS)}
    assert {(i.consumer, i.description) for i in fetched} == expected


def test_basic_auth_and_the_documented_path_without_an_index_link() -> None:
    app = broker_app(auth="basic", index_links=False)
    broker = Broker(URL, PROVIDER, username=USER, password=PASSWORD)
    fetched = fetch_broker_pacts(broker, transport=through(app))
    assert {i.consumer for i in fetched} == {"platform-web", "platform-web-js"}


def test_a_tag_reads_the_tagged_pacts_only() -> None:
    app = broker_app(tags={"prod": ["platform-web"]})
    broker = Broker(URL, PROVIDER, token=TOKEN, tag="prod")
    assert {i.consumer for i in fetch_broker_pacts(broker, transport=through(app))} == {
        "platform-web"
    }


@pytest.mark.parametrize(
    ("broker", "said"),
    [
        (Broker(URL, PROVIDER, token="wrong"), "refused GET http://broker.test/ with 401"),
        (Broker(URL, PROVIDER), "(no credentials were given)"),
        (Broker(URL, "billing-api", token=TOKEN), "no pacts for provider 'billing-api'"),
    ],
)
def test_refusals_and_an_unknown_provider_are_named(broker: Broker, said: str) -> None:
    with pytest.raises(DiffError) as caught:
        fetch_broker_pacts(broker, transport=through(broker_app()))
    assert said in str(caught.value)


def test_an_answer_that_is_not_json_says_what_it_was() -> None:
    async def text(request: object) -> PlainTextResponse:
        return PlainTextResponse("a login page")

    app = Starlette(routes=[Route("/{path:path}", text)])
    with pytest.raises(DiffError, match=r"is not JSON \(text/plain; charset=utf-8\)"):
        fetch_broker_pacts(Broker(URL, PROVIDER, token=TOKEN), transport=through(app))
