"""The state on a real ``redis-server`` (`mockserver.store.redis_store`), in the fast tier.

One ``redis-server`` per test session (the ``shared_redis`` fixture: skipped with the install
hint when the binary is missing); every test takes a fresh key prefix, so tests share it
without resets. The mock runs in-process on ``--state-url``, so a flow touches every kind of
key the store keeps: records, counters with expiry, locks, idempotency keys, the journal and
pub/sub.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from mockserver import RedisStore, create_app
from mockserver.errors import ConfigError, StateUnavailableError
from mockserver.store.redis_store import open_state, shared_secret
from tests.inprocess import BUNDLED, InProcess
from tests.ports import free_port
from tests.redis_server import RedisServer

MakeMock = Callable[..., InProcess]
ORDER = {
    "currency": "USD",
    "items": [{"productId": "sku-1", "name": "Pen", "quantity": 3, "unitPrice": 150}],
}


@pytest.fixture
def shared(make_mock: MakeMock, shared_redis: RedisServer) -> Callable[[], InProcess]:
    """``shared()``: another mock of the bundled spec on the same Redis prefix (a worker)."""
    url = shared_redis.url()

    def worker() -> InProcess:
        return make_mock(state_url=url)

    return worker


def test_redis_state_serves_a_whole_flow(shared: Callable[[], InProcess]) -> None:
    mock = shared()
    ada = mock.user("ada@example.com")
    project = ada.post("/projects", json={"name": "On Redis"}).json()
    task = ada.post(f"/projects/{project['id']}/tasks", json={"title": "T"}).json()
    assert ada.get(f"/projects/{project['id']}").json() == project
    assert [p["id"] for p in ada.get("/projects").json()["data"]] == [project["id"]]
    assert (
        ada.patch(f"/projects/{project['id']}/tasks/{task['id']}", json={"status": "done"}).json()[
            "status"
        ]
        == "done"
    )
    assert ada.delete(f"/projects/{project['id']}").status_code == 204
    assert ada.get(f"/projects/{project['id']}/tasks/{task['id']}").status_code == 404

    order = ada.post("/orders", json=ORDER).json()
    pay = {"json": {"paymentMethod": "pm_card_visa"}, "headers": {"Idempotency-Key": "once"}}
    first = ada.post(f"/orders/{order['id']}/payments", **pay)
    replay = ada.post(f"/orders/{order['id']}/payments", **pay)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert (replay.json(), replay.headers["idempotent-replayed"]) == (first.json(), "true")
    assert len(ada.get("/payments").json()["data"]) == 1


def test_redis_state_is_one_mock_for_every_worker_on_the_prefix(
    shared: Callable[[], InProcess],
) -> None:
    first, second = shared(), shared()
    ada = first.user("ada@example.com")
    project = ada.post("/projects", json={"name": "Shared"}).json()
    # The other worker accepts the first one's token and sees its records.
    assert second.request("GET", f"/projects/{project['id']}", token=ada.token).json() == project
    refused = second.request(
        "POST",
        "/auth/register",
        json={
            "email": "ada@example.com",
            "password": "passw0rd-1",
            "name": "A",
            "acceptTerms": True,
        },
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "email_taken")
    journal = second.admin("GET", "/journal", params={"operationId": "createProject"}).json()
    assert [e["status"] for e in journal["entries"]] == [201]


def test_redis_login_throttle_counts_failures_across_workers(
    shared: Callable[[], InProcess],
) -> None:
    first, second = shared(), shared()
    first.user("ada@example.com")
    wrong = {"email": "ada@example.com", "password": "wrong-password"}
    for mock in (first, second, first, second, first):
        assert mock.request("POST", "/auth/login", json=wrong).status_code == 401
    blocked = second.request("POST", "/auth/login", json={**wrong, "password": "passw0rd-long"})
    assert blocked.status_code == 429
    assert 890 <= int(blocked.headers["retry-after"]) <= 900


def test_redis_logout_everywhere_reaches_every_worker(shared: Callable[[], InProcess]) -> None:
    first, second = shared(), shared()
    ada = first.user("ada@example.com")
    assert second.request("GET", "/auth/me", token=ada.token).status_code == 200
    assert ada.post("/auth/logout", json={"allDevices": True}).status_code == 204
    assert second.request("GET", "/auth/me", token=ada.token).status_code == 401


def test_redis_state_exports_imports_and_resets(shared: Callable[[], InProcess]) -> None:
    mock = shared()
    ada = mock.user("ada@example.com")
    project = ada.post("/projects", json={"name": "Kept"}).json()
    exported = mock.admin("GET", "/state").json()
    assert set(exported["collections"]) == {"__users__", "/projects"}
    assert mock.admin("POST", "/reset").status_code == 204
    assert mock.admin("GET", "/state").json() == {"collections": {}}
    assert mock.admin("GET", "/journal").json() == {"entries": []}
    assert mock.admin("PUT", "/state", json=exported).status_code == 204
    assert mock.admin("GET", "/state").json() == exported
    login = {"email": "ada@example.com", "password": "passw0rd-long"}
    token = mock.request("POST", "/auth/login", json=login).json()["tokens"]["accessToken"]
    assert mock.request("GET", f"/projects/{project['id']}", token=token).json() == project


def test_redis_journal_filters_and_counts(shared: Callable[[], InProcess]) -> None:
    mock = shared()
    mock.request("GET", "/health")
    mock.request("GET", "/nowhere", check=False)
    mock.request("POST", "/auth/login", json={"email": "nobody@example.com", "password": "x"})
    everything = mock.admin("GET", "/journal").json()["entries"]
    assert [e["status"] for e in everything] == [200, 404, 401]
    assert [e["id"] for e in everything] == sorted(e["id"] for e in everything)
    assert mock.admin("GET", "/health").json()["journalEntries"] == 3
    only = mock.admin("GET", "/journal", params={"path": "/api/v1/no*", "method": "get"})
    assert [e["status"] for e in only.json()["entries"]] == [404]
    latest = mock.admin("GET", "/journal", params={"limit": 1, "since": everything[0]["id"]})
    assert [e["status"] for e in latest.json()["entries"]] == [401]
    assert mock.admin("DELETE", "/journal").status_code == 204
    assert mock.admin("GET", "/health").json()["journalEntries"] == 0


def test_redis_carries_session_events_between_workers(shared: Callable[[], InProcess]) -> None:
    first, second = shared(), shared()
    ada = first.user()
    session = ada.post("/sessions", json={"name": "Tab"}).json()
    socket = second.connect(f"/sessions/{session['id']}/events", query=f"access_token={ada.token}")
    second.run(socket.accepted())
    assert ada.patch(f"/sessions/{session['id']}", json={"status": "idle"}).status_code == 200
    event = second.run(socket.receive_json())
    assert (event["type"], event["session"]["status"]) == ("session.updated", "idle")
    assert ada.post(f"/sessions/{session['id']}/end").status_code == 200
    assert second.run(socket.receive_json())["type"] == "session.ended"
    assert second.run(socket.close_code()) == 1000


# -- the store itself -------------------------------------------------------------------------


def test_redis_lock_excludes_holders_in_one_process_and_across_stores(
    shared_redis: RedisServer,
) -> None:
    prefix = shared_redis.prefix()

    async def scenario() -> list[str]:
        stores = [RedisStore(shared_redis.address, prefix=prefix) for _ in range(2)]
        events: list[str] = []

        async def hold(store: RedisStore, name: str) -> None:
            async with store.lock("pay:order-1"):
                events.append(f"{name} in")
                await asyncio.sleep(0.02)
                events.append(f"{name} out")

        try:
            await asyncio.gather(hold(stores[0], "a"), hold(stores[0], "b"), hold(stores[1], "c"))
        finally:
            for store in stores:
                await store.aclose()
        return events

    events = asyncio.run(scenario())
    assert len(events) == 6
    # Never two inside at once: every "in" is followed by its own "out".
    assert all(events[i][0] == events[i + 1][0] for i in range(0, 6, 2))


def test_redis_values_expire_and_counters_count_once_created(shared_redis: RedisServer) -> None:
    async def scenario() -> tuple[Any, ...]:
        store = RedisStore(shared_redis.address, prefix=shared_redis.prefix())
        try:
            await store.set_value("short", {"v": 1}, ttl=0.05)
            await store.set_value("kept", [1, 2])
            counts = [await store.incr("n", ttl=60) for _ in range(3)]
            ttl = await store.ttl("n")
            await asyncio.sleep(0.1)
            gone = await store.get_value("short")
            await store.delete_value("kept")
            return (
                counts,
                59 < ttl <= 60,
                gone,
                await store.get_value("kept"),
                await store.ttl("none"),
            )
        finally:
            await store.aclose()

    assert asyncio.run(scenario()) == ([1, 2, 3], True, None, None, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get("/c", "1"),
        lambda s: s.put("/c", "1", {"id": "1"}),
        lambda s: s.values("/c"),
        lambda s: s.incr("n", ttl=None),
        lambda s: s.export(),
        lambda s: s.load({"collections": {"/c": {"1": {"id": "1"}}}}),
        lambda s: s.reset(),
        lambda s: s.publish("ch", {"n": 1}),
        lambda s: s.journal().count(),
    ],
    ids=["get", "put", "values", "incr", "export", "load", "reset", "publish", "journal"],
)
def test_redis_store_turns_an_unreachable_server_into_state_unavailable(call: Any) -> None:
    async def scenario() -> None:
        store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", prefix="gone:")
        try:
            with pytest.raises(StateUnavailableError, match="cannot be reached"):
                await call(store)
            with pytest.raises(StateUnavailableError):
                async with store.subscribe("ch"):
                    pass
        finally:
            await store.aclose()

    asyncio.run(scenario())


def test_open_state_shares_one_signing_key_per_prefix(shared_redis: RedisServer) -> None:
    prefix = shared_redis.prefix()

    async def close(store: RedisStore) -> None:
        await store.aclose()

    opened = [open_state(shared_redis.url(prefix)) for _ in range(2)]
    try:
        assert opened[0][2] == opened[1][2]
        assert len(opened[0][2]) >= 32
        assert shared_secret(shared_redis.address, prefix, "configured") == "configured"
    finally:
        for store, _, _ in opened:
            asyncio.run(close(store))


def test_create_app_refuses_an_unreachable_state_url_at_start_up() -> None:
    url = f"redis://user:hunter2@127.0.0.1:{free_port()}/0"
    with pytest.raises(ConfigError) as refused:
        create_app(BUNDLED, state_url=url)
    assert "cannot reach Redis" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    with pytest.raises(ConfigError, match="not both"):
        create_app(BUNDLED, state_url=url, store=RedisStore(url))
