"""Where the stateful mock keeps its data: records by collection, and expiring keys.

`Store` is the interface; `MemoryStore` the default implementation, for one process.
`mockserver.store.redis_store.RedisStore` implements the same calls on Redis, so that several
workers or instances behave as one mock. Writes that must be atomic (idempotency, rate
limits, "pay once") run under `Store.lock`, which excludes every process sharing the store.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

import orjson

__all__ = ["KeyHold", "KeyLocks", "MemoryStore", "Message", "Store", "Subscription", "copy_json"]

Record = dict[str, Any]
Message = dict[str, Any]


_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data: dicts and lists rebuilt, immutable leaves shared.

    Copying in and out isolates the caller from what is stored; records are JSON data, for
    which this is about four times cheaper than `copy.deepcopy` (no memo, no dispatch).
    """
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _IMMUTABLE else copy_json(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _IMMUTABLE else copy_json(v) for v in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


class Store(Protocol):
    """The operations the stateful mock needs from its storage."""

    async def get(self, collection: str, key: str) -> Record | None: ...
    async def put(self, collection: str, key: str, record: Record) -> None: ...
    async def delete(self, collection: str, key: str) -> bool: ...
    async def values(self, collection: str) -> list[Record]: ...
    async def incr(self, key: str, *, ttl: float | None) -> int: ...
    async def ttl(self, key: str) -> float: ...
    async def get_value(self, key: str) -> Any: ...
    async def set_value(self, key: str, value: Any, *, ttl: float | None = None) -> None: ...
    async def delete_value(self, key: str) -> None: ...
    async def export(self) -> dict[str, Any]: ...
    async def load(self, data: dict[str, Any]) -> None: ...
    async def reset(self) -> None: ...
    def lock(self, key: str) -> Any: ...
    async def publish(self, channel: str, message: Message) -> None: ...
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...
    async def aclose(self) -> None: ...


class Subscription(Protocol):
    """Messages published on one channel after the subscription started, in order."""

    def __aiter__(self) -> AsyncIterator[Message]: ...


def _freeze(data: Any) -> Any:
    """A record or value as kept: JSON bytes, or a copy when it holds what JSON cannot.

    What JSON cannot hold is bytes or a huge int; stored data is JSON, never bytes, so a kept
    bytes object always means frozen data.
    """
    try:
        # Copied to a bytes object of its own size: orjson's holds a 4 kB buffer whatever
        # the length, which a store of many small records would keep.
        return bytes(memoryview(orjson.dumps(data)))
    except TypeError:
        return copy_json(data)


def _thaw(kept: Any) -> Any:
    return orjson.loads(kept) if type(kept) is bytes else copy_json(kept)


class _KeyLock:
    """The lock of one key, and how many tasks hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class KeyLocks:
    """One asyncio lock per key, forgotten as soon as no task holds or waits for it.

    Keys are per record, per login identity and per idempotency key: kept forever, their
    locks would grow with every request a long run sees.
    """

    def __init__(self) -> None:
        self._locks: dict[str, _KeyLock] = {}

    def __len__(self) -> int:
        return len(self._locks)

    def hold(self, key: str) -> KeyHold:
        """Hold ``key``'s lock for the ``async with`` block, after the tasks queued before."""
        return KeyHold(self._locks, key)


class KeyHold:
    """``async with`` one key's lock of a `KeyLocks`.

    A class rather than an ``@asynccontextmanager``: logins and idempotent writes take a lock
    per request, and an async generator costs several times what these two methods do.
    """

    __slots__ = ("_entry", "_key", "_locks")

    def __init__(self, locks: dict[str, _KeyLock], key: str) -> None:
        self._locks = locks
        self._key = key

    async def __aenter__(self) -> None:
        entry = self._locks.get(self._key)
        if entry is None:
            entry = self._locks[self._key] = _KeyLock()
        entry.users += 1
        self._entry = entry
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while queued: no longer waiting
            self._leave()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._entry.lock.release()
        self._leave()

    def _leave(self) -> None:
        entry = self._entry
        entry.users -= 1
        if not entry.users:
            del self._locks[self._key]


class MemoryStore:
    """Everything in this process's memory; records are copied in and out.

    Records are kept as JSON bytes: serializing and parsing them (orjson) is cheaper than
    copying dicts in Python, and bytes are not tracked by the cyclic garbage collector, so a
    store that grows under load does not make every full collection longer.
    """

    def __init__(self) -> None:
        self._collections: dict[str, dict[str, bytes | Record]] = {}
        # A value and, apart, when it expires (keys without a TTL have none): a tuple per value
        # would be a container the GC tracks, and refresh tokens pile up one per login, each
        # such allocation moving the collector a step closer to its next pass.
        self._values: dict[str, Any] = {}
        self._expires: dict[str, float] = {}
        self.locks = KeyLocks()
        self._subscribers: dict[str, set[asyncio.Queue[Message]]] = {}

    async def get(self, collection: str, key: str) -> Record | None:
        kept = self._collections.get(collection, {}).get(key)
        return _thaw(kept) if kept is not None else None

    async def put(self, collection: str, key: str, record: Record) -> None:
        self._collections.setdefault(collection, {})[key] = _freeze(record)

    async def delete(self, collection: str, key: str) -> bool:
        return self._collections.get(collection, {}).pop(key, None) is not None

    async def values(self, collection: str) -> list[Record]:
        return [_thaw(r) for r in self._collections.get(collection, {}).values()]

    def _live(self, key: str) -> bool:
        """Whether ``key`` holds a value; an expired one is dropped first."""
        if key not in self._values:
            return False
        expires = self._expires.get(key)
        if expires is not None and expires <= time.monotonic():
            del self._values[key], self._expires[key]
            return False
        return True

    async def incr(self, key: str, *, ttl: float | None) -> int:
        """Count up ``key``; a new key expires after ``ttl`` seconds (None: never)."""
        if self._live(key):
            count = self._values[key] + 1
        else:
            count = 1
            self._expire(key, ttl)
        self._values[key] = count
        return int(count)

    async def ttl(self, key: str) -> float:
        expires = self._expires.get(key) if self._live(key) else None
        return 0.0 if expires is None else max(0.0, expires - time.monotonic())

    async def get_value(self, key: str) -> Any:
        return _thaw(self._values[key]) if self._live(key) else None

    async def set_value(self, key: str, value: Any, *, ttl: float | None = None) -> None:
        # Dicts and lists as JSON bytes, like records: refresh tokens and idempotency answers
        # pile up under a login or payment load, and bytes are smaller and untracked by the GC.
        self._values[key] = _freeze(value) if type(value) in (dict, list) else copy_json(value)
        self._expire(key, ttl)

    async def delete_value(self, key: str) -> None:
        self._values.pop(key, None)
        self._expires.pop(key, None)

    def _expire(self, key: str, ttl: float | None) -> None:
        """Let ``key`` expire ``ttl`` seconds from now (None: never)."""
        if ttl is None:
            self._expires.pop(key, None)
        else:
            self._expires[key] = time.monotonic() + ttl

    async def export(self) -> dict[str, Any]:
        return {
            "collections": {
                name: {key: _thaw(kept) for key, kept in records.items()}
                for name, records in self._collections.items()
            }
        }

    async def load(self, data: dict[str, Any]) -> None:
        for name, records in (data.get("collections") or {}).items():
            kept = self._collections.setdefault(name, {})
            for key, record in records.items():
                kept[key] = _freeze(record)

    async def reset(self) -> None:
        self._collections.clear()
        self._values.clear()
        self._expires.clear()

    def lock(self, key: str) -> KeyHold:
        """Serialize the writers of ``key`` (one event loop: an asyncio lock suffices)."""
        return self.locks.hold(key)

    async def publish(self, channel: str, message: Message) -> None:
        """Hand ``message`` to every current subscriber of ``channel`` (none: dropped)."""
        for queue in self._subscribers.get(channel, ()):
            queue.put_nowait(copy_json(message))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Receive what is published on ``channel`` until the block exits."""
        queue: asyncio.Queue[Message] = asyncio.Queue()
        subscribers = self._subscribers.setdefault(channel, set())
        subscribers.add(queue)
        try:
            yield _QueueSubscription(queue)
        finally:
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[channel]

    async def aclose(self) -> None:
        """Nothing to release: the memory goes with the process."""


class _QueueSubscription:
    def __init__(self, queue: asyncio.Queue[Message]) -> None:
        self._queue = queue

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[Message]:
        while True:
            yield await self._queue.get()
