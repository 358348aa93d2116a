"""The soak (``soak/``): short runs against real servers hold every invariant, and the checker
catches a lost write and a duplicate payment planted behind the clients' backs.

Only invariants are asserted, never timings. The long run (`make soak`, every target for a
minute) is marked ``soak`` and deselected by default: ``pytest -m soak`` selects it.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import httpx
import pytest

from soak import TARGETS, Unavailable, soak, start, verify
from soak.flows import run_clients

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("target", ["mock-memory", "provider-sqlite"])
def test_short_soak_keeps_every_invariant(target: str) -> None:
    with start(target) as server:
        result = soak(server, clients=4, seconds=3)
    assert result.problems == []
    assert result.stats.requests > 0
    assert result.stats.errors == 0
    assert set(result.stats.statuses) <= {200, 201}


def test_checker_flags_a_lost_write_and_a_duplicate_payment() -> None:
    with start("mock-memory") as server:
        ledgers, stats = asyncio.run(run_clients(server.url, clients=1, seconds=0.5))
        assert asyncio.run(verify(server.url, ledgers, stats)) == []
        state = httpx.get(server.url + "/__mock/state").json()
        collections = state["collections"]
        # Behind the client's back: one project gone, one payment made twice.
        lost = next(iter(collections["/projects"]))
        del collections["/projects"][lost]
        payment = next(iter(collections["/payments"].values()))
        copy = {**payment, "id": str(uuid.uuid4())}
        collections["/payments"][copy["id"]] = copy
        assert httpx.post(server.url + "/__mock/reset").status_code == 204
        assert httpx.put(server.url + "/__mock/state", json=state).status_code == 204
        problems = asyncio.run(verify(server.url, ledgers, stats))
    assert f"lost write: GET /projects/{lost} answered 404" in problems
    assert f"duplicate payment: order {payment['orderId']} has 2 succeeded payments" in problems


@pytest.mark.soak
@pytest.mark.parametrize("target", TARGETS)
def test_long_soak_keeps_every_invariant(target: str) -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", "60"))
    clients = int(os.environ.get("SOAK_CLIENTS", "16"))
    try:
        with start(target) as server:
            result = soak(server, clients=clients, seconds=seconds)
    except Unavailable as exc:
        pytest.skip(str(exc))
    assert result.problems == []
