"""Graceful shutdown of ``mockserver serve`` with webhook deliveries still under way.

A real ``mockserver serve`` subprocess, stopped with SIGTERM as a supervisor would, delivers
to a real receiver (uvicorn on loopback, `tests.events.test_webhooks.Receiver`). Whatever the mock
could not deliver before it exits must not vanish: with ``--state-url`` the delivery is in
the Redis journal as failed (``reason: "shutdown"``, read back through a mock started after
the first one is gone), in memory it is in the server's log; either way the process exits 0.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.cli.test_workers import Mock
from tests.conftest import RunningServer
from tests.events.test_webhooks import Mock as User
from tests.events.test_webhooks import Receiver
from tests.redis_server import RedisServer, redis_server

pytestmark = pytest.mark.slow

HOOK = "/hooks/shutdown"


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


def _terminate(mock: Mock) -> str:
    """SIGTERM the mock and wait for it; its stderr, once it exited 0 without a traceback."""
    mock.process.send_signal(signal.SIGTERM)
    _, err = mock.process.communicate(timeout=60)
    assert mock.process.returncode == 0, err
    assert "Traceback" not in err, err
    return err


def _pay_and_stop(mock: Mock, receiver: Receiver) -> str:
    """Register an endpoint at ``receiver``, pay, SIGTERM once the first try arrived; stderr."""
    try:
        user = User(mock.url)
        try:
            user.endpoint(receiver.url + HOOK, ["payment.succeeded"])
            assert user.pay().status_code == 201
            receiver.wait_for(1, HOOK)
        finally:
            user.http.close()
    except BaseException:
        mock.stop()
        raise
    return _terminate(mock)


def _journaled(url: str) -> dict[str, Any]:
    """The one webhook entry in the Redis journal at ``url``, read by a fresh mock."""
    reader = Mock("--state-url", url)
    try:
        answer = reader.admin("GET", "/journal", params={"operationId": "paymentSucceededWebhook"})
        [entry] = answer.json()["entries"]
    finally:
        assert "Traceback" not in reader.stop()
    hook: dict[str, Any] = entry["webhook"]
    assert entry["status"] == hook["tries"][-1]["status"]
    return hook


@pytest.fixture
def receiver(make_server: Callable[..., RunningServer]) -> Iterator[Callable[..., Receiver]]:
    """``receiver(fail_first=N)``: a running receiver; its held answers are let go at the end."""
    made: list[Receiver] = []

    def build(*, fail_first: int = 0) -> Receiver:
        receiver = Receiver(fail_first=fail_first)
        receiver.url = make_server(receiver.app()).url
        made.append(receiver)
        return receiver

    yield build
    for receiver in made:
        receiver.gate.set()


def test_sigterm_journals_a_retrying_delivery_as_failed_in_redis(
    redis: RedisServer, receiver: Callable[..., Receiver]
) -> None:
    failing = receiver(fail_first=99)
    url = redis.url()
    # The retry would be due in a minute, long past the grace: it is given up at once.
    _pay_and_stop(Mock("--state-url", url, "--webhook-backoff", "60"), failing)
    hook = _journaled(url)
    assert (hook["delivered"], hook["reason"], hook["attempts"]) == (False, "shutdown", 1)
    assert hook["tries"] == [{"status": 500}]
    assert hook["url"] == failing.url + HOOK
    assert len(failing.to(HOOK)) == 1


def test_sigterm_logs_a_retrying_delivery_as_failed_in_memory(
    receiver: Callable[..., Receiver],
) -> None:
    failing = receiver(fail_first=99)
    err = _pay_and_stop(Mock("--webhook-backoff", "60"), failing)
    [event] = {d.event["id"] for d in failing.to(HOOK)}
    expected = f"webhook payment.succeeded {event} to {failing.url + HOOK} failed (shutdown)"
    assert f"{expected} after 1 attempts" in err


def test_sigterm_still_makes_a_retry_due_within_the_grace(
    redis: RedisServer, receiver: Callable[..., Receiver]
) -> None:
    flaky = receiver(fail_first=1)
    url = redis.url()
    # Retry after 1 s, inside the default 5 s grace: SIGTERM does not cut it short.
    err = _pay_and_stop(Mock("--state-url", url, "--webhook-backoff", "1"), flaky)
    assert len(flaky.to(HOOK)) == 2
    assert "failed" not in err
    hook = _journaled(url)
    assert (hook["delivered"], hook["attempts"], "reason" in hook) == (True, 2, False)
    assert hook["tries"] == [{"status": 500}, {"status": 204}]


def test_sigterm_cuts_a_try_held_past_the_grace_and_journals_it(
    redis: RedisServer, receiver: Callable[..., Receiver]
) -> None:
    holding = receiver()
    holding.gate.clear()  # the receiver never answers while the mock runs
    url = redis.url()
    _pay_and_stop(Mock("--state-url", url, "--webhook-grace", "0.2"), holding)
    hook = _journaled(url)
    assert (hook["delivered"], hook["reason"], hook["attempts"]) == (False, "shutdown", 1)
    assert hook["tries"] == [{"status": 0, "error": "no answer before shutdown"}]


def test_sigterm_with_nothing_in_flight_exits_at_once_with_0() -> None:
    mock = Mock()
    assert httpx.get(mock.url + "/__mock/health").status_code == 200
    assert "webhook" not in _terminate(mock)
