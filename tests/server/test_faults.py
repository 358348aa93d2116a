"""Latency and faults: global (--latency, --chaos) and per request (Prefer), seeded."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from mockserver import create_app
from mockserver.errors import ConfigError
from mockserver.server.faults import Faults, parse_latency
from tests.conftest import SPEC, RunningServer


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100", (100.0, 100.0)), ("50-200", (50.0, 200.0)), (" 5 - 10 ms", (5.0, 10.0))],
)
def test_parse_latency_reads_fixed_and_ranges(text: str, expected: tuple[float, float]) -> None:
    assert parse_latency(text) == expected


@pytest.mark.parametrize("text", ["", "fast", "200-50", "-5", "1-999999"])
def test_parse_latency_rejects_nonsense(text: str) -> None:
    with pytest.raises(ConfigError, match="latency"):
        parse_latency(text)


def test_faults_are_replayed_by_the_same_seed() -> None:
    first = Faults(latency=(10, 100), chaos=0.3, seed=9)
    again = Faults(latency=(10, 100), chaos=0.3, seed=9)
    plans = [first.plan() for _ in range(200)]
    assert plans == [again.plan() for _ in range(200)]
    faults = [p.fault for p in plans if p.fault]
    assert 30 < len(faults) < 90
    assert {"drop", "503"} == set(faults)
    assert all(10 <= p.delay_ms <= 100 for p in plans)


def test_faults_without_configuration_do_nothing() -> None:
    faults = Faults()
    assert not faults.active
    assert {faults.plan() for _ in range(50)} == {faults.plan()}


def test_prefer_wins_over_global_faults() -> None:
    plan = Faults(chaos=1.0, seed=1).plan(delay=5, fault="500")
    assert (plan.delay_ms, plan.fault) == (5, "500")


@pytest.mark.slow
def test_http_prefer_fault_and_delay(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(create_app(SPEC))
    with httpx.Client(base_url=server.url + "/api/v1") as client:
        failed = client.get("/health", headers={"Prefer": "fault=503"})
        assert (failed.status_code, failed.headers["retry-after"]) == (503, "1")
        assert failed.json()["code"] == "injected_fault"
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/health", headers={"Prefer": "fault=drop"})
        started = time.perf_counter()
        assert client.get("/health", headers={"Prefer": "delay=300"}).status_code == 200
        assert time.perf_counter() - started >= 0.3
        assert client.get("/health", headers={"Prefer": "delay=soon"}).status_code == 400


@pytest.mark.slow
def test_http_chaos_fails_about_the_configured_share(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(create_app(SPEC, chaos=0.5, seed=3))
    outcomes = []
    for _ in range(60):
        with httpx.Client(base_url=server.url + "/api/v1") as client:
            try:
                outcomes.append(client.get("/health").status_code)
            except httpx.RemoteProtocolError:
                outcomes.append(0)
    failures = sum(status != 200 for status in outcomes)
    assert 15 <= failures <= 45
    assert set(outcomes) <= {0, 200, 503}


@pytest.mark.slow
def test_http_latency_delays_every_answer(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(create_app(SPEC, latency=(100, 150), seed=1))
    with httpx.Client(base_url=server.url + "/api/v1") as client:
        started = time.perf_counter()
        for _ in range(3):
            client.get("/health")
        assert time.perf_counter() - started >= 0.3
