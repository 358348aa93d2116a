"""Several specs on one port (`mockserver.server.mounts`): each under its own base path, one
journal and one ``/__mock/`` for all, a clash of base paths refused before anything serves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockserver.errors import ConfigError
from mockserver.server.latency import Delay
from mockserver.server.mounts import MountedApp, create_mounted_app, mounts
from tests.inprocess import BUNDLED, InProcess

SHOP = Path(__file__).resolve().parent.parent / "specs" / "engine" / "shop.yaml"
MakeMock = Callable[..., InProcess]


def _document(base: str | None) -> dict[str, Any]:
    servers = [] if base is None else [{"url": f"https://example.com{base}"}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ping", "version": "1"},
        "servers": servers,
        "paths": {"/ping": {"get": {"operationId": "ping", "responses": {"200": {
            "description": "pong",
            "content": {"application/json": {"schema": {"type": "object"},
                                              "example": {"pong": True}}}}}}}},
    }  # fmt: skip


def test_mounts_take_each_base_path_from_servers_or_the_prefix() -> None:
    found = mounts([(None, BUNDLED), (None, SHOP), ("/ping/", _document(None))])
    assert [m.base_path for m in found] == ["/api/v1", "/v2", "/ping"]
    assert found[2].spec.base_path == "/ping"  # the engine routes under the prefix
    assert mounts([("/", _document("/x"))])[0].base_path == ""


def test_mounts_refuse_two_specs_at_one_base_path() -> None:
    with pytest.raises(ConfigError) as caught:
        mounts([(None, SHOP), ("/v2", _document(None))])
    message = str(caught.value)
    assert "are both served at base path '/v2'" in message
    assert str(SHOP) in message
    assert "--mount PREFIX=" in message


def test_mounts_refuse_two_specs_without_servers_at_the_root() -> None:
    with pytest.raises(ConfigError, match="both served at base path '/'"):
        mounts([(None, _document(None)), (None, _document(""))])


def test_mounts_refuse_the_admin_prefix_and_nothing_at_all() -> None:
    with pytest.raises(ConfigError, match="is the admin API's"):
        mounts([("/__mock/x", _document(None))])
    with pytest.raises(ConfigError, match="at least one spec"):
        mounts([])


def test_create_mounted_app_refuses_shared_state() -> None:
    with pytest.raises(ConfigError, match="drop --state-url"):
        create_mounted_app([(None, SHOP)], state_url="redis://127.0.0.1:1/0")


@pytest.fixture
def mounted(make_mock: MakeMock) -> InProcess:
    app = create_mounted_app([(None, BUNDLED), (None, SHOP), ("/ping", _document(None))], seed=1)
    assert isinstance(app, MountedApp)
    return make_mock(app)


def test_mounted_app_answers_each_spec_under_its_base_path(mounted: InProcess) -> None:
    assert mounted.request("GET", "/api/v1/health").json()["status"] == "ok"
    assert mounted.request("GET", "/v2/items/featured").status_code == 200
    assert mounted.request("GET", "/ping/ping").json() == {"pong": True}
    # Each mock answers its own 404 under its base path.
    missing = mounted.request("GET", "/v2/nothing")
    assert (missing.status_code, missing.json()["code"]) == (404, "no_such_path")


def test_mounted_app_answers_a_path_no_mount_serves_with_a_problem(mounted: InProcess) -> None:
    answer = mounted.request("GET", "/v3/items")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == (
        "No mounted spec serves /v3/items; the base paths are /api/v1, /ping, /v2."
    )
    # A base path is a whole segment: /v2x is not under /v2.
    assert mounted.request("GET", "/v2x/items").status_code == 404


def test_mounted_app_has_one_journal_and_one_admin_api(mounted: InProcess) -> None:
    mounted.request("GET", "/api/v1/health")
    mounted.request("GET", "/ping/ping")
    health = mounted.admin("GET", "/health").json()
    assert [m["basePath"] for m in health["mounts"]] == ["/api/v1", "/v2", "/ping"]
    assert health["journalEntries"] == 2
    paths = [e["path"] for e in mounted.admin("GET", "/journal").json()["entries"]]
    assert sorted(paths) == ["/api/v1/health", "/ping/ping"]
    assert mounted.admin("POST", "/reset").status_code == 204
    assert mounted.admin("GET", "/journal").json()["entries"] == []


def test_mounted_app_state_endpoints_name_the_mount(mounted: InProcess) -> None:
    which = mounted.admin("GET", "/state")
    assert which.status_code == 400
    assert "add ?mount= with one of /api/v1, /v2, /ping" in which.json()["detail"]
    assert mounted.admin("GET", "/state?mount=/v2").status_code == 200
    assert mounted.admin("GET", "/state", params={"mount": "ping"}).status_code == 200


def test_mounted_app_keeps_each_mocks_state_apart(mounted: InProcess) -> None:
    created = mounted.request("POST", "/v2/items", json={"name": "Saw", "price": 19.0})
    assert created.status_code == 201
    shop = mounted.admin("GET", "/state?mount=/v2").json()["collections"]
    api = mounted.admin("GET", "/state?mount=/api/v1").json()["collections"]
    assert any(records for records in shop.values())
    assert not any(records for records in api.values())


def test_create_mounted_app_gives_each_mock_the_latencies_its_spec_names() -> None:
    app = create_mounted_app(
        [(None, BUNDLED), (None, SHOP), ("/ping", _document(None))],
        operation_latency={"getHealth": "5ms", "GET /v2/items/featured": "7ms", "ping": "9ms"},
    )
    api, shop, ping = (list(e.faults.per_operation.values()) for e in app.state.engines)
    assert (api, shop, ping) == (
        [Delay("fixed", 5, 5)],
        [Delay("fixed", 7, 7)],
        [Delay("fixed", 9, 9)],
    )


def test_create_mounted_app_refuses_a_latency_no_mounted_spec_names() -> None:
    with pytest.raises(ConfigError, match="no operation of any mounted spec is called 'pnig'"):
        create_mounted_app(
            [(None, SHOP), ("/ping", _document(None))], operation_latency={"pnig": "1ms"}
        )
