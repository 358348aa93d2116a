"""Run-time scenarios: checked at the boundary, applied as a ``Prefer``, shared by the store."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from mockserver.compile.operations import Operation, compile_operations
from mockserver.errors import ConfigError
from mockserver.render.prefer import Preferences
from mockserver.server import scenarios as module
from mockserver.server.faults import Faults
from mockserver.server.latency import Delay
from mockserver.server.scenarios import Scenarios, parse_scenarios
from mockserver.store.memory import MemoryStore

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "T", "version": "1"},
    "paths": {
        "/things": {
            "get": {
                "operationId": "listThings",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"examples": {"two": {"value": [1, 2]}}}},
                    },
                    "5XX": {"description": "down"},
                },
            }
        },
        "/other": {"get": {"operationId": "other", "responses": {"default": {"description": "x"}}}},
    },
}
OPERATIONS: dict[str, Operation] = {
    op.operation_id or "": op for op in compile_operations(DOCUMENT)
}


def test_parse_scenarios_accepts_and_normalizes_valid_settings() -> None:
    checked = parse_scenarios(
        {"latency": [10, 20], "chaos": 0, "operations": {"listThings": {"status": 503}}},
        OPERATIONS,
    )
    assert checked == {
        "latency": [10.0, 20.0],
        "chaos": 0.0,
        "operations": {"listThings": {"status": 503, "example": None}},
    }
    # Any status goes where the operation declares a default.
    assert parse_scenarios({"operations": {"other": {"status": 418}}}, OPERATIONS)["operations"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected {"),
        ({"speed": 1}, "unknown scenario settings ['speed']"),
        ({"latency": [20, 10]}, "latency: expected [low, high]"),
        ({"latency": "fast"}, "latency: expected [low, high]"),
        ({"chaos": 2}, "chaos: expected a share"),
        ({"chaos": True}, "chaos: expected a share"),
        ({"operations": []}, "operations: expected an object"),
        ({"operations": {"nope": {}}}, "operations.nope: no operation has this operationId"),
        ({"operations": {"listThings": {"code": 1}}}, "operations.listThings: expected"),
        ({"operations": {"listThings": {"status": 99}}}, "status: expected an HTTP status"),
        (
            {"operations": {"listThings": {"status": 404}}},
            "does not declare 404; declared: 200, 5XX",
        ),
        (
            {"operations": {"listThings": {"example": "three"}}},
            "has no example 'three'; examples: two",
        ),
    ],
)
def test_parse_scenarios_says_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_scenarios(data, OPERATIONS)


def test_scenarios_force_what_the_client_did_not_ask_for() -> None:
    scenarios = Scenarios(Faults())
    checked = parse_scenarios(
        {"operations": {"listThings": {"status": 503, "example": "two"}}}, OPERATIONS
    )
    asyncio.run(scenarios.update(checked))
    forced = scenarios.preferences("listThings", Preferences())
    assert (forced.code, forced.example) == (503, "two")
    asked = scenarios.preferences("listThings", Preferences(code=200))
    assert (asked.code, asked.example) == (200, "two")
    assert scenarios.preferences("other", Preferences()) == Preferences()
    assert scenarios.preferences(None, Preferences()) == Preferences()


def test_scenarios_set_and_restore_the_global_latency_and_chaos() -> None:
    faults = Faults(latency=(1.0, 2.0))
    scenarios = Scenarios(faults)
    asyncio.run(scenarios.update({"latency": None, "chaos": 0.5, "operations": {}}))
    assert (faults.latency, faults.chaos, faults.active) == (None, 0.5, True)
    assert scenarios.to_json() == {"latency": None, "chaos": 0.5, "operations": {}}
    asyncio.run(scenarios.update(None))
    assert (faults.latency, faults.chaos) == (Delay("uniform", 1.0, 2.0), 0.0)
    assert scenarios.to_json()["latency"] == [1.0, 2.0]


def test_scenarios_reach_another_worker_through_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "REFRESH_SECONDS", 0.0)  # read the store at every request
    store = MemoryStore()
    here, there = Scenarios(Faults(), store), Scenarios(Faults(), store)

    async def scenario() -> None:
        await there.refresh()
        assert there.forced == {}
        checked = parse_scenarios({"operations": {"listThings": {"status": 503}}}, OPERATIONS)
        await here.update(checked)
        await there.refresh()
        assert there.forced["listThings"].status == 503
        await here.update(None)
        await there.refresh()
        assert there.forced == {}

    asyncio.run(scenario())


def test_scenarios_read_the_store_at_most_every_refresh_period() -> None:
    store = MemoryStore()
    here, there = Scenarios(Faults(), store), Scenarios(Faults(), store)

    async def scenario() -> None:
        await there.refresh()  # read now: the next read waits for REFRESH_SECONDS
        await here.update({"latency": None, "chaos": 0.0, "operations": {}})
        await store.set_value("console:scenarios", {"chaos": 0.25})
        await there.refresh()
        assert there.to_json()["chaos"] == 0.0

    asyncio.run(scenario())
