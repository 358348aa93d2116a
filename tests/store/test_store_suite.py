"""One suite for every `Store` and journal: in memory, and on a real ``redis-server``.

Each test takes ``make_store`` (parametrized over the implementations; the Redis half is in
the slow tier); a Redis store gets a fresh key prefix per test, so the tests share one
server. Tests that need two processes' view of the state open two stores on the same prefix,
as two workers would.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import redis

from mockserver.errors import ConfigError
from mockserver.store.journal import Journal, MemoryJournal
from mockserver.store.memory import MemoryStore, Store
from mockserver.store.redis_store import (
    DEFAULT_PREFIX,
    RedisJournal,
    RedisStore,
    parse_state_url,
    shared_secret,
)
from tests.redis_server import RedisServer, redis_server

MakeStore = Callable[[], Store]
Scenario = Callable[[MakeStore], Awaitable[None]]


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def make_store(request: pytest.FixtureRequest) -> MakeStore:
    """Opens a store; on Redis every store of one test shares a prefix (one mock, N workers)."""
    if request.param == "memory":
        memory = MemoryStore()
        return lambda: memory
    running: RedisServer = request.getfixturevalue("server")
    prefix = running.prefix()
    return lambda: RedisStore(running.address, prefix=prefix)


def run(make_store: MakeStore, scenario: Scenario) -> None:
    """Run ``scenario`` in a fresh event loop; every store it opened is closed after."""
    opened: list[Store] = []

    def tracked() -> Store:
        store = make_store()
        opened.append(store)
        return store

    async def main() -> None:
        try:
            await scenario(tracked)
        finally:
            for store in opened:
                await store.aclose()

    asyncio.run(main())


# -- records --------------------------------------------------------------------------------


def test_store_records_round_trip_by_collection(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        record = {"id": "p1", "name": "Apollo", "tags": ["a"], "meta": {"n": 1}, "x": None}
        await store.put("/projects", "p1", record)
        await store.put("/projects", "p2", {"id": "p2"})
        await store.put("/tasks", "p1", {"id": "p1", "title": "other collection"})
        assert await store.get("/projects", "p1") == record
        assert await store.get("/tasks", "p1") == {"id": "p1", "title": "other collection"}
        listed = sorted(await store.values("/projects"), key=lambda r: str(r["id"]))
        assert listed == [record, {"id": "p2"}]

    run(make_store, scenario)


def test_store_records_are_copied_in_and_out(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        record: dict[str, Any] = {"id": "p1", "tags": ["a"]}
        await store.put("/projects", "p1", record)
        record["tags"].append("changed after put")
        got = await store.get("/projects", "p1")
        assert got == {"id": "p1", "tags": ["a"]}
        assert got is not None
        got["tags"].append("changed after get")
        assert await store.get("/projects", "p1") == {"id": "p1", "tags": ["a"]}

    run(make_store, scenario)


def test_store_missing_records_are_none_and_deleting_them_is_false(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        assert await store.get("/projects", "nope") is None
        assert await store.values("/projects") == []
        assert await store.delete("/projects", "nope") is False
        await store.put("/projects", "p1", {"id": "p1"})
        assert await store.delete("/projects", "p1") is True
        assert await store.get("/projects", "p1") is None
        assert await store.delete("/projects", "p1") is False

    run(make_store, scenario)


# -- values, counters, expiry -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [{"a": [1, 2.5, None, True]}, ["x"], "text", 7, True, {"nested": {"deep": {}}}]
)
def test_store_values_round_trip_json(make_store: MakeStore, value: Any) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        assert await store.get_value("k") is None
        await store.set_value("k", value)
        assert await store.get_value("k") == value
        await store.delete_value("k")
        assert await store.get_value("k") is None
        await store.delete_value("k")  # deleting what is gone is fine

    run(make_store, scenario)


def test_store_incr_counts_and_keeps_the_first_expiry(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        assert await store.ttl("counter") == 0.0
        assert [await store.incr("counter", ttl=300) for _ in range(3)] == [1, 2, 3]
        assert await store.get_value("counter") == 3
        left = await store.ttl("counter")
        assert 0 < left <= 300
        assert await store.incr("counter", ttl=9000) == 4
        assert await store.ttl("counter") <= 300  # a later ttl does not extend the window

    run(make_store, scenario)


def test_store_incr_without_ttl_never_expires(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        assert await store.incr("sequence", ttl=None) == 1
        assert await store.incr("sequence", ttl=None) == 2
        assert await store.ttl("sequence") == 0.0
        await store.set_value("from-import", 41)
        assert await store.incr("from-import", ttl=None) == 42

    run(make_store, scenario)


def test_store_values_expire_after_their_ttl(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        await store.set_value("short", "soon gone", ttl=0.05)
        await store.set_value("long", "stays", ttl=3600)
        await store.set_value("forever", "stays")
        await store.incr("attempts", ttl=0.05)
        assert 0 < await store.ttl("long") <= 3600
        assert await store.ttl("forever") == 0.0
        # Expiry is waited for, not timed: the pytest timeout bounds a store that never expires.
        while await store.get_value("short") is not None or await store.ttl("attempts") > 0:
            await asyncio.sleep(0.01)
        assert await store.get_value("attempts") is None
        assert await store.incr("attempts", ttl=60) == 1  # a new window starts at one
        assert await store.get_value("long") == "stays"
        assert await store.get_value("forever") == "stays"

    run(make_store, scenario)


def test_store_value_set_again_without_ttl_no_longer_expires(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        await store.set_value("token", {"used": False}, ttl=3600)
        await store.set_value("token", {"used": True})
        assert await store.ttl("token") == 0.0
        assert await store.get_value("token") == {"used": True}
        await store.delete_value("token")
        assert await store.get_value("token") is None

    run(make_store, scenario)


def test_memory_values_with_a_ttl_leave_no_container_for_the_collector() -> None:
    # A refresh token per login: had each value a tracked container of its own (a tuple of
    # value and expiry), a login load would set off a collection every 700 logins, each
    # walking the young journal entries (2% of a login's CPU, measured).
    async def scenario() -> int:
        store = MemoryStore()
        await store.set_value("warm", {"userId": "u"}, ttl=60)
        before = gc.get_count()[0]
        for index in range(1_000):
            await store.set_value(f"refresh:{index}", {"userId": "u", "used": False}, ttl=60)
            await store.incr(f"failures:{index}", ttl=60)
        return gc.get_count()[0] - before

    gc.disable()
    try:
        grown = asyncio.run(scenario())
    finally:
        gc.enable()
    assert grown < 100  # not one per value


# -- export, load, reset --------------------------------------------------------------------


def test_store_export_load_and_reset(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        await store.put("/projects", "p1", {"id": "p1", "name": "A"})
        await store.put("/projects/{projectId}/tasks", "t1", {"id": "t1", "done": False})
        await store.set_value("identity:ada@example.com", "u1")
        await store.incr("login-failures:ada@example.com", ttl=60)
        exported = await store.export()
        assert exported == {
            "collections": {
                "/projects": {"p1": {"id": "p1", "name": "A"}},
                "/projects/{projectId}/tasks": {"t1": {"id": "t1", "done": False}},
            }
        }
        await store.reset()
        assert await store.export() == {"collections": {}}
        assert await store.get_value("identity:ada@example.com") is None
        assert await store.get_value("login-failures:ada@example.com") is None
        await store.put("/projects", "p0", {"id": "p0"})
        await store.load(exported)
        await store.load({"collections": {"/empty": {}}})
        assert sorted((await store.export())["collections"]["/projects"]) == ["p0", "p1"]
        assert await store.get("/projects/{projectId}/tasks", "t1") == {"id": "t1", "done": False}

    run(make_store, scenario)


# -- locks ------------------------------------------------------------------------------------


def test_store_lock_excludes_concurrent_writers(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        workers = [open_store(), open_store()]  # one store on Redis: two clients, like 2 workers
        await workers[0].set_value("balance", 0)

        async def deposit(store: Store) -> None:
            async with store.lock("balance"):
                seen = await store.get_value("balance")
                await asyncio.sleep(0)  # let every other writer run, and fail to get in
                await store.set_value("balance", seen + 1)

        await asyncio.gather(*(deposit(workers[i % 2]) for i in range(40)))
        assert await workers[1].get_value("balance") == 40

    run(make_store, scenario)


def test_store_locks_of_different_keys_do_not_exclude_each_other(make_store: MakeStore) -> None:
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        async with store.lock("a"), store.lock("b"):
            await store.set_value("both", True)
        async with store.lock("a"):  # released on exit, even after an error inside
            pass
        with pytest.raises(RuntimeError):
            async with store.lock("a"):
                raise RuntimeError("boom")
        async with store.lock("a"):
            assert await store.get_value("both") is True

    run(make_store, scenario)


def test_store_forgets_the_locks_of_idle_keys(make_store: MakeStore) -> None:
    # One key per login identity and per idempotency key: a lock kept per key ever seen
    # would grow with every request of a long run.
    async def scenario(open_store: MakeStore) -> None:
        store = open_store()
        locks = store.locks if isinstance(store, MemoryStore) else store.local_locks  # type: ignore[attr-defined]
        holding = asyncio.Event()
        release = asyncio.Event()

        async def hold(key: str) -> None:
            async with store.lock(key):
                holding.set()
                await release.wait()

        async def wait_for(key: str) -> None:
            async with store.lock(key):
                pass

        first = asyncio.create_task(hold("k"))
        await holding.wait()
        second = asyncio.create_task(wait_for("k"))
        await asyncio.sleep(0.05)
        assert len(locks) == 1  # held and waited for: one lock, shared
        # A waiter cancelled while queued leaves no trace: the lock goes with its holder.
        cancelled = asyncio.create_task(wait_for("k"))
        await asyncio.sleep(0.05)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        release.set()
        await asyncio.gather(first, second)
        assert len(locks) == 0
        for n in range(200):
            async with store.lock(f"idempotency:{n}"):
                pass
        assert len(locks) == 0

    run(make_store, scenario)


# -- publish / subscribe ----------------------------------------------------------------------


def test_store_subscribers_get_what_is_published_after_they_subscribe(
    make_store: MakeStore,
) -> None:
    async def scenario(open_store: MakeStore) -> None:
        publisher, listener = open_store(), open_store()
        await publisher.publish("session:1", {"n": 0})  # nobody listens: dropped
        async with (
            listener.subscribe("session:1") as first,
            listener.subscribe("session:1") as second,
            listener.subscribe("session:2") as other,
        ):
            for n in (1, 2, 3):
                await publisher.publish("session:1", {"n": n, "data": {"nested": [n]}})
            await publisher.publish("session:2", {"n": "other channel"})
            for subscription in (first, second):
                messages = aiter(subscription)
                got = [await anext(messages) for _ in range(3)]
                assert got == [{"n": n, "data": {"nested": [n]}} for n in (1, 2, 3)]
            assert await anext(aiter(other)) == {"n": "other channel"}
        await publisher.publish("session:1", {"n": "after"})  # subscribers gone: fine

    run(make_store, scenario)


# -- Redis only: namespaces, URLs, the shared secret ------------------------------------------


@pytest.mark.slow
def test_redis_prefixes_keep_mocks_apart(server: RedisServer) -> None:
    async def scenario() -> None:
        # A prefix with glob characters must not reach the keys of a prefix it would match.
        mine, theirs = (
            RedisStore(server.address, prefix="a*:"),
            RedisStore(server.address, prefix="ab:"),
        )
        try:
            await theirs.put("/projects", "p1", {"id": "p1"})
            await theirs.set_value("k", 1)
            await mine.put("/projects", "p2", {"id": "p2"})
            async with theirs.lock("x"):
                await mine.reset()
            assert await theirs.get("/projects", "p1") == {"id": "p1"}
            assert await theirs.get_value("k") == 1
            assert await mine.export() == {"collections": {}}
            assert (await theirs.export())["collections"] == {"/projects": {"p1": {"id": "p1"}}}
        finally:
            await theirs.reset()
            await mine.aclose()
            await theirs.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("url", "option", "expected"),
    [
        ("redis://127.0.0.1:6379/0", None, ("redis://127.0.0.1:6379/0", DEFAULT_PREFIX)),
        ("redis://h:1/2?prefix=ci:", None, ("redis://h:1/2", "ci:")),
        ("redis://h:1/2?prefix=ci:", "cli:", ("redis://h:1/2", "cli:")),
        (
            "rediss://h/0?prefix=p&ssl_cert_reqs=none",
            None,
            ("rediss://h/0?ssl_cert_reqs=none", "p"),
        ),
        ("unix:///run/redis.sock?db=1", "u:", ("unix:///run/redis.sock?db=1", "u:")),
    ],
)
def test_state_url_takes_the_prefix_from_the_option_the_url_or_the_default(
    url: str, option: str | None, expected: tuple[str, str]
) -> None:
    assert parse_state_url(url, prefix=option) == expected


@pytest.mark.parametrize(
    ("url", "option", "message"),
    [
        ("postgres://db/0", None, "expected redis://host:port/db"),
        ("localhost:6379", None, "expected redis://host:port/db"),
        ("redis://h/0?prefix=", None, "non-empty key prefix"),
        ("redis://h/0", "", "non-empty key prefix"),
    ],
)
def test_state_url_refuses_what_is_not_a_redis_url(
    url: str, option: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_state_url(url, prefix=option)


@pytest.mark.slow
def test_shared_secret_is_the_first_workers_for_every_worker(server: RedisServer) -> None:
    prefix = server.prefix()
    first = shared_secret(server.address, prefix)
    assert len(first) >= 32
    assert shared_secret(server.address, prefix) == first
    assert shared_secret(server.address, server.prefix()) != first
    assert shared_secret(server.address, prefix, "configured") == "configured"


def test_shared_secret_refuses_a_malformed_url() -> None:
    with pytest.raises(ConfigError, match=r"--state-url: .*redis://127\.0\.0\.1:nope/0"):
        shared_secret("redis://127.0.0.1:nope/0", "p:")


@pytest.mark.slow
def test_shared_secret_says_how_to_fix_an_unreachable_redis() -> None:
    with redis_server() as stopped:
        address = stopped.address.replace("127.0.0.1", "user:hunter2@127.0.0.1")
    with pytest.raises(ConfigError) as exc:
        shared_secret(address, "p:")
    assert "cannot reach Redis" in str(exc.value)
    assert "hunter2" not in str(exc.value)
    assert isinstance(exc.value.__cause__, redis.ConnectionError)


# -- the journal --------------------------------------------------------------------------------


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def make_journal(request: pytest.FixtureRequest) -> Callable[[int], Journal]:
    """Opens a journal of ``capacity`` entries (on Redis: one client, closed by the test)."""
    if request.param == "memory":
        return lambda capacity: MemoryJournal(capacity)
    running: RedisServer = request.getfixturevalue("server")
    prefix = running.prefix()
    return lambda capacity: RedisStore(running.address, prefix=prefix).journal(capacity=capacity)


def run_journal(make_journal: Callable[[int], Journal], capacity: int, scenario: Any) -> None:
    async def main() -> None:
        journal = make_journal(capacity)
        try:
            await scenario(journal)
        finally:
            if isinstance(journal, RedisJournal):
                await journal.clear()
                await journal._client.aclose()

    asyncio.run(main())


def test_journal_records_and_filters_entries(make_journal: Callable[[int], Journal]) -> None:
    async def scenario(journal: Journal) -> None:
        started = 0.0  # perf_counter origin: latency is simply positive
        await journal.record(method="GET", path="/api/p/1", query="", status=200, started=started,
                             operation_id="getProject")  # fmt: skip
        await journal.record(method="POST", path="/api/p", query="a=1", status=422,
                             started=started, operation_id="createProject",
                             violations=[{"field": "body.name", "code": "required",
                                          "message": "missing"}])  # fmt: skip
        await journal.record(method="POST", path="https://hooks.example/x", query="", status=0,
                             started=started, kind="webhook", detail={"delivered": False},
                             fault="drop")  # fmt: skip
        assert await journal.count() == 3
        everything = await journal.query()
        assert [e.id for e in everything] == sorted(e.id for e in everything)
        first = everything[0]
        assert (first.method, first.path, first.status, first.operation_id) == (
            "GET", "/api/p/1", 200, "getProject"
        )  # fmt: skip
        assert first.latency_ms > 0
        invalid = await journal.query(status=422)
        assert [e.to_json()["violations"] for e in invalid] == [
            [{"field": "body.name", "code": "required", "message": "missing"}]
        ]
        assert invalid[0].query == "a=1"
        assert [e.path for e in await journal.query(method="post", path="/api/*")] == ["/api/p"]
        assert [e.operation_id for e in await journal.query(operation_id="getProject")] == [
            "getProject"
        ]
        assert await journal.query(since=everything[-1].id) == []
        assert [e.id for e in await journal.query(limit=2)] == [e.id for e in everything[1:]]
        webhook = everything[2].to_json()
        assert (webhook["kind"], webhook["webhook"], webhook["fault"]) == (
            "webhook", {"delivered": False}, "drop"
        )  # fmt: skip
        await journal.clear()
        assert await journal.count() == 0
        assert await journal.query() == []
        again = await journal.record(method="GET", path="/", query="", status=404, started=started)
        assert again.id > everything[-1].id  # ids keep counting: ``since`` stays meaningful

    run_journal(make_journal, 1000, scenario)


def test_journal_keeps_the_newest_entries_up_to_its_capacity(
    make_journal: Callable[[int], Journal],
) -> None:
    async def scenario(journal: Journal) -> None:
        for n in range(5):
            await journal.record(method="GET", path=f"/{n}", query="", status=200, started=0.0)
        assert await journal.count() == 3
        assert [e.path for e in await journal.query()] == ["/2", "/3", "/4"]

    run_journal(make_journal, 3, scenario)
