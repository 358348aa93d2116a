"""`mockserver.conform.receiver`: the loopback server that records each webhook try."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from mockserver.conform.receiver import FLAKY, Receiver


def _post(url: str, body: bytes, **headers: str) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=5).status_code


def test_the_receiver_records_each_try_and_fails_the_first_try_of_each_event_when_flaky(
    receiver: Receiver,
) -> None:
    event = json.dumps({"id": "e1", "type": "payment.succeeded"}).encode()
    assert _post(f"{receiver.url}/provider/n1/steady0", event) == 204
    assert _post(f"{receiver.url}/provider/n1/{FLAKY}0", event) == 503
    assert _post(f"{receiver.url}/provider/n1/{FLAKY}0", event) == 204
    other = json.dumps({"id": "e2"}).encode()
    assert _post(f"{receiver.url}/provider/n1/{FLAKY}0", other) == 503
    tries = receiver.tries("/provider/n1/")
    assert [(t.endpoint, t.answered) for t in tries] == [
        ("steady0", 204),
        ("flaky0", 503),
        ("flaky0", 204),
        ("flaky0", 503),
    ]
    assert tries[0].body == event
    assert receiver.tries("/mock/n1/") == []


def test_the_receiver_reads_a_chunked_body(receiver: Receiver) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "e3", '
        yield b'"type": "payment.failed"}'

    response = httpx.post(f"{receiver.url}/mock/n2/steady0", content=chunks(), timeout=5)
    assert response.status_code == 204
    [delivery] = receiver.tries("/mock/n2/")
    assert delivery.event == {"id": "e3", "type": "payment.failed"}


def test_a_receiver_that_cannot_listen_says_where() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(Exception, match=f"cannot listen for webhooks on 127.0.0.1:{port}"):
            Receiver("127.0.0.1", port)


@pytest.mark.parametrize("settle", [0.0, -1.0, float("nan")])
def test_a_receiver_refuses_a_settle_time_that_is_not_positive(settle: float) -> None:
    with pytest.raises(Exception, match="expected a webhook settle time > 0 seconds"):
        Receiver(settle=settle)
